package segmind

import (
	"context"

	"github.com/imgform/imgform/internal/generate"
	"github.com/imgform/imgform/internal/model"
)

// JobStatus is what one status poll said, for the tests of package
// segmind_test, which drive the two polls Wait is made of one at a time.
type JobStatus struct {
	Status        string
	InferenceTime *float64
	Error         string
}

// Status is one status poll.
func (c *Client) Status(ctx context.Context, job *model.Job) (_ *JobStatus, err error) {
	defer tag(&err)
	st, err := c.status(ctx, job)
	if err != nil {
		return nil, err
	}
	return &JobStatus{Status: st.state, InferenceTime: st.inferenceTime, Error: st.err}, nil
}

// Result is one result fetch.
func (c *Client) Result(ctx context.Context, job *model.Job) (_ *generate.Result, err error) {
	defer tag(&err)
	return c.result(ctx, job)
}
