package emulator

import (
	"net/http"
	"strings"
	"testing"

	"github.com/imgform/imgform/internal/segmind/internal/wire"
)

func TestUnknownPathIs404(t *testing.T) {
	_, base := startServer(t, testOptions())
	for _, path := range []string{
		"/",
		"/v1/sdxl1.0-other-model",
		"/v2/some-other-model",
		"/v1/models/" + wire.Model, // the sibling page's URL form is not an endpoint
		wire.PathV1Generate + "/",
		"/v2/requests/",
		"/v2/requests//status",
		"/v2/requests/abc/status/extra",
		"/_emulator/nothing",
	} {
		t.Run(path, func(t *testing.T) {
			a := call(t, http.MethodPost, base+path, testKey, `{"prompt": "a"}`)
			if a.status != http.StatusNotFound {
				t.Fatalf("status %d, want 404; body %s", a.status, a.body)
			}
			errorOf(t, a)
		})
	}
}

func TestWrongMethodIs405(t *testing.T) {
	_, base := startServer(t, testOptions())
	tests := []struct {
		method, path, allow string
	}{
		{http.MethodGet, wire.PathV1Generate, "POST"},
		{http.MethodPut, wire.PathV2Submit, "POST"},
		{http.MethodPost, wire.PathV2Requests + "some-id/status", "GET"},
		{http.MethodDelete, wire.PathV2Requests + "some-id", "GET"},
		{http.MethodPost, wire.PathV1Requests + "some-id", "GET"},
		{http.MethodPost, wire.PathCredits, "GET"},
		{http.MethodPost, StatsPath, "GET"},
		{http.MethodPost, ImagesPath + "some-id/0.png", "GET"},
	}
	for _, tc := range tests {
		t.Run(tc.method+" "+tc.path, func(t *testing.T) {
			a := call(t, tc.method, base+tc.path, testKey, "")
			if a.status != http.StatusMethodNotAllowed {
				t.Fatalf("status %d, want 405; body %s", a.status, a.body)
			}
			if got := a.header.Get("Allow"); got != tc.allow {
				t.Errorf("Allow = %q, want %q", got, tc.allow)
			}
			errorOf(t, a)
		})
	}
}

func TestAuth(t *testing.T) {
	_, strict := startServer(t, testOptions())
	anyKey := testOptions()
	anyKey.APIKey = ""
	_, lenient := startServer(t, anyKey)

	tests := []struct {
		name       string
		base       string
		key        string // "" sends no header
		header     bool   // send the header even when key is ""
		wantStatus int
		wantError  string
	}{
		{name: "missing key", base: strict, wantStatus: 401, wantError: "Missing API key"},
		{name: "empty key", base: strict, header: true, wantStatus: 401, wantError: "Missing API key"},
		{name: "wrong key", base: strict, key: "SG_wrong_key_00000", wantStatus: 401, wantError: "Invalid API key"},
		{name: "key with a different case", base: strict, key: strings.ToUpper(testKey), wantStatus: 401, wantError: "Invalid API key"},
		{name: "right key", base: strict, key: testKey, wantStatus: 200},
		{name: "any key accepted without --api-key", base: lenient, key: "whatever", wantStatus: 200},
		{name: "but not none", base: lenient, wantStatus: 401, wantError: "Missing API key"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			req, err := http.NewRequest(http.MethodGet, tc.base+wire.PathCredits, nil)
			if err != nil {
				t.Fatal(err)
			}
			if tc.key != "" || tc.header {
				req.Header.Set(wire.HeaderAPIKey, tc.key)
			}
			a := send(t, req)
			if a.status != tc.wantStatus {
				t.Fatalf("status %d, want %d; body %s", a.status, tc.wantStatus, a.body)
			}
			if tc.wantError == "" {
				return
			}
			got := errorOf(t, a)
			if !strings.HasPrefix(got, tc.wantError) {
				t.Errorf("error = %q, want it to start with %q", got, tc.wantError)
			}
			if tc.key != "" && strings.Contains(string(a.body), tc.key) {
				t.Errorf("the answer repeats the key: %s", a.body)
			}
		})
	}
}

// TestEveryAPIRouteNeedsTheKey: generation, polls and credits answer 401
// without a key; the emulator's own routes do not ask for one.
func TestEveryAPIRouteNeedsTheKey(t *testing.T) {
	_, base := startServer(t, testOptions())
	for _, rt := range []struct{ method, path string }{
		{http.MethodPost, wire.PathV1Generate},
		{http.MethodPost, wire.PathV2Submit},
		{http.MethodGet, wire.PathV2Requests + "x/status"},
		{http.MethodGet, wire.PathV2Requests + "x"},
		{http.MethodGet, wire.PathV1Requests + "x"},
		{http.MethodGet, wire.PathCredits},
	} {
		if a := call(t, rt.method, base+rt.path, "", `{"prompt": "a"}`); a.status != http.StatusUnauthorized {
			t.Errorf("%s %s without a key: status %d, want 401", rt.method, rt.path, a.status)
		}
	}
	if a := call(t, http.MethodGet, base+StatsPath, "", ""); a.status != http.StatusOK {
		t.Errorf("stats without a key: status %d, want 200", a.status)
	}
	if a := call(t, http.MethodGet, base+ImagesPath+"unknown/0.png", "", ""); a.status != http.StatusNotFound {
		t.Errorf("unknown image without a key: status %d, want 404 (not 401)", a.status)
	}
}
