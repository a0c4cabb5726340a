package emulator

import (
	"crypto/subtle"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/jonboulle/clockwork"

	"github.com/imgform/imgform/internal/segmind/internal/wire"
)

// Paths of the emulator's own endpoints, which the real service does not
// have. They need no API key.
const (
	// StatsPath answers GET with the Stats as JSON.
	StatsPath = "/_emulator/stats"
	// ImagesPath + "{request id}/{n}.png" serves the n-th image (from 0)
	// of a completed v2 job, like images.segmind.com: without the key.
	ImagesPath = "/_emulator/images/"
)

// DefaultRetention is how long v2 results live when Options.Retention is 0;
// the real service keeps them for one hour after submission.
const DefaultRetention = time.Hour

// Options configure a Server. The zero value is NOT a usable default for
// Credits: 0 credits means every generation is answered 406. Use a negative
// value for unlimited credits.
type Options struct {
	APIKey         string        // required key; "" = any non-empty key is accepted
	Latency        time.Duration // server-side inference time per request (default set by caller; 0 allowed = instant)
	MaxConcurrency int           // images in progress at once; 0 = unlimited
	FailRate       float64       // fraction of requests answered with a random 500/502/504 before any work
	FailSeed       int64         // seed of the fault RNG so runs are repeatable
	Blocklist      []string      // prompts containing one of these words (case-insensitive) end FAILED
	Credits        int           // images it will generate before answering 406; <0 = unlimited
	// RPM limits billable requests (v1 generates, v2 submits) per minute,
	// as an account's rate limit does: a token bucket refilled at RPM a
	// minute that holds at most RPMBurst tokens (0: RPM/60, at least 1).
	// 0 = unlimited.
	RPM       int
	RPMBurst  int
	Retention time.Duration // how long async results live (default 1h when 0)
	Log       io.Writer     // one line per request (method, path, status, duration; never the key); nil = silent
	// Clock is the server's time: latency, retention and the rate limit
	// follow it. nil = the real clock; tests pass a clockwork.FakeClock
	// and advance it.
	Clock clockwork.Clock
}

// Server emulates the Segmind API of sdxl1.0-newreality-lightning. It is an
// http.Handler; all its methods are safe for concurrent use.
type Server struct {
	apiKey    string
	latency   time.Duration
	retention time.Duration
	blocklist blocklist
	faults    *faultInjector
	routes    []route
	requests  requestCounter
	clock     clockwork.Clock

	logMu sync.Mutex
	log   io.Writer

	done chan struct{} // closed by Close

	mu     sync.Mutex // guards everything below
	ledger ledger
	jobs   map[string]*job
	closed bool
}

// New returns a Server configured by opts. Call Close when done with it to
// stop the timers of pending jobs.
func New(opts Options) *Server {
	s := &Server{
		apiKey:    opts.APIKey,
		latency:   max(opts.Latency, 0),
		retention: opts.Retention,
		blocklist: newBlocklist(opts.Blocklist),
		faults:    newFaultInjector(opts.FailRate, opts.FailSeed),
		log:       opts.Log,
		clock:     opts.Clock,
		done:      make(chan struct{}),
		ledger:    newLedger(int64(opts.Credits), int64(max(opts.MaxConcurrency, 0)), opts.RPM, opts.RPMBurst),
		jobs:      make(map[string]*job),
	}
	if s.retention <= 0 {
		s.retention = DefaultRetention
	}
	if s.clock == nil {
		s.clock = clockwork.NewRealClock()
	}
	s.routes = s.routeTable()
	return s
}

// Close stops the timers of pending jobs: jobs not finished by then never
// finish, and later generation requests are answered 503. Close does not
// stop a running http.Server; see Serve.
func (s *Server) Close() {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return
	}
	s.closed = true
	close(s.done)
	for _, j := range s.jobs {
		j.stopTimers()
	}
}

// handlerFunc handles a matched route; args are the values of the
// pattern's {wildcards}, in order.
type handlerFunc func(w http.ResponseWriter, r *http.Request, args []string)

type route struct {
	method   string
	segments []string // of the path pattern; "{name}" matches one non-empty segment
	label    string   // the route's name in Stats.Requests
	internal bool     // an /_emulator/ route: no key, no injected faults
	handle   handlerFunc
}

func newRoute(method, pattern, label string, internal bool, h handlerFunc) route {
	return route{method: method, segments: splitPath(pattern), label: label, internal: internal, handle: h}
}

func (s *Server) routeTable() []route {
	return []route{
		newRoute(http.MethodPost, wire.PathV1Generate, "POST /v1/{model}", false, s.handleV1Generate),
		newRoute(http.MethodPost, wire.PathV2Submit, "POST /v2/{model}", false, s.handleV2Submit),
		newRoute(http.MethodGet, wire.PathV2Requests+"{id}/status", "GET /v2/requests/{id}/status", false, s.handleStatus),
		newRoute(http.MethodGet, wire.PathV2Requests+"{id}", "GET /v2/requests/{id}", false, s.handleResult),
		// The older poll URL; its shape is undocumented, so it answers like
		// the status endpoint.
		newRoute(http.MethodGet, wire.PathV1Requests+"{id}", "GET /v1/requests/{id}", false, s.handleStatus),
		newRoute(http.MethodGet, wire.PathCredits, "GET /v1/get-user-credits", false, s.handleCredits),
		newRoute(http.MethodGet, StatsPath, "GET "+StatsPath, true, s.handleStats),
		newRoute(http.MethodGet, ImagesPath+"{id}/{file}", "GET "+ImagesPath+"{id}/{n}.png", true, s.handleImage),
	}
}

// unmatchedLabel is the Stats.Requests key of requests answered 404 or 405
// by the router.
const unmatchedLabel = "unmatched"

func splitPath(p string) []string { return strings.Split(strings.TrimPrefix(p, "/"), "/") }

// match finds the route of r. When the path is known but the method is
// not, it returns nil and the methods the path allows.
func (s *Server) match(r *http.Request) (rt *route, args []string, allowed []string) {
	segs := splitPath(r.URL.Path)
	for i := range s.routes {
		cand := &s.routes[i]
		a, ok := matchSegments(cand.segments, segs)
		if !ok {
			continue
		}
		if cand.method == r.Method {
			return cand, a, nil
		}
		allowed = append(allowed, cand.method)
	}
	return nil, nil, allowed
}

func matchSegments(pattern, segs []string) ([]string, bool) {
	if len(pattern) != len(segs) {
		return nil, false
	}
	var args []string
	for i, p := range pattern {
		if strings.HasPrefix(p, "{") && strings.HasSuffix(p, "}") {
			if segs[i] == "" {
				return nil, false
			}
			args = append(args, segs[i])
			continue
		}
		if p != segs[i] {
			return nil, false
		}
	}
	return args, true
}

// ServeHTTP routes one request, counts it in the stats and logs it.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	start := s.clock.Now()
	rec := &statusRecorder{ResponseWriter: w, label: unmatchedLabel, counter: &s.requests}
	rt, args, allowed := s.match(r)
	switch {
	case rt != nil:
		rec.label = rt.label
		s.dispatch(rec, r, rt, args)
	case len(allowed) > 0:
		rec.Header().Set("Allow", strings.Join(allowed, ", "))
		writeError(rec, http.StatusMethodNotAllowed,
			fmt.Sprintf("Method %s not allowed on this endpoint; allowed: %s", r.Method, strings.Join(allowed, ", ")))
	default:
		writeError(rec, http.StatusNotFound, "Not found: no such model or endpoint")
	}
	if !rec.wroteHeader {
		rec.WriteHeader(http.StatusOK)
	}
	s.logRequest(r, rec.status, s.clock.Since(start))
}

// dispatch runs the checks every API route shares, in the order the
// emulator promises: injected faults before any other work, then the key.
func (s *Server) dispatch(w http.ResponseWriter, r *http.Request, rt *route, args []string) {
	if !rt.internal {
		if code, ok := s.faults.draw(); ok {
			writeError(w, code, injectedFaultMessage(code))
			return
		}
		if !s.authorize(w, r) {
			return
		}
	}
	rt.handle(w, r, args)
}

// authorize answers 401 and returns false unless r carries an acceptable
// x-api-key. The key itself never appears in an answer or a log line.
func (s *Server) authorize(w http.ResponseWriter, r *http.Request) bool {
	key := r.Header.Get(wire.HeaderAPIKey)
	if strings.TrimSpace(key) == "" {
		writeError(w, http.StatusUnauthorized, "Missing API key: send it in the x-api-key header")
		return false
	}
	if s.apiKey != "" && subtle.ConstantTimeCompare([]byte(key), []byte(s.apiKey)) != 1 {
		writeError(w, http.StatusUnauthorized, "Invalid API key")
		return false
	}
	return true
}

// logRequest writes the request's log line: time, method, path, status and
// duration. Headers, and so the key, are never logged; the path is logged
// escaped so that it cannot break the line.
func (s *Server) logRequest(r *http.Request, status int, d time.Duration) {
	if s.log == nil {
		return
	}
	line := fmt.Sprintf("%s %s %s %d %s\n",
		s.clock.Now().UTC().Format("2006-01-02T15:04:05.000Z"), r.Method, r.URL.EscapedPath(), status, d.Round(time.Microsecond))
	s.logMu.Lock()
	defer s.logMu.Unlock()
	_, _ = io.WriteString(s.log, line) // a failing log writer must not fail the request
}

// statusRecorder remembers the status code of an answer and counts it in
// the stats when the header is written, so the count is in place before the
// client can see the answer.
type statusRecorder struct {
	http.ResponseWriter
	label       string
	counter     *requestCounter
	status      int
	wroteHeader bool
}

func (rec *statusRecorder) WriteHeader(code int) {
	if rec.wroteHeader {
		return
	}
	rec.wroteHeader = true
	rec.status = code
	rec.counter.add(rec.label, code)
	rec.ResponseWriter.WriteHeader(code)
}

func (rec *statusRecorder) Write(b []byte) (int, error) {
	if !rec.wroteHeader {
		rec.WriteHeader(http.StatusOK)
	}
	return rec.ResponseWriter.Write(b)
}

// Unwrap lets http.ResponseController reach the underlying writer.
func (rec *statusRecorder) Unwrap() http.ResponseWriter { return rec.ResponseWriter }
