package emulator

import (
	"fmt"
	"net/http"
	"time"

	"github.com/jonboulle/clockwork"

	"github.com/imgform/imgform/internal/model"
	"github.com/imgform/imgform/internal/placeholder"
	"github.com/imgform/imgform/internal/segmind/internal/wire"
)

// maxQueued is the longest a v2 job stays QUEUED before PROCESSING.
const maxQueued = 100 * time.Millisecond

// job is one accepted v2 request. Its fields after the first block are
// guarded by Server.mu.
type job struct {
	id          string
	req         model.Request // validated, with the seed resolved
	base64      bool          // the answer is asked for as base64
	blockedWord string        // a blocklist entry the prompt contains; the job will fail
	submitted   time.Time
	queuedUntil time.Time // QUEUED before, PROCESSING after (until finished)

	res      *reservation // released when the job finishes
	finished bool
	state    string   // StatusCompleted or StatusFailed once finished
	errMsg   string   // of a FAILED job
	pngs     [][]byte // of a COMPLETED job, one per sample
	finisher clockwork.Timer
	expirer  clockwork.Timer
}

func (j *job) stopTimers() {
	if j.finisher != nil {
		j.finisher.Stop()
	}
	if j.expirer != nil {
		j.expirer.Stop()
	}
}

// jobView is a consistent copy of a job's state at one instant.
type jobView struct {
	id            string
	state         string
	errMsg        string
	base64        bool
	pngs          [][]byte // shared, never modified once set
	inferenceTime float64  // seconds
}

// submitJob accepts req as a new v2 job, or returns the rejection (406, 429
// or 503) that answers it. The job finishes Latency after now, on a timer:
// its images are rendered and billed then, whether or not anyone polls.
func (s *Server) submitJob(req model.Request, base64 bool, now time.Time) (*job, *rejection) {
	id, err := newRequestID()
	if err != nil {
		return nil, &rejection{status: http.StatusInternalServerError, msg: fmt.Sprintf("cannot make a request id: %v", err)}
	}
	j := &job{
		id:          id,
		req:         req,
		base64:      base64,
		blockedWord: s.blocklist.match(req.Prompt()),
		submitted:   now,
		queuedUntil: now.Add(min(s.latency/10, maxQueued)),
	}

	s.mu.Lock()
	defer s.mu.Unlock()
	res, rej := s.reserveLocked(int64(req.Samples()), now)
	if rej != nil {
		return nil, rej
	}
	j.res = res
	s.ledger.jobsSubmitted++
	s.jobs[id] = j
	j.finisher = s.clock.AfterFunc(s.latency, func() { s.finishJob(j) })
	j.expirer = s.clock.AfterFunc(s.retention, func() { s.expireJob(j) })
	return j, nil
}

// finishJob ends a job on the server's clock: a blocked prompt FAILS
// unbilled, anything else is rendered, COMPLETED and billed.
func (s *Server) finishJob(j *job) {
	s.mu.Lock()
	if s.closed || j.finished {
		s.mu.Unlock()
		return
	}
	s.mu.Unlock()

	var pngs [][]byte
	var renderErr error
	if j.blockedWord == "" {
		pngs, renderErr = renderSamples(j.req)
	}

	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed || j.finished {
		return
	}
	j.finished = true
	switch {
	case j.blockedWord != "":
		j.state, j.errMsg = wire.StatusFailed, contentPolicyMessage(j.blockedWord)
		s.ledger.release(j.res, false)
	case renderErr != nil:
		j.state, j.errMsg = wire.StatusFailed, "internal_error: "+renderErr.Error()
		s.ledger.release(j.res, false)
	default:
		j.state, j.pngs = wire.StatusCompleted, pngs
		s.ledger.release(j.res, true)
	}
}

// expireJob forgets a job once its retention has passed.
func (s *Server) expireJob(j *job) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.jobs[j.id] == j {
		delete(s.jobs, j.id)
		s.ledger.jobsExpired++
	}
}

// lookupJob returns the job with this id as it is at now, or false when
// there is none or its retention (counted from submission) has passed.
func (s *Server) lookupJob(id string, now time.Time) (jobView, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	j, ok := s.jobs[id]
	if !ok || now.Sub(j.submitted) >= s.retention {
		return jobView{}, false
	}
	v := jobView{
		id:            j.id,
		state:         j.state,
		errMsg:        j.errMsg,
		base64:        j.base64,
		pngs:          j.pngs,
		inferenceTime: s.latency.Seconds(),
	}
	if !j.finished {
		v.state = wire.StatusProcessing
		if now.Before(j.queuedUntil) {
			v.state = wire.StatusQueued
		}
	}
	return v, true
}

// renderSamples renders every sample of req.
func renderSamples(req model.Request) ([][]byte, error) {
	pngs := make([][]byte, req.Samples())
	for i := range pngs {
		b, err := placeholder.Render(req, i, placeholder.Emulator)
		if err != nil {
			return nil, fmt.Errorf("render sample %d: %w", i, err)
		}
		pngs[i] = b
	}
	return pngs, nil
}
