package segmind

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"

	"github.com/imgform/imgform/internal/generate"
	"github.com/imgform/imgform/internal/imagecheck"
	"github.com/imgform/imgform/internal/model"
	"github.com/imgform/imgform/internal/segmind/internal/wire"
)

// Submit queues the request with the v2 async API. The URLs in the job
// are the ones the server gave, and are used as given.
func (c *Client) Submit(ctx context.Context, req model.Request) (_ *model.Job, err error) {
	defer tag(&err)
	if err := c.validate("submit", req); err != nil {
		return nil, err
	}
	r, err := c.do(ctx, "submit", http.MethodPost, c.endpoint(wire.PathV2Submit), wire.Body(req, false), maxErrorBytes, c.callTimeout)
	if err != nil {
		return nil, err
	}
	if r.status < 200 || r.status > 299 {
		return nil, c.statusError("submit", r)
	}
	var body wire.SubmitResponse
	if err := json.Unmarshal(r.body, &body); err != nil || body.RequestID == "" || body.StatusURL == "" || body.ResponseURL == "" {
		// The job may exist, but without its id it cannot be followed;
		// sending it again could pay twice, so this image fails.
		return nil, &generate.Error{Op: "submit", Reason: generate.Rejected, PossiblyBilled: true,
			Message: c.message("the answer lacks request_id, status_url or response_url: " + string(r.body))}
	}
	job := &model.Job{ID: body.RequestID, Submitted: c.clock.Now()}
	if job.StatusURL, err = c.resolve(body.StatusURL); err != nil {
		return nil, err
	}
	if job.ResponseURL, err = c.resolve(body.ResponseURL); err != nil {
		return nil, err
	}
	return job, nil
}

// resolve makes a URL from the server absolute (it normally is already).
func (c *Client) resolve(ref string) (string, error) {
	u, err := c.origin.Parse(ref)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") {
		return "", &generate.Error{Op: "submit", Reason: generate.Rejected, PossiblyBilled: true, Message: fmt.Sprintf("the server gave an unusable URL %q", c.message(ref))}
	}
	return u.String(), nil
}

// statusBody is the body of a status or result answer.
type statusBody struct {
	Status    string          `json:"status"`
	RequestID string          `json:"request_id"`
	Error     json.RawMessage `json:"error"`
	Metrics   wire.Metrics    `json:"metrics"`
	Output    json.RawMessage `json:"output"`
}

func (b statusBody) errorText() string {
	var s string
	if json.Unmarshal(b.Error, &s) == nil {
		return s
	}
	if len(b.Error) == 0 || string(b.Error) == "null" {
		return ""
	}
	return string(b.Error)
}

// jobFailed is the error of a job that ended FAILED (HTTP 422), such as a
// content-policy block: about that image only.
func jobFailed(job *model.Job, message string) error {
	return &generate.Error{Op: "job", Reason: generate.Rejected, JobID: job.ID, Message: "failed: " + message}
}

// poll GETs a status or result URL. A body that says COMPLETED or FAILED
// is an answer whatever the HTTP status (FAILED comes with 422).
func (c *Client) poll(ctx context.Context, op string, job *model.Job, target string, limit int64) (*statusBody, error) {
	r, err := c.do(ctx, op, http.MethodGet, target, nil, limit, c.callTimeout)
	if err != nil {
		return nil, withJobID(err, job)
	}
	var body statusBody
	parsed := json.Unmarshal(r.body, &body) == nil
	if parsed && (body.Status == wire.StatusCompleted || body.Status == wire.StatusFailed) {
		if op == "status" && body.Status == wire.StatusCompleted && body.Metrics.InferenceTime != nil {
			c.estimate.observe(*body.Metrics.InferenceTime)
		}
		return &body, nil
	}
	if r.status < 200 || r.status > 299 {
		e := c.statusError(op, r)
		e.JobID = job.ID
		switch r.status {
		case http.StatusUnprocessableEntity:
			// A 422 without a FAILED body: still this job's end.
			return nil, jobFailed(job, c.message(errorMessage(r.body)))
		case http.StatusNotFound:
			e.Reason = generate.Lost
		}
		return nil, e
	}
	if !parsed {
		return nil, withStatus(&generate.Error{Op: op, Reason: generate.Retryable, JobID: job.ID, Message: "the answer is not valid JSON"}, r.status)
	}
	return &body, nil
}

// withJobID names the job in an error that was made without it.
func withJobID(err error, job *model.Job) error {
	var e *generate.Error
	if errors.As(err, &e) && e.JobID == "" {
		e.JobID = job.ID
	}
	return err
}

// status is what a status poll says of a job.
type status struct {
	state         string   // QUEUED, PROCESSING, COMPLETED or FAILED
	inferenceTime *float64 // seconds, once known
	err           string   // the server's text, for FAILED
}

// status asks how a job is doing.
func (c *Client) status(ctx context.Context, job *model.Job) (*status, error) {
	body, err := c.poll(ctx, "status", job, job.StatusURL, maxErrorBytes)
	if err != nil {
		return nil, err
	}
	st := &status{state: body.Status, inferenceTime: body.Metrics.InferenceTime, err: c.message(body.errorText())}
	if st.state == "" {
		st.state = wire.StatusProcessing // no status yet: treat as still running
	}
	return st, nil
}

// result fetches a completed job's images: the output is read whether it
// is a URL (fetched without the key), a list of them, or base64 data.
func (c *Client) result(ctx context.Context, job *model.Job) (*generate.Result, error) {
	body, err := c.poll(ctx, "result", job, job.ResponseURL, maxJSONBytes)
	if err != nil {
		return nil, err
	}
	switch body.Status {
	case wire.StatusFailed:
		return nil, jobFailed(job, c.message(body.errorText()))
	case wire.StatusCompleted:
	default:
		return nil, &generate.Error{Op: "result", Reason: generate.Retryable, JobID: job.ID, Message: fmt.Sprintf("the job is %s, not completed", strings.ToLower(body.Status))}
	}
	refs, err := outputRefs(body.Output)
	if err != nil {
		return nil, &generate.Error{Op: "result", Reason: generate.Retryable, JobID: job.ID, Message: err.Error()}
	}
	res := &generate.Result{RequestID: job.ID}
	if body.Metrics.InferenceTime != nil {
		res.InferenceTime = *body.Metrics.InferenceTime
	}
	if body.Metrics.Cost != nil {
		res.CostUSD = chargeOf(*body.Metrics.Cost, true)
	}
	for _, ref := range refs {
		img, err := c.fetchOutput(ctx, job, ref)
		if err != nil {
			return nil, err
		}
		res.Images = append(res.Images, img)
	}
	res.Placeholder = placeholders(res.Images)
	return res, nil
}

// outputRefs reads the output field: a string, a list of strings, or a
// list of objects with "url" (or "image"/"data").
func outputRefs(raw json.RawMessage) ([]string, error) {
	if len(raw) == 0 || string(raw) == "null" {
		return nil, fmt.Errorf("the completed job has no output")
	}
	var one string
	if json.Unmarshal(raw, &one) == nil {
		return []string{one}, nil
	}
	var many []json.RawMessage
	if err := json.Unmarshal(raw, &many); err != nil || len(many) == 0 {
		return nil, fmt.Errorf("the output is neither a URL, a list, nor base64 data")
	}
	var refs []string
	for _, m := range many {
		if json.Unmarshal(m, &one) == nil {
			refs = append(refs, one)
			continue
		}
		// Other keys (seed, width, ...) may hold anything.
		var obj struct {
			URL   string `json:"url"`
			Image string `json:"image"`
			Data  string `json:"data"`
		}
		if json.Unmarshal(m, &obj) != nil {
			return nil, fmt.Errorf("an element of the output is neither a string nor an object with a url")
		}
		ref := cmp.Or(obj.URL, obj.Image, obj.Data)
		if ref == "" {
			return nil, fmt.Errorf("an element of the output has no url")
		}
		refs = append(refs, ref)
	}
	return refs, nil
}

// fetchOutput turns one output reference into an image: a URL is
// downloaded without the API key, anything else is base64 data. A path
// ("/...") is a URL on the API's host unless it is base64 of an image:
// every JPEG in base64 starts with "/9j/".
func (c *Client) fetchOutput(ctx context.Context, job *model.Job, ref string) (model.Image, error) {
	if !strings.HasPrefix(ref, "http://") && !strings.HasPrefix(ref, "https://") {
		img, err := decodeBase64Image(ref)
		if err == nil {
			return img, nil
		}
		if !strings.HasPrefix(ref, "/") {
			return model.Image{}, &generate.Error{Op: "result", Reason: generate.Retryable, JobID: job.ID, Message: err.Error()}
		}
	}
	base, err := url.Parse(job.ResponseURL)
	if err != nil {
		return model.Image{}, &generate.Error{Op: "download", Reason: generate.Rejected, JobID: job.ID, Message: "unusable response URL"}
	}
	u, err := base.Parse(ref)
	if err != nil {
		return model.Image{}, &generate.Error{Op: "download", Reason: generate.Rejected, JobID: job.ID, Message: fmt.Sprintf("unusable image URL %q", c.message(ref))}
	}
	ctx, cancel := context.WithTimeout(ctx, c.callTimeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u.String(), nil)
	if err != nil {
		return model.Image{}, fmt.Errorf("segmind download: %w", err)
	}
	req.Header.Set("User-Agent", c.ua)
	r, err := c.send(ctx, c.download, "download", req, maxImageBytes)
	if err != nil {
		return model.Image{}, withJobID(err, job)
	}
	if r.status < 200 || r.status > 299 {
		e := c.statusError("download", r)
		e.JobID = job.ID
		if generate.StopsRun(e) {
			// No key was sent: a 401/403 of the image host (an expired
			// signed URL) is about this image, not the run's key.
			e.Reason = generate.Rejected
		}
		return model.Image{}, e
	}
	img, err := checkImage(r.body)
	if err != nil {
		// A truncated download may come whole next time; an image that
		// declares too many pixels will not.
		reason := generate.Retryable
		if _, ok := errors.AsType[*imagecheck.TooLargeError](err); ok {
			reason = generate.Rejected
		}
		return model.Image{}, withStatus(&generate.Error{Op: "download", Reason: reason, JobID: job.ID, Message: err.Error()}, r.status)
	}
	return img, nil
}
