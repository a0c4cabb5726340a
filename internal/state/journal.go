package state

import (
	"context"
	"github.com/imgform/imgform/internal/model"
)

// Journal records every submitted asynchronous job before its result is
// polled, durably, so that a run that is killed or interrupted leaves its
// jobs for the next run to follow to their results instead of paying for
// the images again. It holds no secret: not the key, and not the
// request's text beyond its hash.
//
// Before every billable request, a run records a pending job (Pending
// set, a job id of its own making): the journal write that precedes the
// request. The backend writes it only while the run's handle holds the
// workspace lock, checked in the same step, so that no request is sent by
// a run that lost its lock. A pending record that a later run finds is a
// request that may have been sent, and billed, by a run that died before
// it knew the job's id.
type Journal interface {
	// Record stores a job; it returns only once the record would
	// survive a crash. Recording a job id again replaces its record. A
	// pending record is refused with a *LockLostError unless the handle
	// holds the workspace lock (see Backend.Lock).
	Record(ctx context.Context, job JobRecord) error
	// Remove deletes the record of a job whose images are safe; a job
	// that is not there is no error.
	Remove(ctx context.Context, id string) error
	// List returns the recorded jobs, oldest first. Records that cannot
	// be read are skipped.
	List(ctx context.Context) ([]JobRecord, error)
}

// JobRecord is one submitted job.
type JobRecord struct {
	Address   string `json:"address"`
	InputHash Hash   `json:"input_hash"`
	Samples   int    `json:"samples"`
	// Endpoint is the origin of the API the job was submitted to; only a
	// run against the same endpoint follows it.
	Endpoint string    `json:"base_url"`
	Job      model.Job `json:"job"`
	// Forced marks a job submitted for a forced replacement (--replace):
	// the new image it asked for, which only another forced replacement
	// of the same request takes. Seed is the seed it was sent with (a
	// random seed is drawn anew for a replacement).
	Forced bool  `json:"forced,omitempty"`
	Seed   int64 `json:"seed,omitempty"`
	// Pending marks the record written before a billable request is
	// sent: Job holds only an id of the run's own making (pendingPrefix)
	// and the time. Once the request is answered, it is replaced by the
	// job's record, or removed.
	Pending bool `json:"pending,omitempty"`
	// Writer names the run that wrote a pending record (its lock's id,
	// process and host): a later run judges by it whether the request
	// may still be in flight.
	Writer *LockInfo `json:"writer,omitempty"`
}

// pendingPrefix starts the id of a pending record.
const pendingPrefix = "pending-"

// NewPendingID is the id of a new pending record.
func NewPendingID() string { return pendingPrefix + newLineage() }
