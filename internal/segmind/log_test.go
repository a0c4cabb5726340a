package segmind

import (
	"bytes"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
)

// Each call is logged at debug: method, endpoint, status, request id and
// time; never the key, and never a result URL's query.
func TestCallsAreLoggedWithoutTheKey(t *testing.T) {
	const key = "sk-log-test-SECRET-9d1e"
	ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("X-Request-Id", "req-42")
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusUnauthorized)
		w.Write([]byte(`{"error":"bad key"}`))
	}))
	defer ts.Close()
	var buf bytes.Buffer
	c, err := NewClient(Config{BaseURL: ts.URL, APIKey: key, Log: slog.New(slog.NewTextHandler(&buf, &slog.HandlerOptions{Level: slog.LevelDebug}))})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.Credits(t.Context()); err == nil {
		t.Fatal("a 401 is an error")
	}
	log := buf.String()
	for _, want := range []string{`msg="api call"`, "method=GET", "endpoint=" + ts.URL + "/", "status=401", "request_id=req-42", "duration="} {
		if !strings.Contains(log, want) {
			t.Errorf("the log does not hold %q:\n%s", want, log)
		}
	}
	if strings.Contains(log, "SECRET") {
		t.Errorf("the log holds the key:\n%s", log)
	}

	// Without a logger, nothing is logged and nothing breaks.
	c, err = NewClient(Config{BaseURL: ts.URL, APIKey: key})
	if err != nil {
		t.Fatal(err)
	}
	c.Credits(t.Context())

	if got := endpointOf(mustURL(t, "https://u:p@cdn.example/x.png?X-Amz-Signature=abc#f")); got != "https://cdn.example/x.png" {
		t.Errorf("endpointOf = %q", got)
	}
}

func mustURL(t *testing.T, s string) *url.URL {
	t.Helper()
	u, err := url.Parse(s)
	if err != nil {
		t.Fatal(err)
	}
	return u
}
