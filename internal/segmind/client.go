package segmind

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptrace"
	"net/url"
	"regexp"
	"strings"
	"sync/atomic"
	"time"

	"github.com/imgform/imgform/internal/generate"
	"github.com/imgform/imgform/internal/model"
	"github.com/imgform/imgform/internal/segmind/internal/wire"
	"github.com/jonboulle/clockwork"
)

// DefaultBaseURL is the real service's origin.
const DefaultBaseURL = "https://api.segmind.com"

// Environment variables the client is configured from.
const (
	EnvAPIKey  = "SEGMIND_API_KEY"
	EnvBaseURL = "SEGMIND_BASE_URL"
)

// Limits on what the client reads.
const (
	maxImageBytes = 64 << 20 // one image, as bytes or base64
	maxJSONBytes  = 64 << 20 // a JSON body (base64 images inside)
	maxErrorBytes = 64 << 10 // an error body
)

// Config configures a Client.
type Config struct {
	// BaseURL is the API origin; a trailing /v1 (or /v2) is accepted and
	// dropped. Empty means DefaultBaseURL.
	BaseURL string
	// APIKey is sent as x-api-key. It never appears in an error, a log
	// line, String() or a panic.
	APIKey string
	// HTTPClient, when set, replaces the client's own (tests).
	HTTPClient *http.Client
	// UserAgent is sent on every request.
	UserAgent string
	// SyncTimeout bounds one v1 request (the image is made while it
	// waits); CallTimeout bounds every other call. Zero means the
	// defaults, 3 minutes and 30 seconds.
	SyncTimeout time.Duration
	CallTimeout time.Duration
	// InferenceTimes seeds what the client expects one image to take,
	// until the server reports times of its own: the inference times (in
	// seconds) an earlier run recorded. Empty means the model's published
	// time.
	InferenceTimes []float64
	// Clock is the client's time: when a job was submitted, the schedule
	// of its polls and the waits between retries of a poll. nil is the
	// real clock; tests drive a clockwork.FakeClock. The HTTP timeouts
	// above are the network's, on the real clock.
	Clock clockwork.Clock
	// Log receives a debug line per API call (see logCall); nil logs
	// nothing.
	Log *slog.Logger
}

// Client talks to the NewReality Lightning SDXL API. It is safe for
// concurrent use and keeps connections alive across calls. It implements
// generate.Generator; its errors are *generate.Error values, classed.
type Client struct {
	model       *model.Schema
	origin      *url.URL
	key         func() string // a func, which fmt prints as an address
	hc          *http.Client
	download    *http.Client // for result URLs: sends no key
	ua          string
	syncTimeout time.Duration
	callTimeout time.Duration
	estimate    *estimator
	clock       clockwork.Clock
	log         *slog.Logger
	remaining   atomic.Pointer[float64] // X-Remaining-Credits of the last v1 answer
}

// Format prints the configuration with its key redacted, whatever the verb.
func (cfg Config) Format(f fmt.State, verb rune) {
	if cfg.APIKey != "" {
		cfg.APIKey = "[redacted]"
	}
	type fields Config // without this method
	fmt.Fprintf(f, fmt.FormatString(f, verb), fields(cfg))
}

// ConfigFromEnv reads SEGMIND_API_KEY and SEGMIND_BASE_URL.
func ConfigFromEnv(getenv func(string) string) Config {
	return Config{APIKey: getenv(EnvAPIKey), BaseURL: getenv(EnvBaseURL)}
}

// NewClient returns a client for cfg.
func NewClient(cfg Config) (*Client, error) {
	origin, err := parseBaseURL(cfg.BaseURL)
	if err != nil {
		return nil, err
	}
	key := cfg.APIKey
	c := &Client{
		model:       model.NewRealityLightning,
		origin:      origin,
		key:         func() string { return key },
		ua:          cfg.UserAgent,
		syncTimeout: cfg.SyncTimeout,
		callTimeout: cfg.CallTimeout,
		estimate:    newEstimator(model.NewRealityLightning.ExpectedSeconds),
		clock:       cfg.Clock,
		log:         cfg.Log,
	}
	if c.log == nil {
		c.log = slog.New(slog.DiscardHandler)
	}
	if c.clock == nil {
		c.clock = clockwork.NewRealClock()
	}
	for _, t := range cfg.InferenceTimes {
		c.estimate.observe(t)
	}
	if c.ua == "" {
		c.ua = "imgform"
	}
	if c.syncTimeout == 0 {
		c.syncTimeout = 3 * time.Minute
	}
	if c.callTimeout == 0 {
		c.callTimeout = 30 * time.Second
	}
	base := cfg.HTTPClient
	if base == nil {
		base = &http.Client{Transport: newTransport()}
	}
	api := *base
	api.CheckRedirect = dropKeyOnRedirect
	c.hc = &api
	dl := *base
	c.download = &dl
	return c, nil
}

var _ generate.JobGenerator = (*Client)(nil)

// Endpoint is the origin the client talks to (see BaseURL).
func (c *Client) Endpoint() string { return c.BaseURL() }

func newTransport() *http.Transport {
	return &http.Transport{
		Proxy:                 http.ProxyFromEnvironment,
		DialContext:           (&net.Dialer{Timeout: 10 * time.Second, KeepAlive: 30 * time.Second}).DialContext,
		ForceAttemptHTTP2:     true,
		TLSHandshakeTimeout:   10 * time.Second,
		ResponseHeaderTimeout: 3 * time.Minute,
		ExpectContinueTimeout: time.Second,
		IdleConnTimeout:       90 * time.Second,
		MaxIdleConns:          256,
		MaxIdleConnsPerHost:   64, // many parallel jobs poll one host
	}
}

// dropKeyOnRedirect follows redirects, but never carries the key to
// another host or from https to http.
func dropKeyOnRedirect(req *http.Request, via []*http.Request) error {
	if len(via) >= 10 {
		return errors.New("stopped after 10 redirects")
	}
	if req.URL.Host != via[0].URL.Host || req.URL.Scheme != via[0].URL.Scheme {
		req.Header.Del(wire.HeaderAPIKey) // another host, or no longer over TLS
	}
	return nil
}

// parseBaseURL accepts an origin, with or without a trailing /v1 or /v2.
func parseBaseURL(raw string) (*url.URL, error) {
	if strings.TrimSpace(raw) == "" {
		raw = DefaultBaseURL
	}
	u, err := url.Parse(strings.TrimSpace(raw))
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("%s must be an http or https URL such as %s (got %q)", EnvBaseURL, DefaultBaseURL, raw)
	}
	p := strings.TrimRight(u.Path, "/")
	if strings.HasSuffix(p, "/v1") || strings.HasSuffix(p, "/v2") {
		p = p[:len(p)-3]
	}
	u.Path, u.RawQuery, u.Fragment = p, "", ""
	return u, nil
}

// BaseURL is the origin the client talks to, without any credentials the
// configured URL carried: it is shown, journaled and recorded in the state.
func (c *Client) BaseURL() string {
	u := *c.origin
	u.User = nil
	return u.String()
}

// HasKey reports whether an API key is configured.
func (c *Client) HasKey() bool { return c.key() != "" }

// KeyError says what is wrong with the configured key, or nil when it
// can be sent: a key with a line break, a space or another control
// character (a key file read with a trailing newline, say) cannot be an
// HTTP header value, and no request would ever carry it. The message
// never shows the key.
func (c *Client) KeyError() error {
	return keyError(c.key())
}

func keyError(key string) error {
	var what string
	for i, r := range key {
		switch {
		case r == '\n' || r == '\r':
			what = "a line break"
		case r == ' ' || r == '\t':
			what = "a space"
		case r < 0x20 || r == 0x7f:
			what = "a control character"
		default:
			continue
		}
		where := "inside it"
		switch {
		case strings.TrimRight(key[i:], " \t\r\n") == "":
			where = "at its end"
		case strings.TrimLeft(key[:i+1], " \t\r\n") == "":
			where = "at its start"
		}
		return &MalformedKeyError{What: what + " " + where}
	}
	return nil
}

// MalformedKeyError is a configured key that cannot be sent.
type MalformedKeyError struct {
	What string // "a line break at its end"
}

func (e *MalformedKeyError) Error() string {
	return fmt.Sprintf("%s is malformed: it has %s (copied with a newline?); set it to the key alone", EnvAPIKey, e.What)
}

// String describes the client without its key.
func (c *Client) String() string {
	key := "no key"
	if c.key() != "" {
		key = "key set"
	}
	return fmt.Sprintf("segmind.Client(%s, %s)", c.origin.Redacted(), key)
}

// GoString and Format keep the key out of every fmt verb.
func (c *Client) GoString() string { return c.String() }

func (c *Client) Format(f fmt.State, verb rune) { io.WriteString(f, c.String()) }

func (c *Client) endpoint(path string) string {
	u := *c.origin
	u.Path = strings.TrimRight(u.Path, "/") + path
	return u.String()
}

// response is an answer read in full.
type response struct {
	status int
	header http.Header
	body   []byte
}

// do sends one request to the API with the key and reads the answer.
// Transport failures and unreadable bodies become retryable APIErrors.
func (c *Client) do(ctx context.Context, op, method, target string, body any, limit int64, timeout time.Duration) (*response, error) {
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	var rd io.Reader
	if body != nil {
		data, err := json.Marshal(body)
		if err != nil {
			return nil, fmt.Errorf("segmind %s: encoding request: %w", op, err)
		}
		rd = bytes.NewReader(data)
	}
	req, err := http.NewRequestWithContext(ctx, method, target, rd)
	if err != nil {
		return nil, fmt.Errorf("segmind %s: %w", op, err)
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if c.key() != "" && c.trusts(req.URL) {
		if err := c.KeyError(); err != nil {
			return nil, &generate.Error{Op: op, Reason: generate.BadKey, Message: err.Error(), Err: err}
		}
		req.Header.Set(wire.HeaderAPIKey, c.key())
	}
	req.Header.Set("User-Agent", c.ua)
	return c.send(ctx, c.hc, op, req, limit)
}

// sentTrace notes whether a request went out whole. Whether it did
// decides what a failure means: one that was never sent was not processed
// (the endpoint is unreachable) and may be sent again; one that was sent
// may have been processed, and for a billable request paid for.
func sentTrace(req *http.Request) (*http.Request, *atomic.Bool) {
	var sent atomic.Bool
	return req.WithContext(httptrace.WithClientTrace(req.Context(), &httptrace.ClientTrace{
		WroteRequest: func(info httptrace.WroteRequestInfo) {
			if info.Err == nil {
				sent.Store(true)
			}
		},
	})), &sent
}

func (c *Client) send(ctx context.Context, hc *http.Client, op string, req *http.Request, limit int64) (_ *response, err error) {
	req, sent := sentTrace(req)
	start := time.Now()
	resp, err := hc.Do(req)
	if err != nil {
		err = c.transportError(ctx, op, err, sent.Load())
		c.logCall(ctx, op, req, 0, nil, nil, time.Since(start), err)
		return nil, err
	}
	defer resp.Body.Close()
	var data []byte
	defer func() {
		c.logCall(ctx, op, req, resp.StatusCode, resp.Header, data, time.Since(start), err)
	}()
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		limit = maxErrorBytes
	}
	data, err = readBody(resp.Body, resp.ContentLength, limit)
	if err != nil {
		werr := c.transportError(ctx, op, fmt.Errorf("reading the answer: %w", err), true)
		var gerr *generate.Error
		if billable(op) && resp.StatusCode >= 200 && resp.StatusCode <= 299 && errors.As(werr, &gerr) {
			// The server took the request and was cutting its answer off:
			// the image was most likely billed, and sending the request
			// again could pay twice. This image fails instead.
			gerr.Reason = generate.Rejected
			gerr.Message = "the answer was cut off after the server accepted the request (" + gerr.Message + "); it is not sent again, since that could pay twice"
			withStatus(gerr, resp.StatusCode)
		}
		return nil, werr
	}
	if int64(len(data)) > limit && resp.StatusCode >= 200 && resp.StatusCode <= 299 {
		return nil, withStatus(&generate.Error{Op: op, Reason: generate.Rejected, PossiblyBilled: billable(op),
			Message: fmt.Sprintf("the answer is larger than %d bytes", limit)}, resp.StatusCode)
	}
	return &response{status: resp.StatusCode, header: resp.Header, body: data}, nil
}

// readBody reads an answer to its end, or to one byte past limit, into
// one buffer of the size the server announced when it announced one that
// fits: an image is megabytes, and growing a buffer to it would copy it
// several times over.
func readBody(body io.Reader, announced, limit int64) ([]byte, error) {
	body = io.LimitReader(body, limit+1)
	if announced <= 0 || announced > limit {
		return io.ReadAll(body)
	}
	buf := bytes.NewBuffer(make([]byte, 0, announced+bytes.MinRead))
	_, err := buf.ReadFrom(body)
	return buf.Bytes(), err
}

// trustedServiceHosts are the hosts of the real service that may receive
// the key when the configured endpoint is one of them: the API and its
// staging origin, which the Python SDK also names. Nothing else ever does.
var trustedServiceHosts = []string{"api.segmind.com", "api-latest.segmind.com"}

// trusts reports whether the key may go to u: the configured API host
// itself (same host and port), or, when that is the real service, one of
// trustedServiceHosts; and never from https down to http. The status and
// result URLs come from the server's answers; a URL anywhere else (a
// sibling host under a shared suffix such as co.uk or herokuapp.com
// included) is polled without the key.
func (c *Client) trusts(u *url.URL) bool {
	if c.origin.Scheme == "https" && u.Scheme != "https" {
		return false
	}
	if strings.EqualFold(u.Host, c.origin.Host) {
		return true
	}
	return u.Port() == "" && c.origin.Port() == "" &&
		isServiceHost(c.origin.Hostname()) && isServiceHost(u.Hostname())
}

func isServiceHost(host string) bool {
	host = strings.TrimSuffix(strings.ToLower(host), ".")
	for _, h := range trustedServiceHosts {
		if host == h {
			return true
		}
	}
	return false
}

// billable reports the calls that make (and bill) images; the others
// only read, and can be repeated at no cost.
func billable(op string) bool { return op == "submit" || op == "generate" }

// transportError classes a failure to get an answer: a request that was
// never sent finds the endpoint unreachable; one that was sent may have
// been processed (possibly billed, for a billable one). The caller's own
// cancellation before sending is passed through as it is; after sending a
// billable request it is marked possibly billed, since the service may
// still make and bill the image.
func (c *Client) transportError(ctx context.Context, op string, err error, sent bool) error {
	if ctx.Err() != nil && errors.Is(ctx.Err(), context.Canceled) {
		if sent && billable(op) {
			return &generate.Error{Op: op, Reason: generate.Stopped, PossiblyBilled: true, Message: "cancelled after the request was sent", Err: ctx.Err()}
		}
		return ctx.Err()
	}
	e := &generate.Error{Op: op, Reason: generate.Unreachable, Message: c.message(err.Error()), Err: err}
	if sent {
		e.Reason = generate.Retryable
		if billable(op) {
			e.PossiblyBilled = true
			e.Message = "no answer after the request was sent (" + e.Message + ")"
		}
	}
	return e
}

// statusError turns a non-2xx answer into an error. A 5xx to a billable
// request does not prove that it was not processed: a gateway's 502 or
// 504 may come after it forwarded the request.
func (c *Client) statusError(op string, r *response) *generate.Error {
	return withStatus(&generate.Error{
		Op:             op,
		Message:        c.message(errorMessage(r.body)),
		Reason:         reasonForStatus(r.status),
		Wait:           parseRetryAfter(r.header.Get("Retry-After"), c.clock.Now()),
		PossiblyBilled: billable(op) && r.status >= 500,
	}, r.status)
}

// message makes text that came from elsewhere (a server echoing its
// input, a proxy's error page, a URL) fit for an error: the key redacted,
// then cut to one short line. Redacting first leaves no part of the key
// at the cut.
func (c *Client) message(s string) string {
	return trimMessage(redact(s, c.key()))
}

// redact removes key from s. A real key is long and is removed wherever
// it appears; a very short one (a test key such as "k") only where it
// stands as a word, so that "lookup" does not become "loo[redacted]up".
func redact(s, key string) string {
	switch {
	case key == "":
		return s
	case len(key) >= 6:
		return strings.ReplaceAll(s, key, "[redacted]")
	}
	return regexp.MustCompile(`\b`+regexp.QuoteMeta(key)+`\b`).ReplaceAllLiteralString(s, "[redacted]")
}

// errorMessage finds the message in an error body: {"error": "..."},
// {"message": "..."}, {"detail": ...}, {"html-message": ...}, or the text.
// A null or empty field is skipped. The caller trims the message.
func errorMessage(body []byte) string {
	var obj map[string]json.RawMessage
	if json.Unmarshal(body, &obj) == nil {
		for _, k := range []string{"error", "message", "detail", "html-message"} {
			raw, ok := obj[k]
			if !ok || string(raw) == "null" {
				continue
			}
			var s string
			if json.Unmarshal(raw, &s) != nil {
				return string(raw)
			}
			if strings.TrimSpace(s) != "" {
				return s
			}
		}
		return string(body)
	}
	if strings.Contains(strings.ToLower(string(body[:min(len(body), 512)])), "<html") {
		return "the server answered with an HTML page"
	}
	return string(body)
}
