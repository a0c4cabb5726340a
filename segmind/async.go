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
	"time"

	"github.com/imgform/imgform/internal/imagecheck"
)

// Job is a submitted v2 request: what must be kept (in a journal) to
// follow it to its result without paying for it again.
type Job struct {
	RequestID   string    `json:"request_id"`
	StatusURL   string    `json:"status_url"`
	ResponseURL string    `json:"response_url"`
	Submitted   time.Time `json:"submitted"`
}

// JobStatus is what a status poll says.
type JobStatus struct {
	Status        string   // QUEUED, PROCESSING, COMPLETED or FAILED
	InferenceTime *float64 // seconds, once known
	Error         string   // the server's text, for FAILED
}

// JobResult is a completed job's images.
type JobResult struct {
	RequestID     string
	Images        []Image
	InferenceTime float64
}

// Submit queues the request with the v2 async API. The URLs in the job
// are the ones the server gave, and are used as given.
func (c *Client) Submit(ctx context.Context, req Request) (*Job, error) {
	if err := req.Validate(); err != nil {
		return nil, &InvalidRequestError{Err: err}
	}
	r, err := c.do(ctx, "submit", http.MethodPost, c.endpoint(PathV2Submit), req, maxErrorBytes, c.callTimeout)
	if err != nil {
		return nil, err
	}
	if r.status < 200 || r.status > 299 {
		return nil, c.statusError("submit", r)
	}
	var body SubmitResponse
	if err := json.Unmarshal(r.body, &body); err != nil || body.RequestID == "" || body.StatusURL == "" || body.ResponseURL == "" {
		// The job may exist, but without its id it cannot be followed;
		// sending it again could pay twice, so this image fails.
		return nil, &APIError{Op: "submit", StatusCode: r.status, Class: ClassImage, PossiblyBilled: true,
			Message: c.message("the answer lacks request_id, status_url or response_url: " + string(r.body))}
	}
	job := &Job{RequestID: body.RequestID, Submitted: time.Now()}
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
		return "", &APIError{Op: "submit", Class: ClassImage, PossiblyBilled: true, Message: fmt.Sprintf("the server gave an unusable URL %q", c.message(ref))}
	}
	return u.String(), nil
}

// statusBody is the body of a status or result answer.
type statusBody struct {
	Status    string          `json:"status"`
	RequestID string          `json:"request_id"`
	Error     json.RawMessage `json:"error"`
	Metrics   Metrics         `json:"metrics"`
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

// poll GETs a status or result URL. A body that says COMPLETED or FAILED
// is an answer whatever the HTTP status (FAILED comes with 422).
func (c *Client) poll(ctx context.Context, op string, job *Job, target string, limit int64) (*statusBody, error) {
	r, err := c.do(ctx, op, http.MethodGet, target, nil, limit, c.callTimeout)
	if err != nil {
		return nil, withRequestID(err, job)
	}
	var body statusBody
	parsed := json.Unmarshal(r.body, &body) == nil
	if parsed && (body.Status == StatusCompleted || body.Status == StatusFailed) {
		if op == "status" && body.Status == StatusCompleted && body.Metrics.InferenceTime != nil {
			c.estimate.observe(*body.Metrics.InferenceTime)
		}
		return &body, nil
	}
	if r.status < 200 || r.status > 299 {
		e := c.statusError(op, r)
		e.RequestID = job.RequestID
		if r.status == http.StatusUnprocessableEntity {
			// A 422 without a FAILED body: still this job's end.
			return nil, &JobFailedError{RequestID: job.RequestID, Message: e.Message}
		}
		return nil, e
	}
	if !parsed {
		return nil, &APIError{Op: op, StatusCode: r.status, Class: ClassRetryable, RequestID: job.RequestID, Message: "the answer is not valid JSON"}
	}
	return &body, nil
}

// withRequestID names the job in an APIError that was made without it.
func withRequestID(err error, job *Job) error {
	if e, ok := err.(*APIError); ok && e.RequestID == "" {
		e.RequestID = job.RequestID
	}
	return err
}

// Status asks how a job is doing.
func (c *Client) Status(ctx context.Context, job *Job) (*JobStatus, error) {
	body, err := c.poll(ctx, "status", job, job.StatusURL, maxErrorBytes)
	if err != nil {
		return nil, err
	}
	st := &JobStatus{Status: body.Status, InferenceTime: body.Metrics.InferenceTime, Error: c.message(body.errorText())}
	if st.Status == "" {
		st.Status = StatusProcessing // no status yet: treat as still running
	}
	return st, nil
}

// Result fetches a completed job's images: the output is read whether it
// is a URL (fetched without the key), a list of them, or base64 data.
func (c *Client) Result(ctx context.Context, job *Job) (*JobResult, error) {
	body, err := c.poll(ctx, "result", job, job.ResponseURL, maxJSONBytes)
	if err != nil {
		return nil, err
	}
	switch body.Status {
	case StatusFailed:
		return nil, &JobFailedError{RequestID: job.RequestID, Message: c.message(body.errorText())}
	case StatusCompleted:
	default:
		return nil, &APIError{Op: "result", Class: ClassRetryable, RequestID: job.RequestID, Message: fmt.Sprintf("the job is %s, not completed", strings.ToLower(body.Status))}
	}
	refs, err := outputRefs(body.Output)
	if err != nil {
		return nil, &APIError{Op: "result", Class: ClassRetryable, RequestID: job.RequestID, Message: err.Error()}
	}
	res := &JobResult{RequestID: job.RequestID}
	if body.Metrics.InferenceTime != nil {
		res.InferenceTime = *body.Metrics.InferenceTime
	}
	for _, ref := range refs {
		img, err := c.fetchOutput(ctx, job, ref)
		if err != nil {
			return nil, err
		}
		res.Images = append(res.Images, img)
	}
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
func (c *Client) fetchOutput(ctx context.Context, job *Job, ref string) (Image, error) {
	if !strings.HasPrefix(ref, "http://") && !strings.HasPrefix(ref, "https://") {
		img, err := decodeBase64Image(ref)
		if err == nil {
			return img, nil
		}
		if !strings.HasPrefix(ref, "/") {
			return Image{}, &APIError{Op: "result", Class: ClassRetryable, RequestID: job.RequestID, Message: err.Error()}
		}
	}
	base, err := url.Parse(job.ResponseURL)
	if err != nil {
		return Image{}, &APIError{Op: "download", Class: ClassImage, RequestID: job.RequestID, Message: "unusable response URL"}
	}
	u, err := base.Parse(ref)
	if err != nil {
		return Image{}, &APIError{Op: "download", Class: ClassImage, RequestID: job.RequestID, Message: fmt.Sprintf("unusable image URL %q", c.message(ref))}
	}
	ctx, cancel := context.WithTimeout(ctx, c.callTimeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u.String(), nil)
	if err != nil {
		return Image{}, fmt.Errorf("segmind download: %w", err)
	}
	req.Header.Set("User-Agent", c.ua)
	r, err := c.send(ctx, c.download, "download", req, maxImageBytes)
	if err != nil {
		return Image{}, withRequestID(err, job)
	}
	if r.status < 200 || r.status > 299 {
		e := c.statusError("download", r)
		e.RequestID = job.RequestID
		if e.Class == ClassFatal {
			// No key was sent: a 401/403 of the image host (an expired
			// signed URL) is about this image, not the run's key.
			e.Class = ClassImage
		}
		return Image{}, e
	}
	img, err := checkImage(r.body)
	if err != nil {
		// A truncated download may come whole next time; an image that
		// declares too many pixels will not.
		class := ClassRetryable
		if _, ok := errors.AsType[*imagecheck.TooLargeError](err); ok {
			class = ClassImage
		}
		return Image{}, &APIError{Op: "download", StatusCode: r.status, Class: class, RequestID: job.RequestID, Message: err.Error()}
	}
	return img, nil
}
