package review

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/imgform/imgform/internal/spec"
)

// PublishSettings are what the cache block (publish, review_url,
// review_expiry) and preview's flags say about publishing.
type PublishSettings struct {
	Publish   bool
	PublicURL string
	// Expiry of presigned links; 0 is MaxExpiry.
	Expiry time.Duration
}

// Prepare turns the settings into the options of this run's Publish:
// the id from CI (see iDFromEnv), the expiry checked. skip, when not "",
// is why this run must not publish (see whyNotPublish): the page then
// stays a local folder.
func Prepare(s PublishSettings, getenv func(string) string, readFile func(string) ([]byte, error), now time.Time) (opt PublishOptions, skip string, err error) {
	if reason := whyNotPublish(getenv, readFile); reason != "" {
		return PublishOptions{}, reason, nil
	}
	expiry := s.Expiry
	if expiry == 0 {
		expiry = MaxExpiry
	}
	if expiry < 0 || expiry > MaxExpiry {
		return PublishOptions{}, "", fmt.Errorf("a presigned review link lasts at most 7 days (168h), not %s", expiry)
	}
	if s.PublicURL != "" {
		if _, err := PublicBase(s.PublicURL); err != nil {
			return PublishOptions{}, "", err
		}
	}
	id, _, err := iDFromEnv(getenv)
	if err != nil {
		return PublishOptions{}, "", err
	}
	return PublishOptions{ID: id, PublicURL: s.PublicURL, Expiry: expiry, Now: now}, "", nil
}

// Event is preview --json's line about the published page.
type Event struct {
	Type      string     `json:"type"` // "review"
	Published bool       `json:"published"`
	Page      string     `json:"page"` // the local index.html
	Reason    string     `json:"reason,omitempty"`
	Review    *Published `json:"review,omitempty"`
}

// Report tells where the published page is: one JSON line (Event) with
// asJSON, else a sentence with the URL, or why it was not published.
func Report(w io.Writer, pub *Published, skip, page string, asJSON bool) error {
	if asJSON {
		data, err := json.Marshal(Event{Type: "review", Published: pub != nil, Page: page, Reason: skip, Review: pub})
		if err != nil {
			return err
		}
		_, err = fmt.Fprintf(w, "%s\n", data)
		return err
	}
	var err error
	switch {
	case pub == nil:
		_, err = fmt.Fprintf(w, "Not publishing the review page: %s. It is in %s only.\n", skip, page)
	case pub.Expires != nil:
		_, err = fmt.Fprintf(w, "Published the review page (%d files uploaded, %d images linked from the cache); open it with no credentials until %s:\n%s\n",
			pub.Uploaded, pub.Linked, pub.Expires.Format("2006-01-02 15:04 MST"), pub.URL)
	default:
		_, err = fmt.Fprintf(w, "Published the review page (%d files uploaded):\n%s\n", pub.Uploaded, pub.URL)
	}
	return err
}

// ReadPublishSettings reads what the team cache block (its arguments;
// nil when there is none) and the flags say about publishing: publish
// (nil when --publish was not given) and expiry ("" when
// --review-expiry was not). Publish is false when nobody asked for it.
// It is read before anything is paid, so that a mistake costs nothing.
func ReadPublishSettings(block map[string]string, publish *bool, expiry string) (s PublishSettings, err error) {
	s.Publish = block["publish"] == "true"
	if publish != nil {
		s.Publish = *publish
	}
	if !s.Publish {
		return s, nil
	}
	if block == nil {
		return s, errors.New("--publish puts the review page in the team cache's bucket, and this configuration names none (no cache \"s3\" block)")
	}
	s.PublicURL = block["review_url"]
	if expiry == "" {
		expiry = block["review_expiry"]
	}
	if expiry != "" {
		if s.Expiry, err = spec.ParseAge(expiry); err != nil || s.Expiry > MaxExpiry {
			return s, fmt.Errorf("--review-expiry %q: a presigned link works for at most 7 days (such as 7d or 72h)", expiry)
		}
	}
	return s, nil
}
