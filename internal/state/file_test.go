package state

import (
	"bytes"
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/imgform/imgform/internal/model"
)

// sampleState is a state with an entry of each generator, a for_each key
// that needs escaping, and an image of two samples.
func sampleState() *State {
	st := New()
	st.Lineage = "4cf2c86d-be9a-4efa-82d7-cb99c75c8fb5"
	st.Serial = 7
	hero := baseRequest()
	icon := baseRequest().WithPrompt("a steel longsword, game item icon").WithSeed(302545087420886).
		With("samples", model.Int(2)).With("guidance_scale", model.Number(1.5))
	mtime := time.Date(2026, 11, 25, 10, 41, 7, 123456789, time.UTC)
	st.Images["image.hero"] = &Entry{
		Generator: GeneratorAPI, InputHash: hero.InputHash(), Request: hero, SeedOrigin: "explicit",
		Outputs: []Output{{
			InferenceTime: 2.87, ModTime: mtime, Path: "assets/hero.png",
			RequestID: "6f1c2a9e-3b7d-4c1e-9a55-0b8e2d4f7a10", SHA256: SumBytes([]byte("hero")), Size: 1183402,
		}},
	}
	st.Images[`image.icon["sword \"long\""]`] = &Entry{
		Generator: GeneratorOffline, InputHash: icon.InputHash(), Request: icon, SeedOrigin: "derived",
		Outputs: []Output{
			{ModTime: mtime.Add(time.Second), Path: "icons/sword-1.png", SHA256: SumBytes([]byte("1")), Size: 1},
			{ModTime: mtime.Add(2 * time.Second), Path: "icons/sword-2.jpg", SHA256: SumBytes([]byte("2")), Size: 1},
		},
	}
	imported := baseRequest().WithPrompt("a logo")
	st.Images["image.logo"] = &Entry{
		Generator: GeneratorImported, InputHash: imported.InputHash(), Request: imported, SeedOrigin: "random",
		Outputs: []Output{{ModTime: mtime, Path: "logo.png", SHA256: SumBytes([]byte("logo")), Size: 4}},
	}
	return st
}

// baseRequest is a resolved request with every parameter set.
func baseRequest() model.Request {
	return model.NewRequest(model.NewRealityLightning).
		WithPrompt("castle on a cliff at dusk, cinematic, highly detailed").
		With("negative_prompt", model.String("blurry, low quality")).
		WithSeed(1220429729)
}

func mustMarshal(t testing.TB, st *State) []byte {
	t.Helper()
	data, err := Marshal(st)
	if err != nil {
		t.Fatal(err)
	}
	return data
}

func TestMarshalParseRoundTrip(t *testing.T) {
	tests := map[string]*State{
		"sample": sampleState(),
		"empty":  New(),
	}
	for name, want := range tests {
		t.Run(name, func(t *testing.T) {
			data := mustMarshal(t, want)
			got, err := Parse("imgform.state.json", data)
			if err != nil {
				t.Fatalf("Parse: %v\n%s", err, data)
			}
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("round trip (-want +got):\n%s", diff)
			}
			if again := mustMarshal(t, got); !bytes.Equal(again, data) {
				t.Errorf("marshalling again gives other bytes:\n%s\nthen\n%s", data, again)
			}
			if !bytes.HasSuffix(data, []byte("}\n")) {
				t.Errorf("the file does not end with a newline")
			}
		})
	}
}

// TestMarshalSortsKeys re-encodes the file with every object's keys
// sorted (encoding/json sorts map keys) and expects the same bytes.
func TestMarshalSortsKeys(t *testing.T) {
	data := mustMarshal(t, sampleState())
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber() // keep the numbers as written
	var generic map[string]any
	if err := dec.Decode(&generic); err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(true) // as json.MarshalIndent, which Marshal uses
	if err := enc.Encode(generic); err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(buf.String(), string(data)); diff != "" {
		t.Errorf("keys not sorted (-sorted +written):\n%s", diff)
	}
	// No field that changes by itself: two marshals of the same state
	// are the same bytes.
	if !bytes.Equal(data, mustMarshal(t, sampleState())) {
		t.Errorf("two marshals of the same state differ")
	}
}

// validFile returns the sample state's file with edit applied to its
// generic JSON form.
func validFile(t *testing.T, edit func(m map[string]any)) []byte {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal(mustMarshal(t, sampleState()), &m); err != nil {
		t.Fatal(err)
	}
	edit(m)
	data, err := json.MarshalIndent(m, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	return data
}

func entryOf(m map[string]any, addr string) map[string]any {
	return m["images"].(map[string]any)[addr].(map[string]any)
}

func TestParseRefuses(t *testing.T) {
	type want struct {
		version      bool   // a *VersionError (else a *CorruptError)
		line, column int    // where, for a corrupt file
		contains     string // a phrase of the message
	}
	tests := map[string]struct {
		data []byte
		want want
	}{
		"invalid JSON": {
			data: []byte("{\n  \"images\": {},\n  \"lineage\": \"x\",,\n  \"version\": 1\n}\n"),
			want: want{line: 3, column: 18, contains: "imgform.state.json:3:18"},
		},
		"invalid JSON after non-ASCII text": {
			data: []byte("{\"lineage\": \"é☕\" \"version\": 1}"),
			want: want{line: 1, column: 18, contains: "imgform.state.json:1:18"},
		},
		"truncated": {
			data: mustMarshal(t, sampleState())[:200],
			want: want{contains: "unexpected end of JSON input"},
		},
		"trailing garbage": {
			data: append(mustMarshal(t, sampleState()), "}\n"...),
			want: want{contains: "after top-level value"},
		},
		"wrong type": {
			data: validFile(t, func(m map[string]any) { m["serial"] = "7" }),
			// The column is that of the value's last character: the
			// decoder reports type errors after reading the value.
			want: want{contains: "serial", line: 89, column: 15},
		},
		"newer version": {
			data: validFile(t, func(m map[string]any) { m["version"] = Version + 1 }),
			want: want{version: true, contains: "format version 6, but this imgform reads versions up to 5"},
		},
		"newer input hash version": {
			data: validFile(t, func(m map[string]any) { m["input_hash_version"] = InputHashVersion + 1 }),
			want: want{version: true, contains: "input hash version 2"},
		},
		"no version": {
			data: validFile(t, func(m map[string]any) { delete(m, "version") }),
			want: want{contains: `no "version"`},
		},
		"version zero": {
			data: validFile(t, func(m map[string]any) { m["version"] = 0 }),
			want: want{contains: "version 0 is not a state format version"},
		},
		"no input hash version": {
			data: validFile(t, func(m map[string]any) { delete(m, "input_hash_version") }),
			want: want{contains: "input_hash_version"},
		},
		"no lineage": {
			data: validFile(t, func(m map[string]any) { delete(m, "lineage") }),
			want: want{contains: `no "lineage"`},
		},
		"unknown top-level field": {
			data: validFile(t, func(m map[string]any) { m["terraform_version"] = "1.9" }),
			want: want{contains: `unknown field "terraform_version"`},
		},
		"unknown entry field": {
			data: validFile(t, func(m map[string]any) { entryOf(m, "image.hero")["api_key"] = "SG_x" }),
			want: want{contains: `unknown field "api_key"`},
		},
		"unknown request field": {
			data: validFile(t, func(m map[string]any) {
				entryOf(m, "image.hero")["request"].(map[string]any)["base64"] = true
			}),
			want: want{contains: `the request has "base64", which is not a parameter`},
		},
		"input hash edited by hand": {
			data: validFile(t, func(m map[string]any) {
				entryOf(m, "image.hero")["request"].(map[string]any)["prompt"] = "a castle, edited"
			}),
			want: want{contains: "the input hash of image.hero does not match its request"},
		},
		"invalid hash": {
			data: validFile(t, func(m map[string]any) { entryOf(m, "image.hero")["input_hash"] = "5f0c" }),
			want: want{contains: "invalid hash"},
		},
		"null entry": {
			data: validFile(t, func(m map[string]any) { m["images"].(map[string]any)["image.hero"] = nil }),
			want: want{contains: "the entry of image.hero is null"},
		},
		"no outputs": {
			data: validFile(t, func(m map[string]any) { entryOf(m, "image.hero")["outputs"] = []any{} }),
			want: want{contains: "the entry of image.hero has no outputs"},
		},
		"output without path": {
			data: validFile(t, func(m map[string]any) {
				entryOf(m, "image.hero")["outputs"].([]any)[0].(map[string]any)["path"] = ""
			}),
			want: want{contains: "an output of image.hero has no path"},
		},
		"not an object": {
			data: []byte("[]\n"),
			want: want{line: 1, column: 1, contains: "cannot unmarshal array"},
		},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			st, err := Parse("imgform.state.json", tc.data)
			if err == nil {
				t.Fatalf("Parse accepted it: %+v", st)
			}
			if tc.want.version {
				var ve *VersionError
				if !errors.As(err, &ve) {
					t.Fatalf("want a *VersionError, got %T: %v", err, err)
				}
			} else {
				var ce *CorruptError
				if !errors.As(err, &ce) {
					t.Fatalf("want a *CorruptError, got %T: %v", err, err)
				}
				if tc.want.line != 0 {
					if diff := cmp.Diff([2]int{tc.want.line, tc.want.column}, [2]int{ce.Line, ce.Column}); diff != "" {
						t.Errorf("line and column (-want +got):\n%s", diff)
					}
				}
				if !strings.Contains(err.Error(), "will not overwrite it") {
					t.Errorf("the message does not say the file is left alone: %v", err)
				}
			}
			if !strings.Contains(err.Error(), tc.want.contains) {
				t.Errorf("the message does not contain %q: %v", tc.want.contains, err)
			}
		})
	}
}

func TestStateClone(t *testing.T) {
	st := sampleState()
	c := st.Clone()
	if diff := cmp.Diff(st, c); diff != "" {
		t.Fatalf("clone differs (-want +got):\n%s", diff)
	}
	c.Images["image.hero"].Outputs[0].Path = "changed.png"
	delete(c.Images, "image.logo")
	if st.Images["image.hero"].Outputs[0].Path != "assets/hero.png" || st.Images["image.logo"] == nil {
		t.Errorf("changing the clone changed the original")
	}
	want := []string{"image.hero", `image.icon["sword \"long\""]`, "image.logo"}
	if diff := cmp.Diff(want, st.Addresses()); diff != "" {
		t.Errorf("Addresses (-want +got):\n%s", diff)
	}
}
