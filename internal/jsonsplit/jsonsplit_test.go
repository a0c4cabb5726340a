package jsonsplit

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// decodeObject is what encoding/json reads of data as one object: its
// keys and raw values in order; ok is false when data is not one valid
// JSON object.
func decodeObject(data []byte) (keys []string, values [][]byte, ok bool) {
	if !json.Valid(data) {
		return nil, nil, false
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	if tok, err := dec.Token(); err != nil || tok != json.Delim('{') {
		return nil, nil, false
	}
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return nil, nil, false
		}
		var raw json.RawMessage
		if err := dec.Decode(&raw); err != nil {
			return nil, nil, false
		}
		keys = append(keys, tok.(string))
		values = append(values, raw)
	}
	if tok, err := dec.Token(); err != nil || tok != json.Delim('}') {
		return nil, nil, false
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return nil, nil, false
	}
	return keys, values, true
}

var seeds = []string{
	`{}`, ` { } `, `{"a":1}`, `{"a": "x", "b": [1, {"c": "}"}], "d": null}`,
	`{"esc\"aped": "\u00e9\n", "é": true}`, `{"a":1,}`, `{"a":1} x`, `[1]`, `{"a" 1}`,
	"{\"\xff\xfe\": 1}", "{\"k\": \"\xc3\x28\"}", `{"a": tru}`, `{"a":{"b":[}}`, `{"dup":1,"dup":2}`,
	"{\"ctl\x01\": 1}", `{"a":"\ud800"}`, `{"n": -1.5e10, "s": "a\\b"}`,
}

// Object splits an object the way encoding/json reads it: the same keys
// (invalid UTF-8 and escapes decoded alike), the same raw values, in
// order; it accepts every valid object, and nothing else but objects
// whose invalid part is inside a value (values are decoded, and checked,
// by the caller).
func FuzzObject(f *testing.F) {
	for _, s := range seeds {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		keys, values, ok := Object(data)
		wantKeys, wantValues, valid := decodeObject(data)
		switch {
		case valid && !ok:
			t.Fatalf("Object refused a valid object %q", data)
		case valid:
			if diff := cmp.Diff(wantKeys, keys); diff != "" {
				t.Fatalf("keys of %q (-encoding/json +Object):\n%s", data, diff)
			}
			if diff := cmp.Diff(wantValues, values); diff != "" {
				t.Fatalf("values of %q (-encoding/json +Object):\n%s", data, diff)
			}
		case ok:
			// Not valid, yet split: the fault must be inside a value.
			for _, v := range values {
				if !json.Valid(v) {
					return
				}
			}
			t.Fatalf("Object split %q, which encoding/json refuses, into valid values %q", data, values)
		}
	})
}

func TestObjectSeeds(t *testing.T) {
	for _, s := range seeds {
		keys, _, ok := Object([]byte(s))
		wantKeys, _, valid := decodeObject([]byte(s))
		if valid && (!ok || !cmp.Equal(keys, wantKeys)) {
			t.Errorf("%q: Object = %q, %v; encoding/json reads %q", s, keys, ok, wantKeys)
		}
	}
	if keys, _, ok := Object([]byte("{\"\xff\": 1}")); !ok || keys[0] != "\ufffd" {
		t.Errorf("a key that is not UTF-8: %q, %v; want it read as U+FFFD, as encoding/json does", keys, ok)
	}
}
