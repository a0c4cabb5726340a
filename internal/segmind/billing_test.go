package segmind_test

import (
	"context"
	"io"
	"net"
	"net/http"
	"testing"

	"github.com/imgform/imgform/internal/generate"
)

// TestPossiblyBilled sorts the failures of every call by what they say of
// payment: a billable request (submit, generate) that the service received
// and whose answer does not prove it was not processed is possibly billed;
// a clear refusal, a request never sent, and any failed GET are not.
func TestPossiblyBilled(t *testing.T) {
	status := func(code int) http.HandlerFunc {
		return func(w http.ResponseWriter, r *http.Request) {
			io.Copy(io.Discard, r.Body)
			writeJSON(w, code, `{"error":"x"}`)
		}
	}
	dropAfterReading := func(w http.ResponseWriter, r *http.Request) {
		io.Copy(io.Discard, r.Body)
		conn, _, err := http.NewResponseController(w).Hijack()
		if err == nil {
			conn.Close()
		}
	}
	tests := map[string]struct {
		handler http.HandlerFunc
		want    bool
	}{
		"500":                          {status(500), true},
		"502 from a gateway":           {status(502), true},
		"503":                          {status(503), true},
		"504 from a gateway":           {status(504), true},
		"connection closed, no answer": {dropAfterReading, true},
		"400":                          {status(400), false},
		"401":                          {status(401), false},
		"403":                          {status(403), false},
		"406":                          {status(406), false},
		"408":                          {status(408), false},
		"429":                          {status(429), false},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			ts := serve(t, tc.handler)
			c := newClient(t, ts.URL)
			ctx := testContext(t)
			_, err := c.Submit(ctx, request("x"))
			if got := generate.IsPossiblyBilled(err); got != tc.want {
				t.Errorf("submit: IsPossiblyBilled(%v) = %v, want %v", err, got, tc.want)
			}
			_, err = c.Generate(ctx, request("x"))
			if got := generate.IsPossiblyBilled(err); got != tc.want {
				t.Errorf("generate: IsPossiblyBilled(%v) = %v, want %v", err, got, tc.want)
			}
			_, err = c.Status(ctx, jobAt(ts.URL, "r1"))
			if generate.IsPossiblyBilled(err) {
				t.Errorf("status: %v is possibly billed; a GET never is", err)
			}
		})
	}

	t.Run("never sent: connection refused", func(t *testing.T) {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		addr := ln.Addr().String()
		ln.Close()
		c := newClient(t, "http://"+addr)
		_, err = c.Submit(context.Background(), request("x"))
		if err == nil || generate.IsPossiblyBilled(err) {
			t.Errorf("submit to a closed port: %v; want an error that is not possibly billed", err)
		}
	})
}
