package emulator

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"image/png"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/imgform/imgform/internal/model"
	"github.com/imgform/imgform/internal/placeholder"
	"github.com/imgform/imgform/internal/segmind/internal/wire"
)

func TestV1RawImageIsDeterministic(t *testing.T) {
	s, base := startServer(t, testOptions())
	const body = `{"prompt": "castle on a cliff at dusk", "seed": 1220429729}`

	first := post(t, base+wire.PathV1Generate, body)
	if first.status != http.StatusOK {
		t.Fatalf("status %d; body %s", first.status, first.body)
	}
	if ct := first.header.Get("Content-Type"); ct != "image/png" {
		t.Errorf("Content-Type = %q, want image/png", ct)
	}
	credits, err := strconv.ParseFloat(first.header.Get(wire.HeaderRemainingCredits), 64)
	if err != nil || credits <= 0 {
		t.Errorf("%s = %q, want a positive number", wire.HeaderRemainingCredits, first.header.Get(wire.HeaderRemainingCredits))
	}
	img, err := png.Decode(bytes.NewReader(first.body))
	if err != nil {
		t.Fatalf("decode the image: %v", err)
	}
	if got := img.Bounds().Size(); got.X != 1024 || got.Y != 1024 {
		t.Errorf("image is %v, want 1024×1024", got)
	}
	want := model.NewRequest(model.NewRealityLightning).WithPrompt("castle on a cliff at dusk").WithSeed(1220429729)
	if diff := cmp.Diff(want, placeholderMetaOf(t, first.body).Request); diff != "" {
		t.Errorf("request in the image (-want +got):\n%s", diff)
	}

	again := post(t, base+wire.PathV1Generate, body)
	if !bytes.Equal(first.body, again.body) {
		t.Error("the same request gave different bytes")
	}
	otherSeed := post(t, base+wire.PathV1Generate, `{"prompt": "castle on a cliff at dusk", "seed": 1220429730}`)
	if otherSeed.status != http.StatusOK || bytes.Equal(first.body, otherSeed.body) {
		t.Errorf("a different seed gave status %d and the same bytes: %v", otherSeed.status, bytes.Equal(first.body, otherSeed.body))
	}
	if st := s.Stats(); st.Generated != 3 || st.InProgress != 0 || st.JobsSubmitted != 0 {
		t.Errorf("stats = %+v, want 3 generated, none in progress, no jobs", st)
	}
}

func TestV1RandomSeedIsResolved(t *testing.T) {
	_, base := startServer(t, testOptions())
	a := post(t, base+wire.PathV1Generate, `{"prompt": "castle", "seed": -1}`)
	if a.status != http.StatusOK {
		t.Fatalf("status %d; body %s", a.status, a.body)
	}
	if seed, maxSeed := placeholderMetaOf(t, a.body).Request.Seed(), model.NewRealityLightning.MaxSeed(); seed < 0 || seed > maxSeed {
		t.Errorf("seed in the image = %d, want one in 0…%d", seed, maxSeed)
	}
}

// TestV1SeveralSamplesRaw: only the first image comes back, all are billed.
func TestV1SeveralSamplesRaw(t *testing.T) {
	s, base := startServer(t, testOptions())
	a := post(t, base+wire.PathV1Generate, `{"prompt": "castle", "seed": 7, "samples": 3}`)
	if a.status != http.StatusOK {
		t.Fatalf("status %d; body %s", a.status, a.body)
	}
	req := model.NewRequest(model.NewRealityLightning).WithPrompt("castle").WithSeed(7).With("samples", model.Int(3))
	want, err := placeholder.Render(req, 0, placeholder.Emulator)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(a.body, want) {
		t.Error("the answer is not the first sample's image")
	}
	if st := s.Stats(); st.Generated != 3 || st.MaxInProgress != 3 {
		t.Errorf("stats = %+v, want 3 generated, 3 at most in progress", st)
	}
}

func TestV1Base64(t *testing.T) {
	_, base := startServer(t, testOptions())
	tests := []struct {
		name    string
		samples int
	}{
		{name: "one sample is a string", samples: 1},
		{name: "several samples are a list", samples: 2},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			body := `{"prompt": "castle", "seed": 11, "base64": true, "samples": ` + strconv.Itoa(tc.samples) + `}`
			a := post(t, base+wire.PathV1Generate, body)
			if a.status != http.StatusOK {
				t.Fatalf("status %d; body %s", a.status, a.body)
			}
			if ct := a.header.Get("Content-Type"); ct != "application/json" {
				t.Errorf("Content-Type = %q", ct)
			}
			if a.header.Get(wire.HeaderRemainingCredits) == "" {
				t.Errorf("no %s header", wire.HeaderRemainingCredits)
			}
			resp := decode[wire.V1Base64Response](t, a)
			if resp.Status != "Success" {
				t.Errorf("status = %q, want Success", resp.Status)
			}
			var encoded []string
			if tc.samples == 1 {
				var one string
				if err := json.Unmarshal(resp.Image, &one); err != nil {
					t.Fatalf("image is not a string: %s", resp.Image)
				}
				encoded = []string{one}
			} else if err := json.Unmarshal(resp.Image, &encoded); err != nil {
				t.Fatalf("image is not a list of strings: %.80s", resp.Image)
			}
			if len(encoded) != tc.samples {
				t.Fatalf("%d images, want %d", len(encoded), tc.samples)
			}
			req := model.NewRequest(model.NewRealityLightning).WithPrompt("castle").WithSeed(11).With("samples", model.Int(int64(tc.samples)))
			for i, e := range encoded {
				got, err := base64.StdEncoding.DecodeString(e)
				if err != nil {
					t.Fatalf("image %d: %v", i, err)
				}
				want, err := placeholder.Render(req, i, placeholder.Emulator)
				if err != nil {
					t.Fatal(err)
				}
				if !bytes.Equal(got, want) {
					t.Errorf("image %d differs from placeholder.Render(req, %d)", i, i)
				}
			}
		})
	}
}

func TestV1BlocklistedPromptIs400AndFree(t *testing.T) {
	opts := testOptions()
	opts.Blocklist = []string{"Dragon", "blood bath"}
	s, base := startServer(t, opts)
	for _, prompt := range []string{"a (DRAGON:1.3) over ruins", "a blood  bath, grim"} {
		a := post(t, base+wire.PathV1Generate, `{"prompt": "`+prompt+`"}`)
		if a.status != http.StatusBadRequest {
			t.Fatalf("%q: status %d, want 400", prompt, a.status)
		}
		if got := errorOf(t, a); !strings.HasPrefix(got, "content_policy_violation") {
			t.Errorf("%q: error = %q", prompt, got)
		}
	}
	if a := post(t, base+wire.PathV1Generate, `{"prompt": "a dragonfly"}`); a.status != http.StatusOK {
		t.Errorf("a prompt with a blocked word inside another word: status %d, want 200", a.status)
	}
	if st := s.Stats(); st.Generated != 1 || st.MaxInProgress != 1 {
		t.Errorf("stats = %+v, want only the allowed image generated", st)
	}
}

// TestV1ClientGoneIsNotBilled: a client that gives up during the latency
// frees its slot and pays nothing.
func TestV1ClientGoneIsNotBilled(t *testing.T) {
	opts := testOptions()
	opts.Latency = 300 * time.Millisecond
	s, base := startServer(t, opts)

	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Millisecond)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, base+wire.PathV1Generate, strings.NewReader(`{"prompt": "castle"}`))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set(wire.HeaderAPIKey, testKey)
	if resp, err := http.DefaultClient.Do(req); err == nil {
		resp.Body.Close()
		t.Fatalf("the request finished with %d before the latency passed", resp.StatusCode)
	}
	waitFor(t, 30*time.Second, "the abandoned request to end", func() bool {
		return s.Stats().Requests["POST /v1/{model}"][strconv.Itoa(statusClientClosedRequest)] == 1
	})
	if st := s.Stats(); st.Generated != 0 || st.InProgress != 0 {
		t.Errorf("stats = %+v, want nothing generated or in progress", st)
	}
}

func TestCredits(t *testing.T) {
	tests := []struct {
		name    string
		credits int
		want    wire.CreditsResponse
	}{
		{name: "unlimited", credits: -1, want: wire.CreditsResponse{Credits: unlimitedCreditsUSD}},
		{name: "ten images", credits: 10, want: wire.CreditsResponse{Credits: 0.06}},
		{name: "none", credits: 0, want: wire.CreditsResponse{Credits: 0}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			opts := testOptions()
			opts.Credits = tc.credits
			_, base := startServer(t, opts)
			a := get(t, base+wire.PathCredits)
			if a.status != http.StatusOK {
				t.Fatalf("status %d", a.status)
			}
			if diff := cmp.Diff(tc.want, decode[wire.CreditsResponse](t, a)); diff != "" {
				t.Errorf("credits (-want +got):\n%s", diff)
			}
			if !strings.Contains(string(a.body), `"free-credits":0`) {
				t.Errorf("body %s lacks free-credits", a.body)
			}
		})
	}
}
