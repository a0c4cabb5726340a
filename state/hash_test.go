package state

import (
	"bytes"
	"encoding/json"
	"math"
	"reflect"
	"sort"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/google/go-cmp/cmp"

	"github.com/imgform/imgform/segmind"
)

// baseRequest is a resolved request with every field set.
func baseRequest() Request {
	return Request{
		GuidanceScale:     1.4,
		ImgHeight:         1024,
		ImgWidth:          1024,
		Model:             segmind.Model,
		NegativePrompt:    "blurry, low quality",
		NumInferenceSteps: 7,
		Prompt:            "castle on a cliff at dusk, cinematic, highly detailed",
		Samples:           1,
		Scheduler:         "DPM++ SDE",
		Seed:              1220429729,
	}
}

func TestInputHashChangesWithEveryParameter(t *testing.T) {
	tests := map[string]func(r *Request){
		"guidance_scale":      func(r *Request) { r.GuidanceScale = 1.5 },
		"img_height":          func(r *Request) { r.ImgHeight = 768 },
		"img_width":           func(r *Request) { r.ImgWidth = 768 },
		"model":               func(r *Request) { r.Model = "sdxl1.0-another-model" },
		"negative_prompt":     func(r *Request) { r.NegativePrompt = "blurry, low quality " },
		"num_inference_steps": func(r *Request) { r.NumInferenceSteps = 8 },
		"prompt":              func(r *Request) { r.Prompt = "Castle on a cliff at dusk, cinematic, highly detailed" },
		"samples":             func(r *Request) { r.Samples = 2 },
		"scheduler":           func(r *Request) { r.Scheduler = "DPM++ SDE Karras" },
		"seed":                func(r *Request) { r.Seed = 1220429730 },
	}

	// The table covers every parameter the hash covers, and those are
	// every field of Request.
	var names []string
	for _, p := range baseRequest().Params() {
		names = append(names, p.Name)
	}
	var cases []string
	for name := range tests {
		cases = append(cases, name)
	}
	sort.Strings(cases)
	if diff := cmp.Diff(names, cases); diff != "" {
		t.Fatalf("the table does not cover the parameters (-params +cases):\n%s", diff)
	}
	if n := reflect.TypeFor[Request]().NumField(); n != len(names) {
		t.Fatalf("Request has %d fields, but Params lists %d: a field is not hashed", n, len(names))
	}

	base := baseRequest()
	for name, change := range tests {
		t.Run(name, func(t *testing.T) {
			r := baseRequest()
			change(&r)
			if r.InputHash() == base.InputHash() {
				t.Fatalf("changing %s did not change the input hash", name)
			}
			// Only that parameter's canonical value changed.
			var changed []string
			for i, p := range r.Params() {
				if p.Value != base.Params()[i].Value {
					changed = append(changed, p.Name)
				}
			}
			if diff := cmp.Diff([]string{name}, changed); diff != "" {
				t.Errorf("changed parameters (-want +got):\n%s", diff)
			}
		})
	}
}

func TestInputHashCanonicalNumbers(t *testing.T) {
	negZero := math.Copysign(0, -1)
	tests := map[string]struct {
		a, b      float64
		wantValue string // the canonical text of both
	}{
		"1 and 1.0":              {a: 1, b: mustFloat(t, "1.0"), wantValue: "1"},
		"1.4 and 1.40 and 14e-1": {a: mustFloat(t, "1.40"), b: mustFloat(t, "14e-1"), wantValue: "1.4"},
		"-0 and 0":               {a: negZero, b: 0, wantValue: "0"},
		"25 and 2.5e1":           {a: 25, b: mustFloat(t, "2.5e1"), wantValue: "25"},
		"large":                  {a: 1e21, b: mustFloat(t, "1000000000000000000000"), wantValue: "1e+21"},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			ra, rb := baseRequest(), baseRequest()
			ra.GuidanceScale, rb.GuidanceScale = tc.a, tc.b
			if ra.InputHash() != rb.InputHash() {
				t.Errorf("different hashes:\n%s\n%s", ra.CanonicalEncoding(), rb.CanonicalEncoding())
			}
			if got := paramValue(ra, "guidance_scale"); got != tc.wantValue {
				t.Errorf("guidance_scale is encoded as %s, want %s", got, tc.wantValue)
			}
		})
	}

	// A request read back from JSON written either way hashes the same.
	var fromInt, fromFloat Request
	for in, out := range map[string]*Request{
		`{"guidance_scale": 2, "seed": 7}`:     &fromInt,
		`{"guidance_scale": 2.000, "seed": 7}`: &fromFloat,
	} {
		if err := json.Unmarshal([]byte(in), out); err != nil {
			t.Fatal(err)
		}
	}
	if fromInt.InputHash() != fromFloat.InputHash() {
		t.Errorf("2 and 2.000 hash differently")
	}
}

func mustFloat(t *testing.T, s string) float64 {
	t.Helper()
	var f float64
	if err := json.Unmarshal([]byte(s), &f); err != nil {
		t.Fatal(err)
	}
	return f
}

func paramValue(r Request, name string) string {
	for _, p := range r.Params() {
		if p.Name == name {
			return p.Value
		}
	}
	return ""
}

func TestCanonicalEncoding(t *testing.T) {
	got := string(baseRequest().CanonicalEncoding())
	want := "imgform-input-v1\n" +
		`{"guidance_scale":1.4,"img_height":1024,"img_width":1024,"model":"sdxl1.0-newreality-lightning",` +
		`"negative_prompt":"blurry, low quality","num_inference_steps":7,` +
		`"prompt":"castle on a cliff at dusk, cinematic, highly detailed","samples":1,"scheduler":"DPM++ SDE","seed":1220429729}`
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("encoding (-want +got):\n%s", diff)
	}
	if !strings.HasPrefix(got, "imgform-input-v1\n") || InputHashVersion != 1 {
		t.Errorf("the encoding does not start with its version line: %q", got)
	}
	if got, want := baseRequest().InputHash(), SumBytes([]byte(want)); got != want {
		t.Errorf("the input hash is %s, want the SHA-256 of the encoding, %s", got, want)
	}

	// The object after the version line is JSON with its keys sorted
	// and no insignificant space.
	_, obj, _ := strings.Cut(got, "\n")
	var m map[string]json.RawMessage
	if err := json.Unmarshal([]byte(obj), &m); err != nil {
		t.Fatalf("the encoding is not JSON after its version line: %v", err)
	}
	resorted, err := json.Marshal(m)
	if err != nil {
		t.Fatal(err)
	}
	if string(resorted) != obj {
		t.Errorf("keys are not sorted or space is not minimal:\n got %s\nwant %s", obj, resorted)
	}
}

func TestInputHashIgnoresTransportAndPlace(t *testing.T) {
	api := baseRequest().API()
	withBase64 := api
	withBase64.Base64 = true
	if RequestFromAPI(api).InputHash() != RequestFromAPI(withBase64).InputHash() {
		t.Errorf("base64 changes the input hash; it only changes how the answer is encoded")
	}
	if diff := cmp.Diff(baseRequest(), RequestFromAPI(api)); diff != "" {
		t.Errorf("RequestFromAPI(r.API()) is not r (-want +got):\n%s", diff)
	}

	// The request has no field for an output path, an API key or an
	// endpoint: its fields are exactly the model and the parameters of the
	// schema that decide the image.
	var fields []string
	rt := reflect.TypeFor[Request]()
	for i := range rt.NumField() {
		tag, _, _ := strings.Cut(rt.Field(i).Tag.Get("json"), ",")
		fields = append(fields, tag)
	}
	want := append([]string{"model"}, segmind.ImageParamNames()...)
	sort.Strings(fields)
	sort.Strings(want)
	if diff := cmp.Diff(want, fields); diff != "" {
		t.Errorf("Request fields (-want +got):\n%s", diff)
	}
	enc := string(baseRequest().CanonicalEncoding())
	for _, word := range []string{"output", "path", "key", "endpoint", "url", "base64"} {
		if strings.Contains(enc, word) {
			t.Errorf("the canonical encoding mentions %q: %s", word, enc)
		}
	}
}

// TestJSONStringMatchesEncodingJSON pins the fast path of the canonical
// encoding to encoding/json, whose output defines it: a difference would
// change input hashes, and so regenerate images.
func TestJSONStringMatchesEncodingJSON(t *testing.T) {
	inputs := []string{
		"", "plain ASCII prompt, 1.7:(x)", `quote " and backslash \`, "<b>&amp;</b>",
		"tab\tnew\nline\rcr", "\x00\x01\x1f\x7f", "\b\f", "café ☕", "\u2028\u2029",
		"invalid \xff\xfe utf-8", "emoji 🏰", strings.Repeat("long ", 1000),
	}
	for b := 0; b < 256; b++ {
		inputs = append(inputs, string([]byte{'a', byte(b), 'z'}))
	}
	for _, in := range inputs {
		var buf bytes.Buffer
		enc := json.NewEncoder(&buf)
		enc.SetEscapeHTML(false)
		if err := enc.Encode(in); err != nil {
			t.Fatal(err)
		}
		want := strings.TrimSuffix(buf.String(), "\n")
		if got := jsonString(in); got != want {
			t.Errorf("jsonString(%q) = %s, want %s", in, got, want)
		}
		if !utf8.ValidString(jsonString(in)) {
			t.Errorf("jsonString(%q) is not valid UTF-8", in)
		}
	}
}

func TestHashText(t *testing.T) {
	h := SumBytes([]byte("imgform"))
	text, err := h.MarshalText()
	if err != nil {
		t.Fatal(err)
	}
	var back Hash
	if err := back.UnmarshalText(text); err != nil {
		t.Fatal(err)
	}
	if back != h || len(text) != 64 || h.Short() != string(text[:12]) || h.IsZero() || !(Hash{}).IsZero() {
		t.Errorf("hash text round trip: %s -> %s (short %s)", h, back, h.Short())
	}
	for _, bad := range []string{"", "abc", strings.Repeat("g", 64), strings.Repeat("a", 63)} {
		if _, err := ParseHash(bad); err == nil {
			t.Errorf("ParseHash(%q) accepted it", bad)
		}
	}
	sum, n, err := SumReader(strings.NewReader("imgform"))
	if err != nil || sum != h || n != 7 {
		t.Errorf("SumReader = %s, %d, %v; want %s, 7", sum, n, err, h)
	}
}
