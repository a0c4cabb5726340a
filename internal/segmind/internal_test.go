package segmind

import (
	"bytes"
	"encoding/base64"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"hash/crc32"
	"image"
	"image/jpeg"
	"image/png"
	"net/http"
	"net/url"
	"reflect"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/google/go-cmp/cmp"

	"github.com/imgform/imgform/internal/generate"
	"github.com/imgform/imgform/internal/model"
	"github.com/imgform/imgform/internal/segmind/internal/wire"
)

// Unit tests of the client's helpers. The client's behaviour over HTTP is
// tested in package segmind_test.

func TestParseBaseURL(t *testing.T) {
	tests := []struct {
		raw     string
		want    string
		wantErr bool
	}{
		{raw: "", want: "https://api.segmind.com"},
		{raw: "   ", want: "https://api.segmind.com"},
		{raw: "https://api.segmind.com", want: "https://api.segmind.com"},
		{raw: "https://api.segmind.com/", want: "https://api.segmind.com"},
		{raw: "https://api.segmind.com/v1", want: "https://api.segmind.com"},
		{raw: "https://api.segmind.com/v1/", want: "https://api.segmind.com"},
		{raw: "https://api.segmind.com/v2", want: "https://api.segmind.com"},
		{raw: " https://api-latest.segmind.com/v1 \n", want: "https://api-latest.segmind.com"},
		{raw: "http://127.0.0.1:8080", want: "http://127.0.0.1:8080"},
		{raw: "http://localhost:8080/proxy/segmind/v1", want: "http://localhost:8080/proxy/segmind"},
		{raw: "http://localhost:8080/proxy/", want: "http://localhost:8080/proxy"},
		{raw: "http://localhost:8080/v10", want: "http://localhost:8080/v10"},
		{raw: "https://api.segmind.com/v1?x=1#frag", want: "https://api.segmind.com"},
		{raw: "api.segmind.com", wantErr: true},
		{raw: "ftp://api.segmind.com", wantErr: true},
		{raw: "https://", wantErr: true},
		{raw: "http://[::1", wantErr: true},
		{raw: "/v1", wantErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.raw, func(t *testing.T) {
			u, err := parseBaseURL(tt.raw)
			if tt.wantErr {
				if err == nil {
					t.Fatalf("parseBaseURL(%q) = %v, want an error", tt.raw, u)
				}
				if !strings.Contains(err.Error(), EnvBaseURL) {
					t.Errorf("error %q does not name %s", err, EnvBaseURL)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if u.String() != tt.want {
				t.Errorf("parseBaseURL(%q) = %q, want %q", tt.raw, u, tt.want)
			}
		})
	}
}

func TestEndpoint(t *testing.T) {
	for raw, want := range map[string]string{
		"https://api.segmind.com/v1":      "https://api.segmind.com/v1/get-user-credits",
		"http://h/proxy/v1/":              "http://h/proxy/v1/get-user-credits",
		"http://127.0.0.1:9/proxy/v2?x=1": "http://127.0.0.1:9/proxy/v1/get-user-credits",
	} {
		c, err := NewClient(Config{BaseURL: raw})
		if err != nil {
			t.Fatal(err)
		}
		if got := c.endpoint(wire.PathCredits); got != want {
			t.Errorf("endpoint from %q = %q, want %q", raw, got, want)
		}
	}
}

func TestParseRetryAfter(t *testing.T) {
	now := time.Date(2026, 5, 1, 12, 0, 0, 0, time.UTC)
	tests := []struct {
		name, header string
		want         time.Duration
	}{
		{"empty", "", 0},
		{"seconds", "120", 2 * time.Minute},
		{"one second", "1", time.Second},
		{"spaces", "  3 ", 3 * time.Second},
		{"fraction", "0.25", 250 * time.Millisecond},
		{"zero", "0", 0},
		{"negative", "-5", 0},
		{"capped at an hour", "7200", time.Hour},
		{"too large to be a duration", "99999999999", time.Hour},
		{"infinite", "Inf", time.Hour},
		{"not a number", "NaN", 0},
		{"HTTP date", "Fri, 01 May 2026 12:00:30 GMT", 30 * time.Second},
		{"RFC 850 date", "Friday, 01-May-26 12:01:00 GMT", time.Minute},
		{"asctime date", "Fri May  1 12:00:10 2026", 10 * time.Second},
		{"date now", "Fri, 01 May 2026 12:00:00 GMT", 0},
		{"date in the past", "Fri, 01 May 2026 11:00:00 GMT", 0},
		{"date far ahead", "Sat, 02 May 2026 12:00:00 GMT", time.Hour},
		{"garbage", "in a while", 0},
		{"seconds with unit", "5s", 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := parseRetryAfter(tt.header, now); got != tt.want {
				t.Errorf("parseRetryAfter(%q) = %v, want %v", tt.header, got, tt.want)
			}
		})
	}
}

func TestReasonForStatus(t *testing.T) {
	want := map[int]generate.Reason{
		400: generate.Rejected, 404: generate.Rejected, 413: generate.Rejected, 422: generate.Rejected,
		401: generate.BadKey, 403: generate.Forbidden, 402: generate.NoCredits, 406: generate.NoCredits,
		408: generate.Retryable, 429: generate.Throttled,
		500: generate.Retryable, 501: generate.Retryable, 502: generate.Retryable, 503: generate.Retryable, 504: generate.Retryable, 599: generate.Retryable,
		// Odd answers of no known meaning: about this request only.
		300: generate.Rejected, 418: generate.Rejected, 499: generate.Rejected,
	}
	got := make(map[int]generate.Reason, len(want))
	for code := range want {
		got[code] = reasonForStatus(code)
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("reasonForStatus (-want +got):\n%s", diff)
	}
}

func TestErrorMessage(t *testing.T) {
	tests := []struct {
		name, body, want string
	}{
		{"error", `{"error":"Invalid API key"}`, "Invalid API key"},
		{"message", `{"message":"Forbidden"}`, "Forbidden"},
		{"error before message", `{"message":"second","error":"first"}`, "first"},
		{"error null", `{"error":null,"message":"the message"}`, "the message"},
		{"error empty", `{"error":"","detail":"the detail"}`, "the detail"},
		{"error blank, nothing else", `{"error":" "}`, `{"error":" "}`},
		{"detail string", `{"detail":"Not Found"}`, "Not Found"},
		{"detail object", `{"detail":{"msg":"field required"}}`, `{"msg":"field required"}`},
		{"detail list", `{"detail":[{"msg":"x"}]}`, `[{"msg":"x"}]`},
		{"html-message", `{"html-message":"<p>down</p>"}`, "<p>down</p>"},
		{"number", `{"error":500}`, "500"},
		{"unknown keys", `{"code":7}`, `{"code":7}`},
		{"JSON string", `"just a string"`, `"just a string"`},
		{"HTML", "<HTML><HEAD><TITLE>Error</TITLE></HEAD></HTML>", "the server answered with an HTML page"},
		{"HTML after 512 bytes is text", strings.Repeat("a", 600) + "<html>", strings.Repeat("a", 600) + "<html>"},
		{"text", "upstream connect error", "upstream connect error"},
		{"empty", "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := errorMessage([]byte(tt.body)); got != tt.want {
				t.Errorf("errorMessage(%q) = %q, want %q", tt.body, got, tt.want)
			}
		})
	}
}

func TestTrimMessage(t *testing.T) {
	tests := []struct {
		name, in, want string
	}{
		{"empty", "", ""},
		{"short", "Invalid API key", "Invalid API key"},
		{"spaces collapse", "  a \n\t b\r\n c  ", "a b c"},
		{"exactly the limit", strings.Repeat("x", maxMessage), strings.Repeat("x", maxMessage)},
		{"one over", strings.Repeat("x", maxMessage+1), strings.Repeat("x", maxMessage) + "…"},
		{"whitespace does not count", strings.Repeat("x ", maxMessage/2), strings.TrimSpace(strings.Repeat("x ", maxMessage/2))},
		{"two-byte runes", strings.Repeat("é", maxMessage), strings.Repeat("é", maxMessage/2) + "…"},
		{"cut inside a rune backs off", "x" + strings.Repeat("€", maxMessage), "x" + strings.Repeat("€", (maxMessage-1)/3) + "…"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := trimMessage(tt.in)
			if got != tt.want {
				t.Errorf("trimMessage = %q (%d bytes), want %q (%d bytes)", got, len(got), tt.want, len(tt.want))
			}
			if !utf8.ValidString(got) || len(got) > maxMessage+len("…") || strings.ContainsAny(got, "\r\n\t") {
				t.Errorf("trimMessage = %q: not one valid line within bounds", got)
			}
		})
	}
}

func TestEstimator(t *testing.T) {
	published := time.Duration(model.NewRealityLightning.ExpectedSeconds * float64(time.Second))
	near := func(t *testing.T, e *estimator, want time.Duration) {
		t.Helper()
		if got := e.expected(); got < want-time.Microsecond || got > want+time.Microsecond {
			t.Errorf("expected() = %v, want %v", got, want)
		}
	}

	e := newEstimator(model.NewRealityLightning.ExpectedSeconds)
	near(t, e, published)
	if published != 2930*time.Millisecond {
		t.Errorf("published time %v", published)
	}

	// Nonsense reports are ignored.
	for _, s := range []float64{0, -1, 3601, 1e12} {
		e.observe(s)
	}
	near(t, e, published)

	e.observe(2)
	near(t, e, 2*time.Second)
	e.observe(4)
	near(t, e, 3*time.Second)
	e.observe(3600)
	near(t, e, time.Duration((2.0+4+3600)/3*float64(time.Second)))

	// The window keeps the last estimatorSamples reports: after that many
	// reports of 1 s, the older ones are forgotten.
	for range estimatorSamples {
		e.observe(1)
	}
	near(t, e, time.Second)
	if len(e.recent) != estimatorSamples {
		t.Errorf("window holds %d reports, want %d", len(e.recent), estimatorSamples)
	}
	// One more report of 33 s moves the mean by 32/32 s.
	e.observe(33)
	near(t, e, 2*time.Second)
	if len(e.recent) != estimatorSamples || e.recent[0] != 1 || e.recent[estimatorSamples-1] != 33 {
		t.Errorf("window = %v", e.recent)
	}
}

func TestConfigInferenceTimes(t *testing.T) {
	// Times an earlier run recorded seed the estimate; nonsense is ignored.
	c, err := NewClient(Config{InferenceTimes: []float64{1, 3, 0, -2, 7200}})
	if err != nil {
		t.Fatal(err)
	}
	if got := c.ExpectedInferenceTime(); got != 2*time.Second {
		t.Errorf("expected inference time %v, want 2s", got)
	}
	c.estimate.observe(5)
	if got := c.ExpectedInferenceTime(); got != 3*time.Second {
		t.Errorf("after a report of 5 s: %v, want 3s", got)
	}
}

func TestOutputRefs(t *testing.T) {
	tests := []struct {
		name, raw string
		want      []string
		wantErr   bool
	}{
		{name: "string", raw: `"https://images.segmind.com/a.jpeg"`, want: []string{"https://images.segmind.com/a.jpeg"}},
		{name: "list", raw: `["a","b"]`, want: []string{"a", "b"}},
		{name: "objects", raw: `[{"url":"u","width":1024},{"image":"i"},{"data":"d"},{"url":"u2","image":"ignored"}]`, want: []string{"u", "i", "d", "u2"}},
		{name: "mixed", raw: `["a",{"url":"b"}]`, want: []string{"a", "b"}},
		{name: "absent", raw: ``, wantErr: true},
		{name: "null", raw: `null`, wantErr: true},
		{name: "empty list", raw: `[]`, wantErr: true},
		{name: "object", raw: `{"url":"u"}`, wantErr: true},
		{name: "number", raw: `42`, wantErr: true},
		{name: "object without url", raw: `[{"width":1024}]`, wantErr: true},
		{name: "url not a string", raw: `[{"url":7}]`, wantErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := outputRefs(json.RawMessage(tt.raw))
			if (err != nil) != tt.wantErr {
				t.Fatalf("outputRefs(%s) = %v, %v", tt.raw, got, err)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("outputRefs(%s) (-want +got):\n%s", tt.raw, diff)
			}
		})
	}
}

func TestDropKeyOnRedirect(t *testing.T) {
	req := func(raw string) *http.Request {
		r, err := http.NewRequest(http.MethodGet, raw, nil)
		if err != nil {
			t.Fatal(err)
		}
		r.Header.Set(wire.HeaderAPIKey, "k")
		return r
	}
	first := req("https://api.segmind.com/v1/x")
	tests := []struct {
		name, to string
		via      int
		keep     bool
		wantErr  bool
	}{
		{name: "same host", to: "https://api.segmind.com/v1/y", via: 1, keep: true},
		{name: "other host", to: "https://images.segmind.com/y", via: 1},
		{name: "other port", to: "https://api.segmind.com:8443/y", via: 1},
		{name: "https to http on the same host", to: "http://api.segmind.com/v1/y", via: 1},
		{name: "too many", to: "https://api.segmind.com/v1/y", via: 10, keep: true, wantErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			via := make([]*http.Request, tt.via)
			for i := range via {
				via[i] = first
			}
			next := req(tt.to)
			err := dropKeyOnRedirect(next, via)
			if (err != nil) != tt.wantErr {
				t.Errorf("error %v, want error %v", err, tt.wantErr)
			}
			if got := next.Header.Get(wire.HeaderAPIKey) != ""; got != tt.keep {
				t.Errorf("key kept = %v, want %v", got, tt.keep)
			}
		})
	}
}

func TestDecodeBase64Image(t *testing.T) {
	pngData, jpegData := tinyImage(t, "png"), tinyImage(t, "jpeg")
	b64 := base64.StdEncoding.EncodeToString
	tests := []struct {
		name, in string
		wantType string // "" = an error
	}{
		{"standard", b64(pngData), "image/png"},
		{"no padding", strings.TrimRight(b64(pngData), "="), "image/png"},
		{"data URI", "data:image/png;base64," + b64(pngData), "image/png"},
		{"surrounding space", " " + b64(pngData) + "\n", "image/png"},
		{"JPEG", b64(jpegData), "image/jpeg"},
		{"a PNG header alone", "iVBORw0KGgoAAAANSUhEUg==", ""},
		{"a decompression bomb", b64(bombPNG(60000, 60000)), ""},
		{"text", "aGVsbG8=", ""},
		{"not base64", "%%%", ""},
		{"empty", "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			img, err := decodeBase64Image(tt.in)
			if tt.wantType == "" {
				if err == nil {
					t.Errorf("decoded %q as %s", tt.in, img.ContentType)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if img.ContentType != tt.wantType {
				t.Errorf("content type %q, want %q", img.ContentType, tt.wantType)
			}
			if tt.wantType == "image/png" && !bytes.Equal(img.Data, pngData) {
				t.Errorf("data %q", img.Data)
			}
		})
	}
}

// tinyImage encodes a 2×2 image as "png" or "jpeg".
func tinyImage(t *testing.T, format string) []byte {
	t.Helper()
	img := image.NewRGBA(image.Rect(0, 0, 2, 2))
	var buf bytes.Buffer
	var err error
	if format == "png" {
		err = png.Encode(&buf, img)
	} else {
		err = jpeg.Encode(&buf, img, nil)
	}
	if err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// bombPNG is a valid PNG header declaring a w×h image, with a tiny IDAT:
// what a decompression bomb looks like before anything decodes it.
func bombPNG(w, h uint32) []byte {
	var out bytes.Buffer
	out.WriteString("\x89PNG\r\n\x1a\n")
	chunk := func(typ string, data []byte) {
		binary.Write(&out, binary.BigEndian, uint32(len(data)))
		body := append([]byte(typ), data...)
		out.Write(body)
		binary.Write(&out, binary.BigEndian, crc32.ChecksumIEEE(body))
	}
	ihdr := make([]byte, 13)
	binary.BigEndian.PutUint32(ihdr[0:], w)
	binary.BigEndian.PutUint32(ihdr[4:], h)
	ihdr[8], ihdr[9] = 8, 2 // 8-bit RGB
	chunk("IHDR", ihdr)
	chunk("IDAT", []byte{0x78, 0x9c, 0x03, 0x00, 0x00, 0x00, 0x00, 0x01})
	chunk("IEND", nil)
	return out.Bytes()
}

func TestClientPrintsNoKey(t *testing.T) {
	const key = "SG_internal_secret_0123456789"
	cfg := Config{BaseURL: "https://api.segmind.com/v1", APIKey: key, UserAgent: "ua"}
	c, err := NewClient(cfg)
	if err != nil {
		t.Fatal(err)
	}
	if c.key() != key {
		t.Fatal("the key is not kept")
	}
	// A Client is not copied (it holds atomics); fmt prints a
	// reflect.Value as the value it holds, so the Client by value, fields
	// and all, is printed through one.
	for _, text := range []string{
		c.String(), c.GoString(),
		fmtAll(c), fmtAll(reflect.ValueOf(c).Elem()), fmtAll(cfg), fmtAll(&cfg), fmtAll([]Config{cfg}),
	} {
		if strings.Contains(text, key) {
			t.Errorf("the key is printed: %s", text)
		}
	}
	if want := "segmind.Client(https://api.segmind.com, key set)"; c.String() != want {
		t.Errorf("String() = %q, want %q", c, want)
	}
	noKey, _ := NewClient(Config{})
	if want := "segmind.Client(https://api.segmind.com, no key)"; noKey.String() != want || noKey.HasKey() {
		t.Errorf("String() = %q, want %q", noKey, want)
	}
	// The configuration still prints its other fields.
	if got := fmtAll(cfg); !strings.Contains(got, "BaseURL:https://api.segmind.com/v1") || !strings.Contains(got, "APIKey:[redacted]") {
		t.Errorf("config prints as %s", got)
	}
}

func fmtAll(v any) string {
	return strings.Join([]string{
		fmt.Sprintf("%v", v), fmt.Sprintf("%+v", v), fmt.Sprintf("%#v", v), fmt.Sprintf("%s", v), fmt.Sprintf("%q", v), fmt.Sprintf("%x", v),
	}, "\n")
}

func TestClientNeverShowsURLPassword(t *testing.T) {
	c, err := NewClient(Config{BaseURL: "https://user:hunter2@proxy.example/segmind", APIKey: "k"})
	if err != nil {
		t.Fatal(err)
	}
	for _, shown := range []string{c.String(), c.BaseURL(), fmt.Sprintf("%v %+v %#v", c, c, c)} {
		if strings.Contains(shown, "hunter2") {
			t.Errorf("the proxy password shows in %q", shown)
		}
	}
	// BaseURL is recorded in the state and the cache: no user either.
	if got, want := c.BaseURL(), "https://proxy.example/segmind"; got != want {
		t.Errorf("BaseURL() = %q, want %q", got, want)
	}
}

func TestKeyGoesOnlyToTheAPIsHosts(t *testing.T) {
	tests := map[string]struct {
		origin, target string
		want           bool
	}{
		"the API itself":                       {"https://api.segmind.com", "https://api.segmind.com/v2/requests/x/status", true},
		"the service's staging host":           {"https://api.segmind.com", "https://api-latest.segmind.com/v2/requests/x", true},
		"another host of the service's domain": {"https://api.segmind.com", "https://images.segmind.com/x.png", false},
		"a sibling under co.uk":                {"https://api.example.co.uk", "https://attacker.co.uk/v2/requests/x", false},
		"a sibling under herokuapp.com":        {"https://imgapi.herokuapp.com", "https://attacker.herokuapp.com/x", false},
		"a sibling of a custom domain":         {"https://api.example.com", "https://status.example.com/x", false},
		"the staging host from elsewhere":      {"https://api.example.com", "https://api-latest.segmind.com/x", false},
		"another domain":                       {"https://api.segmind.com", "https://evil.example/v2/requests/x", false},
		"a look-alike domain":                  {"https://api.segmind.com", "https://segmind.com.evil.example/x", false},
		"down from https to http":              {"https://api.segmind.com", "http://api.segmind.com/v2/requests/x", false},
		"the emulator on loopback":             {"http://127.0.0.1:8787", "http://127.0.0.1:8787/v2/requests/x", true},
		"another port on loopback":             {"http://127.0.0.1:8787", "http://127.0.0.1:9999/v2/requests/x", false},
		"localhost":                            {"http://localhost:8787", "http://localhost:8787/x", true},
		"a single-label host and another one":  {"http://emulator:8787", "http://other:8787/x", false},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			c, err := NewClient(Config{BaseURL: tc.origin, APIKey: "SG_0123456789abcdef"})
			if err != nil {
				t.Fatal(err)
			}
			u, err := url.Parse(tc.target)
			if err != nil {
				t.Fatal(err)
			}
			if got := c.trusts(u); got != tc.want {
				t.Errorf("trusts(%s) = %v, want %v", tc.target, got, tc.want)
			}
		})
	}
}

func TestRedact(t *testing.T) {
	tests := map[string]struct{ in, key, want string }{
		"a real key anywhere":          {"echo SG_abcdef123456!", "SG_abcdef123456", "echo [redacted]!"},
		"inside a longer word":         {"xSG_abcdef123456x", "SG_abcdef123456", "x[redacted]x"},
		"a short key as a word":        {"key k was refused", "k", "key [redacted] was refused"},
		"a short key inside words":     {"dial tcp: lookup failed", "k", "dial tcp: lookup failed"},
		"no key":                       {"anything", "", "anything"},
		"a short key with punctuation": {"got 'ab.c'", "ab.c", "got '[redacted]'"},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			if got := redact(tc.in, tc.key); got != tc.want {
				t.Errorf("redact(%q, %q) = %q, want %q", tc.in, tc.key, got, tc.want)
			}
		})
	}
}
