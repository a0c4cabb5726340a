package segmind_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/imgform/imgform/internal/generate"
	"github.com/imgform/imgform/internal/model"
	"github.com/imgform/imgform/internal/segmind"
	"github.com/imgform/imgform/internal/segmind/emulator"
)

// leakKey is a key that must never appear in anything the client says.
const leakKey = "SG_secret_key_do_not_leak_123"

// echoHeaders is the request's headers as text, the key among them.
func echoHeaders(r *http.Request) string {
	var b strings.Builder
	for k, vs := range r.Header {
		fmt.Fprintf(&b, "%s: %s\n", k, strings.Join(vs, ", "))
	}
	return b.String()
}

// leaks reports whether text holds the key, or a good part of it (a
// message cut in the middle of the key).
func leaks(text string) bool {
	return strings.Contains(text, leakKey[:12]) || strings.Contains(text, leakKey[len(leakKey)-12:])
}

// output answers a status poll COMPLETED and a result call COMPLETED with
// the output made from the request's key.
func output(of func(key string) string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if strings.HasSuffix(r.URL.Path, "/status") {
			writeJSON(w, http.StatusOK, `{"status":"COMPLETED"}`)
			return
		}
		writeJSON(w, http.StatusOK, `{"status":"COMPLETED","output":`+of(r.Header.Get("x-api-key"))+`}`)
	}
}

// TestKeyNeverLeaks drives every error the client can produce with a
// distinctive key, against servers that echo the key back wherever they
// can, and checks that no error text holds it.
func TestKeyNeverLeaks(t *testing.T) {
	// mode is how the echo server answers; the client's base URL picks it.
	modes := map[string]func(w http.ResponseWriter, r *http.Request){
		// Error bodies of every shape, the key inside.
		"json-error": func(w http.ResponseWriter, r *http.Request) {
			writeJSON(w, http.StatusBadRequest, fmt.Sprintf(`{"error":%q}`, echoHeaders(r)))
		},
		"json-detail": func(w http.ResponseWriter, r *http.Request) {
			writeJSON(w, http.StatusUnauthorized, fmt.Sprintf(`{"detail":{"headers":%q,"key":%q}}`, echoHeaders(r), r.Header.Get("x-api-key")))
		},
		"text": func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Retry-After", "0.05")
			w.WriteHeader(http.StatusTooManyRequests)
			_, _ = io.WriteString(w, echoHeaders(r))
		},
		"html": func(w http.ResponseWriter, r *http.Request) {
			w.WriteHeader(http.StatusBadGateway)
			_, _ = io.WriteString(w, "<html><body>"+echoHeaders(r)+"</body></html>")
		},
		// The key straddles the 300-byte cut of a message: a redaction
		// after the cut would miss its first half.
		"straddle": func(w http.ResponseWriter, r *http.Request) {
			writeJSON(w, http.StatusInternalServerError, fmt.Sprintf(`{"error":"%s%s"}`, strings.Repeat("x", 285), r.Header.Get("x-api-key")))
		},
		"straddle-text": func(w http.ResponseWriter, r *http.Request) {
			w.WriteHeader(http.StatusServiceUnavailable)
			_, _ = io.WriteString(w, strings.Repeat("y", 286)+r.Header.Get("x-api-key"))
		},
		"not-found": func(w http.ResponseWriter, r *http.Request) {
			writeJSON(w, http.StatusNotFound, fmt.Sprintf(`{"error":"no such request for key %s"}`, r.Header.Get("x-api-key")))
		},
		// 2xx answers that are not what was asked for, the key inside.
		"ok-text": func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "text/plain")
			_, _ = io.WriteString(w, echoHeaders(r))
		},
		"ok-json": func(w http.ResponseWriter, r *http.Request) {
			writeJSON(w, http.StatusOK, fmt.Sprintf(`{"echo":%q,"image":%q,"status":"COMPLETED"}`, echoHeaders(r), r.Header.Get("x-api-key")))
		},
		// A FAILED job whose error text holds the key.
		"failed": func(w http.ResponseWriter, r *http.Request) {
			writeJSON(w, http.StatusUnprocessableEntity, fmt.Sprintf(`{"status":"FAILED","error":%q}`, echoHeaders(r)))
		},
		"failed-422-plain": func(w http.ResponseWriter, r *http.Request) {
			writeJSON(w, http.StatusUnprocessableEntity, fmt.Sprintf(`{"error":%q}`, echoHeaders(r)))
		},
		// Submit answers that hold the key in a bad URL or lack fields.
		"bad-urls": func(w http.ResponseWriter, r *http.Request) {
			k := r.Header.Get("x-api-key")
			writeJSON(w, http.StatusOK, fmt.Sprintf(`{"request_id":"r1","status_url":"javascript:%s","response_url":"mailto:%s","status":"FAILED","error":"bad %s"}`, k, k, k))
		},
		// Completed jobs whose output holds the key: as data, as a URL
		// nothing answers, as a URL that cannot be parsed, as a URL whose
		// host echoes its path.
		"output-data":    output(func(k string) string { return fmt.Sprintf(`[{"url":"","image":%q}]`, k) }),
		"output-refused": output(func(k string) string { return `"http://127.0.0.1:1/` + k + `.png"` }),
		"output-bad-url": output(func(k string) string { return `["/` + k + `\u0000"]` }),
		"output-echo": func(w http.ResponseWriter, r *http.Request) {
			if strings.Contains(r.URL.Path, "/img/") {
				writeJSON(w, http.StatusForbidden, fmt.Sprintf(`{"error":"no access to %s"}`, r.URL.Path))
				return
			}
			output(func(k string) string { return `"img/` + k + `.png"` })(w, r)
		},
		// Redirects to places that echo, or that do not answer.
		"redirect-elsewhere": func(w http.ResponseWriter, r *http.Request) {
			http.Redirect(w, r, "http://127.0.0.1:1/?k="+r.Header.Get("x-api-key"), http.StatusFound)
		},
		"redirect-loop": func(w http.ResponseWriter, r *http.Request) {
			http.Redirect(w, r, r.URL.Path+"?k="+r.Header.Get("x-api-key"), http.StatusFound)
		},
		// A body cut short, a server that hangs.
		"truncated": func(w http.ResponseWriter, r *http.Request) {
			hijack(t, w, "HTTP/1.1 500 Internal Server Error\r\nContent-Length: 999\r\n\r\n"+echoHeaders(r))
		},
		"hang": func(w http.ResponseWriter, r *http.Request) {
			_, _ = io.Copy(io.Discard, r.Body)
			select {
			case <-r.Context().Done():
			case <-time.After(5 * time.Second):
			}
		},
	}
	mux := http.NewServeMux()
	for mode, h := range modes {
		mux.HandleFunc("/"+mode+"/", h)
	}
	ts := serve(t, mux)

	// Nothing listens on a closed listener's port: transport errors.
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	closed := "http://" + ln.Addr().String()
	ln.Close()

	// The emulator with another key: a real 401.
	_, emu := startEmulator(t, emulator.Options{APIKey: "SG_the_emulators_own_key", Credits: -1})

	bases := map[string]string{"closed port": closed, "emulator": emu}
	for mode := range modes {
		bases[mode] = ts.URL + "/" + mode
	}
	for name, base := range bases {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			checkKeyAbsent(t, base)
		})
	}

	ctx := testContext(t)

	// A key that cannot be sent (a newline in it) fails in the transport.
	badKey := leakKey + "\nX-Injected: 1"
	c := newClient(t, ts.URL+"/json-error", withKey(badKey))
	_, err = c.Credits(ctx)
	if err == nil || leaks(err.Error()) {
		t.Errorf("a key with a newline: %v", err)
	}

	// The client itself, printed every way. A Client is not copied (it
	// holds atomics): fmt prints a reflect.Value as the value it holds,
	// which shows a Client by value, fields and all, as *c would.
	for _, c := range []*segmind.Client{newClient(t, ts.URL, withKey(leakKey)), newClient(t, ts.URL, withKey(badKey))} {
		byValue := reflect.ValueOf(c).Elem()
		inStruct := reflect.New(reflect.StructOf([]reflect.StructField{{Name: "C", Type: byValue.Type()}})).Elem()
		inStruct.Field(0).Set(byValue)
		for _, text := range []string{
			fmt.Sprintf("%v %+v %#v %s %q %x", c, c, c, c, c, c),
			fmt.Sprintf("%v %+v %#v", byValue, byValue, byValue),
			fmt.Sprintf("%+v", inStruct),
			fmt.Sprintf("%+v", []*segmind.Client{c}),
			c.String(),
		} {
			if leaks(text) {
				t.Errorf("printing the client leaks the key: %s", text)
			}
		}
	}
}

// checkKeyAbsent drives every call of a client with leakKey against base
// and checks each error it returns.
func checkKeyAbsent(t *testing.T, base string) {
	check := func(what string, err error) {
		t.Helper()
		if err == nil {
			return
		}
		for _, text := range []string{err.Error(), fmt.Sprintf("%v|%+v|%#v|%s|%q", err, err, err, err, err)} {
			if leaks(text) {
				t.Errorf("%s: the key leaks: %s", what, text)
			}
		}
		// A failed job's error is a *generate.Error too.
		if apiErr, ok := errors.AsType[*generate.Error](err); ok && leaks(apiErr.Message) {
			t.Errorf("%s: the key leaks in Message: %s", what, apiErr.Message)
		}
	}
	mustFail := func(what string, err error) {
		t.Helper()
		if err == nil {
			t.Errorf("%s: no error", what)
		}
		check(what, err)
	}
	ctx, cancel := context.WithTimeout(t.Context(), 5*time.Second)
	defer cancel()
	c := newClient(t, base, withKey(leakKey), withTimeouts(100*time.Millisecond))
	job := &model.Job{ID: "r1", StatusURL: base + "/v2/requests/r1/status", ResponseURL: base + "/v2/requests/r1",
		Submitted: time.Now().Add(-time.Hour)}
	_, err := c.Generate(ctx, request("x"))
	mustFail("generate", err)
	_, err = c.Submit(ctx, request("x"))
	mustFail("submit", err)
	_, err = c.Credits(ctx)
	check("credits", err)
	st, err := c.Status(ctx, job)
	check("status", err)
	if err == nil && leaks(st.Error) {
		t.Errorf("status: the key leaks in JobStatus.Error: %s", st.Error)
	}
	_, err = c.Result(ctx, job)
	mustFail("result", err)
	_, err = c.Wait(ctx, job, generate.WaitOptions{
		MaxPollErrors: 1,
		OnRetry:       func(err error, _ int, _ time.Duration) { check("wait retry", err) },
	})
	mustFail("wait", err)
	if ctx.Err() != nil {
		t.Errorf("the calls ran out of time: the checks above may not have run")
	}
}
