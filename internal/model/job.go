package model

import "time"

// Job is a request submitted to be made later: what must be kept (in the
// job journal) to follow it to its images without paying for it again.
// The generator port hands it out, and the journal records it as it is.
type Job struct {
	ID          string    `json:"request_id"`
	StatusURL   string    `json:"status_url"`
	ResponseURL string    `json:"response_url"`
	Submitted   time.Time `json:"submitted"`
}
