package model

import (
	"encoding/json"
	"math"
	"sort"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// baseRequest is a resolved request with every parameter set.
func baseRequest() Request {
	return NewRequest(NewRealityLightning).
		WithPrompt("castle on a cliff at dusk, cinematic, highly detailed").
		With("negative_prompt", String("blurry, low quality")).
		WithSeed(1220429729)
}

// The canonical encoding (and so every input hash a state records) is
// byte for byte what the first release computed.
func TestCanonicalEncoding(t *testing.T) {
	got := string(baseRequest().CanonicalEncoding())
	want := "imgform-input-v1\n" +
		`{"guidance_scale":1.4,"img_height":1024,"img_width":1024,"model":"sdxl1.0-newreality-lightning",` +
		`"negative_prompt":"blurry, low quality","num_inference_steps":7,` +
		`"prompt":"castle on a cliff at dusk, cinematic, highly detailed","samples":1,"scheduler":"DPM++ SDE","seed":1220429729}`
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("encoding (-want +got):\n%s", diff)
	}
	if got, want := baseRequest().InputHash(), SumBytes([]byte(want)); got != want {
		t.Errorf("the input hash is %s, want the SHA-256 of the encoding, %s", got, want)
	}
	_, obj, _ := strings.Cut(got, "\n")
	var m map[string]json.RawMessage
	if err := json.Unmarshal([]byte(obj), &m); err != nil {
		t.Fatalf("the encoding is not JSON after its version line: %v", err)
	}
	resorted, _ := json.Marshal(m)
	if string(resorted) != obj {
		t.Errorf("keys are not sorted or space is not minimal:\n got %s\nwant %s", obj, resorted)
	}
}

func TestInputHashChangesWithEveryParameter(t *testing.T) {
	changed := map[string]Value{
		"guidance_scale":      Number(1.5),
		"img_height":          Int(768),
		"img_width":           Int(768),
		"negative_prompt":     String("blurry, low quality "),
		"num_inference_steps": Int(8),
		"prompt":              String("Castle on a cliff at dusk, cinematic, highly detailed"),
		"samples":             Int(2),
		"scheduler":           String("DPM++ SDE Karras"),
		"seed":                Int(1220429730),
	}
	var names []string
	for _, p := range NewRealityLightning.ImageParams() {
		names = append(names, p.Name)
	}
	var cases []string
	for name := range changed {
		cases = append(cases, name)
	}
	sort.Strings(names)
	sort.Strings(cases)
	if diff := cmp.Diff(names, cases); diff != "" {
		t.Fatalf("the table does not cover the image parameters (-params +cases):\n%s", diff)
	}
	base := baseRequest()
	for name, v := range changed {
		if base.With(name, v).InputHash() == base.InputHash() {
			t.Errorf("changing %s did not change the input hash", name)
		}
	}
}

func TestCanonicalNumbers(t *testing.T) {
	for name, tc := range map[string]struct {
		a, b float64
		want string
	}{
		"1 and 1.0": {1, 1.0, "1"},
		"-0 and 0":  {math.Copysign(0, -1), 0, "0"},
		"large":     {1e21, 1000000000000000000000, "1e+21"},
		"1.4":       {1.4, 14e-1, "1.4"},
	} {
		ra, rb := baseRequest().With("guidance_scale", Number(tc.a)), baseRequest().With("guidance_scale", Number(tc.b))
		if ra.InputHash() != rb.InputHash() || ra.Get("guidance_scale").Canonical() != tc.want {
			t.Errorf("%s: %s and %s", name, ra.CanonicalEncoding(), rb.CanonicalEncoding())
		}
	}
}

// A request reads back from its JSON (as the state records it) as the
// same request; a request of an unknown model, with an unknown or a
// missing parameter, or a value of the wrong kind does not.
func TestRequestJSON(t *testing.T) {
	data, err := json.Marshal(baseRequest())
	if err != nil {
		t.Fatal(err)
	}
	want := `{"guidance_scale":1.4,"img_height":1024,"img_width":1024,"model":"sdxl1.0-newreality-lightning","negative_prompt":"blurry, low quality","num_inference_steps":7,"prompt":"castle on a cliff at dusk, cinematic, highly detailed","samples":1,"scheduler":"DPM++ SDE","seed":1220429729}`
	if string(data) != want {
		t.Errorf("JSON\n got %s\nwant %s", data, want)
	}
	var back Request
	if err := json.Unmarshal(data, &back); err != nil {
		t.Fatal(err)
	}
	if !back.Equal(baseRequest()) {
		t.Errorf("read back as %s", back.CanonicalEncoding())
	}
	for name, bad := range map[string]string{
		"unknown model":     strings.Replace(want, "sdxl1.0-newreality-lightning", "another-model", 1),
		"unknown parameter": strings.Replace(want, `"seed"`, `"sed"`, 1),
		"missing":           strings.Replace(want, `"samples":1,`, "", 1),
		"wrong kind":        strings.Replace(want, `"samples":1`, `"samples":"1"`, 1),
		"transport":         strings.Replace(want, `"seed":`, `"base64":true,"seed":`, 1),
	} {
		var r Request
		if err := json.Unmarshal([]byte(bad), &r); err == nil {
			t.Errorf("%s: read %s", name, bad)
		}
	}
}

// The A1111 text is what the first release wrote into every image.
func TestA1111(t *testing.T) {
	want := "castle on a cliff at dusk, cinematic, highly detailed\nNegative prompt: blurry, low quality\n" +
		"Steps: 7, Sampler: DPM++ SDE, CFG scale: 1.4, Seed: 1220429729, Size: 1024x1024, Model: sdxl1.0-newreality-lightning"
	if got := baseRequest().A1111(); got != want {
		t.Errorf("A1111\n got %q\nwant %q", got, want)
	}
}

// Adding a parameter is one entry in a schema: a second, tiny schema gets
// validation, a canonical encoding, its JSON and its A1111 text from its
// table alone.
func TestATinySchema(t *testing.T) {
	tiny := &Schema{
		ID: "tiny-model",
		Params: []Param{
			{Name: "prompt", Kind: KindString, Required: true, Role: RolePrompt},
			{Name: "steps", Kind: KindInteger, Default: Int(4), Min: 1, Max: 10, Ranged: true, A1111: "Steps"},
			{Name: "style", Kind: KindString, Default: String("flat"), Allowed: []string{"flat", "photo"}, A1111: "Style"},
		},
		A1111Order: []string{"steps", "style"},
	}
	Register(tiny)
	r := NewRequest(tiny).WithPrompt("a fox")
	if errs := r.Validate(); len(errs) != 0 {
		t.Fatalf("Validate: %v", errs)
	}
	if errs := r.With("steps", Int(11)).Validate(); len(errs) != 1 || errs[0].Reason != ReasonOutOfRange {
		t.Errorf("steps = 11: %v", errs)
	}
	if errs := r.With("style", String("flta")).Validate(); len(errs) != 1 || !strings.Contains(errs[0].Detail, `Did you mean "flat"?`) {
		t.Errorf("style = flta: %v", errs)
	}
	if got, want := string(r.CanonicalEncoding()), "imgform-input-v1\n"+`{"model":"tiny-model","prompt":"a fox","steps":4,"style":"flat"}`; got != want {
		t.Errorf("encoding %q, want %q", got, want)
	}
	if got, want := r.A1111(), "a fox\nSteps: 4, Style: flat, Model: tiny-model"; got != want {
		t.Errorf("A1111 %q, want %q", got, want)
	}
	data, _ := json.Marshal(r)
	var back Request
	if err := json.Unmarshal(data, &back); err != nil || !back.Equal(r) {
		t.Errorf("JSON round trip: %s, %v", data, err)
	}
	if r.Samples() != 1 || r.Seed() != 0 {
		t.Errorf("a model without samples or seed: samples %d, seed %d", r.Samples(), r.Seed())
	}
}

func TestJSONStringMatchesEncodingJSON(t *testing.T) {
	for _, s := range []string{"plain", "quote \" and \\ backslash", "tab\tnewline\n", "<html> & stuff", "snow ☃ and 🏰", "\x00\x1f", "\u2028"} {
		if got, want := jsonString(s), jsonStringSlow(s); got != want {
			t.Errorf("jsonString(%q) = %s, want %s", s, got, want)
		}
	}
}

// A1111 writes numbers with at most four decimals, trailing zeros dropped.
func TestA1111Numbers(t *testing.T) {
	for in, want := range map[float64]string{1.4: "1.4", 7: "7", 1.25: "1.25", 2.5: "2.5", 10.125: "10.125", 1.00001: "1"} {
		if got := a1111Value(Number(in)); got != want {
			t.Errorf("a1111Value(%v) = %q, want %q", in, got, want)
		}
	}
}

// Only what decides the image is hashed: the transport parameter (base64)
// cannot be set on a request at all, and the encoding holds exactly the
// model and the image parameters, no output path, key or endpoint.
func TestInputHashIgnoresTransportAndPlace(t *testing.T) {
	r := baseRequest()
	if got := r.With("base64", Bool(true)); !got.Equal(r) || got.InputHash() != r.InputHash() {
		t.Errorf("setting base64 changed the request: %s", got.CanonicalEncoding())
	}
	_, obj, _ := strings.Cut(string(r.CanonicalEncoding()), "\n")
	var m map[string]json.RawMessage
	if err := json.Unmarshal([]byte(obj), &m); err != nil {
		t.Fatal(err)
	}
	var keys []string
	for k := range m {
		keys = append(keys, k)
	}
	want := []string{"model"}
	for _, p := range NewRealityLightning.ImageParams() {
		want = append(want, p.Name)
	}
	sort.Strings(keys)
	sort.Strings(want)
	if diff := cmp.Diff(want, keys); diff != "" {
		t.Errorf("encoded keys (-want +got):\n%s", diff)
	}
}

// TestAliases checks the aliases table: an alias names one parameter,
// is no parameter's own name, and is found whatever its case or
// separators.
func TestAliases(t *testing.T) {
	s := NewRealityLightning
	seen := map[string]string{}
	for _, p := range s.Params {
		for _, a := range p.Aliases {
			if _, ok := s.Param(a); ok {
				t.Errorf("alias %q of %s is itself a parameter", a, p.Name)
			}
			if other, ok := seen[aliasKey(a)]; ok {
				t.Errorf("alias %q names both %s and %s", a, other, p.Name)
			}
			seen[aliasKey(a)] = p.Name
		}
	}
	for alias, want := range map[string]string{"steps": "num_inference_steps", "CFG-Scale": "guidance_scale",
		"cfg": "guidance_scale", "width": "img_width", "height": "img_height", "negative": "negative_prompt",
		"sampler": "scheduler", "sampler_name": "scheduler"} {
		p, ok := s.ParamByAlias(alias)
		if !ok || p.Name != want {
			t.Errorf("ParamByAlias(%q) = %v, %v; want %s", alias, p, ok, want)
		}
	}
	if p, ok := s.ParamByAlias("prompt"); ok {
		t.Errorf("ParamByAlias(prompt) = %s: a parameter's own name is no alias", p.Name)
	}
}
