package apply

import (
	"context"
	"time"

	"github.com/imgform/imgform/internal/plan"
	"github.com/imgform/imgform/internal/state"
)

// JobRetention is how long the service keeps a job's result after it was
// submitted. A journaled job older than this cannot be resumed.
const JobRetention = time.Hour

// Resumable is what a journal holds for one endpoint: the jobs that may
// still be resumed, by input hash.
type Resumable map[state.Hash][]state.JobRecord

// ResumableJobs returns the journaled jobs that may still be resumed
// against endpoint at now.
func ResumableJobs(ctx context.Context, j state.Journal, endpoint string, now time.Time) (Resumable, error) {
	jobs, err := j.List(ctx)
	if err != nil {
		return nil, err
	}
	out := Resumable{}
	for _, e := range jobs {
		if !e.Pending && e.Endpoint == endpoint && now.Sub(e.Job.Submitted) < JobRetention {
			out[e.InputHash] = append(out[e.InputHash], e)
		}
	}
	return out, nil
}

// Has reports a job a change of input hash h can resume instead of paying
// again (plan shows it as already paid). A forced replacement takes only
// a job that was submitted for one; any other change takes any.
func (r Resumable) Has(h state.Hash, forced bool) bool {
	for _, e := range r[h] {
		if e.Forced || !forced {
			return true
		}
	}
	return false
}

// PaidReplacements returns the jobs of forced replacements of addr.
func (r Resumable) PaidReplacements(addr string) []plan.PaidJob {
	var out []plan.PaidJob
	for _, es := range r {
		for _, e := range es {
			if e.Forced && e.Address == addr {
				out = append(out, plan.PaidJob{InputHash: e.InputHash, Seed: e.Seed})
			}
		}
	}
	return out
}

// Count is the number of jobs.
func (r Resumable) Count() int {
	n := 0
	for _, es := range r {
		n += len(es)
	}
	return n
}

// Collectable counts the journaled jobs for the API at endpoint that an
// apply of p collects: none offline.
func Collectable(ctx context.Context, j state.Journal, endpoint string, p *plan.Plan, now time.Time) (int, error) {
	if p.Offline {
		return 0, nil
	}
	resumable, err := ResumableJobs(ctx, j, endpoint, now)
	if err != nil {
		return 0, err
	}
	return resumable.Count(), nil
}
