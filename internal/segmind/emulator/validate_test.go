package emulator

import (
	"net/http"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/imgform/imgform/internal/model"
	"github.com/imgform/imgform/internal/segmind/internal/wire"
)

// TestValidationErrors sends every kind of bad body to both generation
// endpoints: each is a 400 whose error names the parameter (or the body),
// never a 500, and nothing is generated or submitted.
func TestValidationErrors(t *testing.T) {
	s, base := startServer(t, testOptions())
	tests := []struct {
		name string
		body string
		want string // the whole error text, or a prefix when wantPrefix
		// wantPrefix compares only the start of the error.
		wantPrefix bool
	}{
		{name: "prompt missing", body: `{}`, want: "prompt: prompt is required."},
		{name: "prompt null", body: `{"prompt": null}`, want: "prompt: prompt is required."},
		{name: "prompt empty", body: `{"prompt": ""}`, want: "prompt: prompt must not be empty."},
		{name: "prompt blank", body: `{"prompt": "  \t "}`, want: "prompt: prompt must not be empty."},
		{name: "prompt number", body: `{"prompt": 42}`, want: "prompt: prompt must be a string (got the number 42)."},
		{name: "prompt object", body: `{"prompt": {"text": "x"}}`, want: "prompt: prompt must be a string (got an object)."},
		{name: "negative_prompt list", body: `{"prompt": "a", "negative_prompt": ["blur"]}`, want: "negative_prompt: negative_prompt must be a string (got an array)."},
		{name: "samples zero", body: `{"prompt": "a", "samples": 0}`, want: "samples: samples must be between 1 and 4 (got 0)."},
		{name: "samples five", body: `{"prompt": "a", "samples": 5}`, want: "samples: samples must be between 1 and 4 (got 5)."},
		{name: "samples fraction", body: `{"prompt": "a", "samples": 1.5}`, want: "samples: samples must be a whole number (got 1.5)."},
		{name: "samples fraction string", body: `{"prompt": "a", "samples": "2.5"}`, want: "samples: samples must be a whole number (got 2.5)."},
		{name: "samples word", body: `{"prompt": "a", "samples": "two"}`, want: `samples: samples must be an integer (got the string "two").`},
		{name: "samples bool", body: `{"prompt": "a", "samples": true}`, want: "samples: samples must be an integer (got a boolean)."},
		{name: "samples overflow", body: `{"prompt": "a", "samples": 1e400}`, want: "samples: samples must be a whole number (got +Inf)."},
		{name: "samples huge", body: `{"prompt": "a", "samples": 99999999999999999999}`, want: "samples: samples must be between 1 and 4 (got 100000000000000000000)."},
		{name: "scheduler typo", body: `{"prompt": "a", "scheduler": "euler a"}`, want: `scheduler: "euler a" is not a scheduler this model accepts. Did you mean "Euler a"?`},
		{name: "scheduler unknown", body: `{"prompt": "a", "scheduler": "a completely different sampler"}`, want: `scheduler: "a completely different sampler" is not a scheduler this model accepts. Accepted: `, wantPrefix: true},
		{name: "scheduler number", body: `{"prompt": "a", "scheduler": 3}`, want: "scheduler: scheduler must be a string (got the number 3)."},
		{name: "steps zero", body: `{"prompt": "a", "num_inference_steps": 0}`, want: "num_inference_steps: num_inference_steps must be between 1 and 100 (got 0)."},
		{name: "steps too many", body: `{"prompt": "a", "num_inference_steps": 101}`, want: "num_inference_steps: num_inference_steps must be between 1 and 100 (got 101)."},
		{name: "guidance too low", body: `{"prompt": "a", "guidance_scale": 0.5}`, want: "guidance_scale: guidance_scale must be between 1 and 25 (got 0.5)."},
		{name: "guidance too high", body: `{"prompt": "a", "guidance_scale": 26}`, want: "guidance_scale: guidance_scale must be between 1 and 25 (got 26)."},
		{name: "guidance word", body: `{"prompt": "a", "guidance_scale": "high"}`, want: `guidance_scale: guidance_scale must be a number (got the string "high").`},
		{name: "guidance overflow", body: `{"prompt": "a", "guidance_scale": -1e999}`, want: "guidance_scale: guidance_scale must be a finite number."},
		{name: "seed below -1", body: `{"prompt": "a", "seed": -2}`, want: "seed: seed must be between -1 and 999999999999999 (got -2)."},
		{name: "seed above max", body: `{"prompt": "a", "seed": 1000000000000000}`, want: "seed: seed must be between -1 and 999999999999999 (got 1000000000000000)."},
		{name: "seed fraction", body: `{"prompt": "a", "seed": 4.2}`, want: "seed: seed must be a whole number (got 4.2)."},
		{name: "width 512", body: `{"prompt": "a", "img_width": 512}`, want: "img_width: img_width must be 1024 for this model (got 512)."},
		{name: "height 768", body: `{"prompt": "a", "img_height": 768}`, want: "img_height: img_height must be 1024 for this model (got 768)."},
		{name: "width with unit", body: `{"prompt": "a", "img_width": "1024px"}`, want: `img_width: img_width must be an integer (got the string "1024px").`},
		{name: "base64 word", body: `{"prompt": "a", "base64": "yes"}`, want: `base64: base64 must be a boolean (got the string "yes").`},
		{name: "base64 number", body: `{"prompt": "a", "base64": 1}`, want: "base64: base64 must be a boolean (got the number 1)."},
		{name: "several, in schema order", body: `{"seed": -5, "samples": 9, "prompt": ""}`,
			want: "prompt: prompt must not be empty.; samples: samples must be between 1 and 4 (got 9).; seed: seed must be between -1 and 999999999999999 (got -5)."},
		{name: "empty body", body: ``, want: "request body is empty; send a JSON object with at least a prompt"},
		{name: "not JSON", body: `prompt=castle`, want: "request body is not valid JSON"},
		{name: "truncated JSON", body: `{"prompt": "castle"`, want: "request body is not valid JSON"},
		{name: "trailing data", body: `{"prompt": "a"} {"prompt": "b"}`, want: "request body is not valid JSON"},
		{name: "array", body: `[{"prompt": "a"}]`, want: "request body must be a JSON object (got an array)"},
		{name: "string", body: `"castle"`, want: `request body must be a JSON object (got the string "castle")`},
		{name: "null", body: `null`, want: "request body must be a JSON object (got null)"},
	}
	for _, path := range []string{wire.PathV1Generate, wire.PathV2Submit} {
		for _, tc := range tests {
			t.Run(path+"/"+tc.name, func(t *testing.T) {
				a := post(t, base+path, tc.body)
				if a.status != http.StatusBadRequest {
					t.Fatalf("status %d, want 400; body %s", a.status, a.body)
				}
				got := errorOf(t, a)
				if tc.wantPrefix {
					if !strings.HasPrefix(got, tc.want) {
						t.Errorf("error = %q, want it to start with %q", got, tc.want)
					}
					return
				}
				if diff := cmp.Diff(tc.want, got); diff != "" {
					t.Errorf("error text (-want +got):\n%s", diff)
				}
			})
		}
	}
	st := s.Stats()
	if st.Generated != 0 || st.JobsSubmitted != 0 || st.MaxInProgress != 0 {
		t.Errorf("bad requests did work: %+v", st)
	}
	if n := st.Requests["POST /v1/{model}"]["400"] + st.Requests["POST /v2/{model}"]["400"]; n != int64(2*len(tests)) {
		t.Errorf("stats count %d answers 400, want %d", n, 2*len(tests))
	}
}

func TestOversizedBody(t *testing.T) {
	_, base := startServer(t, testOptions())
	body := `{"prompt": "` + strings.Repeat("x", maxBodyBytes) + `"}`
	a := post(t, base+wire.PathV2Submit, body)
	if a.status != http.StatusRequestEntityTooLarge {
		t.Fatalf("status %d, want 413; body %s", a.status, a.body)
	}
	if got := errorOf(t, a); !strings.Contains(got, "larger than") {
		t.Errorf("error = %q", got)
	}
}

// TestDecodeRequestLenient covers what is accepted: defaults for missing
// parameters, unknown fields ignored, numbers and booleans as strings.
func TestDecodeRequestLenient(t *testing.T) {
	castle := model.NewRequest(model.NewRealityLightning).WithPrompt("castle")
	tests := []struct {
		name   string
		body   string
		want   model.Request
		base64 bool
	}{
		{name: "only a prompt", body: `{"prompt": "castle"}`, want: castle},
		{name: "unknown fields ignored", body: `{"prompt": "castle", "timeout": 5, "interval": {"a": 1}, "Prompt": 3}`, want: castle},
		{name: "nulls take defaults", body: `{"prompt": "castle", "samples": null, "negative_prompt": null, "base64": null}`, want: castle},
		{name: "numeric strings, as the old SDK sent", body: `{"prompt": "castle", "samples": "2", "num_inference_steps": " 8 ", "guidance_scale": "1.5", "seed": "42", "img_width": "1024", "base64": "true"}`,
			want: castle.With("samples", model.Int(2)).With("num_inference_steps", model.Int(8)).With("guidance_scale", model.Number(1.5)).WithSeed(42), base64: true},
		{name: "integral floats for integers", body: `{"prompt": "castle", "num_inference_steps": 7.0, "seed": 1.2e3}`,
			want: castle.WithSeed(1200)},
		{name: "every parameter", body: `{"prompt": "castle", "negative_prompt": "blur", "samples": 4, "scheduler": "Euler a", "num_inference_steps": 100, "guidance_scale": 25, "seed": 999999999999999, "img_width": 1024, "img_height": 1024, "base64": false}`,
			want: castle.With("negative_prompt", model.String("blur")).With("samples", model.Int(4)).With("scheduler", model.String("Euler a")).
				With("num_inference_steps", model.Int(100)).With("guidance_scale", model.Number(25)).WithSeed(model.NewRealityLightning.MaxSeed())},
		{name: "random seed", body: `{"prompt": "castle", "seed": -1}`, want: castle},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, berr := decodeRequest([]byte(tc.body))
			if berr != nil {
				t.Fatalf("decodeRequest: %d %s", berr.status, berr.msg)
			}
			if !got.req.Equal(tc.want) || got.base64 != tc.base64 {
				t.Errorf("request = %s base64=%v\nwant      %s base64=%v", got.req.CanonicalEncoding(), got.base64, tc.want.CanonicalEncoding(), tc.base64)
			}
		})
	}
}
