package emulator

import (
	"bytes"
	"encoding/json"
	"net/http"
	"os"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/imgform/imgform/internal/segmind/internal/wire"
)

// TestProviderExample sends the example request of the provider's model
// page (long prompt with (word:1.7) weights), copied verbatim into
// testdata, to both endpoints.
func TestProviderExample(t *testing.T) {
	body, err := os.ReadFile("testdata/provider_example.json")
	if err != nil {
		t.Fatal(err)
	}
	var sent map[string]any
	if err := json.Unmarshal(body, &sent); err != nil {
		t.Fatal(err)
	}
	s, base := startServer(t, testOptions())

	v1 := post(t, base+wire.PathV1Generate, string(body))
	if v1.status != http.StatusOK || v1.header.Get("Content-Type") != "image/png" {
		t.Fatalf("v1: %d %s %.200s", v1.status, v1.header.Get("Content-Type"), v1.body)
	}
	// The request the image was made for, sent again, is the body the
	// page shows: every parameter understood, none changed.
	understood, err := json.Marshal(wire.Body(placeholderMetaOf(t, v1.body).Request, false))
	if err != nil {
		t.Fatal(err)
	}
	var got map[string]any
	if err := json.Unmarshal(understood, &got); err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(sent, got); diff != "" {
		t.Errorf("v1 request as understood (-want +got):\n%s", diff)
	}

	sub := submit(t, base, string(body))
	states, _ := pollStates(t, sub.StatusURL)
	if states[len(states)-1] != wire.StatusCompleted {
		t.Fatalf("v2 states %v", states)
	}
	var url string
	if err := json.Unmarshal(decode[wire.ResultResponse](t, get(t, sub.ResponseURL)).Output, &url); err != nil {
		t.Fatal(err)
	}
	img := call(t, http.MethodGet, url, "", "")
	if !bytes.Equal(img.body, v1.body) {
		t.Error("v1 and v2 gave different images for the same request")
	}
	if st := s.Stats(); st.Generated != 2 {
		t.Errorf("generated = %d, want 2", st.Generated)
	}
}
