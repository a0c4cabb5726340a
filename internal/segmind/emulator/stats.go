package emulator

import (
	"maps"
	"net/http"
	"strconv"
	"sync"
)

// Stats is a snapshot of the emulator's counters, served as JSON by
// GET /_emulator/stats. Tests use it to prove what was and was not paid for.
type Stats struct {
	// Generated counts images rendered, i.e. what a user would be billed
	// for. A FAILED job, a refused request and an abandoned v1 request add
	// nothing.
	Generated int64 `json:"generated"`
	// JobsSubmitted counts accepted v2 submissions.
	JobsSubmitted int64 `json:"jobs_submitted"`
	// JobsExpired counts jobs forgotten because their retention
	// (Options.Retention) passed: polling one answers 404 from then on.
	JobsExpired int64 `json:"jobs_expired"`
	// InProgress counts images in progress now: accepted v2 jobs not yet
	// finished, plus v1 requests being served (samples each).
	InProgress int64 `json:"in_progress"`
	// MaxInProgress is the most images ever in progress at once; it never
	// exceeds Options.MaxConcurrency when that is set.
	MaxInProgress int64 `json:"max_in_progress"`
	// RateLimited counts billable requests answered 429 by the rate limit
	// (Options.RPM).
	RateLimited int64 `json:"rate_limited"`
	// Requests counts answers by route ("POST /v2/{model}",
	// "GET /v2/requests/{id}/status", ...; "unmatched" for 404 and 405 from
	// the router) and then by status code ("200", "429", ...).
	Requests map[string]map[string]int64 `json:"requests"`
}

// Stats returns a snapshot of the counters.
func (s *Server) Stats() Stats {
	s.mu.Lock()
	st := Stats{
		Generated:     s.ledger.generated,
		JobsSubmitted: s.ledger.jobsSubmitted,
		JobsExpired:   s.ledger.jobsExpired,
		InProgress:    s.ledger.inProgress,
		MaxInProgress: s.ledger.maxInProgress,
		RateLimited:   s.ledger.rateLimited,
	}
	s.mu.Unlock()
	st.Requests = s.requests.snapshot()
	return st
}

// handleStats serves GET /_emulator/stats, without a key.
func (s *Server) handleStats(w http.ResponseWriter, _ *http.Request, _ []string) {
	writeJSON(w, http.StatusOK, s.Stats())
}

// requestCounter counts answers by route and status code.
type requestCounter struct {
	mu     sync.Mutex
	counts map[string]map[string]int64
}

func (c *requestCounter) add(route string, status int) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.counts == nil {
		c.counts = make(map[string]map[string]int64)
	}
	byStatus := c.counts[route]
	if byStatus == nil {
		byStatus = make(map[string]int64)
		c.counts[route] = byStatus
	}
	byStatus[strconv.Itoa(status)]++
}

func (c *requestCounter) snapshot() map[string]map[string]int64 {
	c.mu.Lock()
	defer c.mu.Unlock()
	out := make(map[string]map[string]int64, len(c.counts))
	for route, byStatus := range c.counts {
		out[route] = maps.Clone(byStatus)
	}
	return out
}
