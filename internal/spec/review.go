package spec

import (
	"fmt"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// maxReviewExpiry is the longest a presigned review link may last: the
// limit of SigV4 query signing.
const maxReviewExpiry = 7 * 24 * time.Hour

// checkReviewArg checks the review arguments of a cache block
// (review_url, review_expiry), saying what is wrong; "" when nothing is.
func checkReviewArg(name, v string) string {
	switch name {
	case "review_url":
		u, err := url.Parse(v)
		if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" || u.RawQuery != "" || u.Fragment != "" || u.User != nil {
			return fmt.Sprintf("review_url is the public address under which the bucket serves the review pages, such as \"https://review.example.com/\" (http or https, no query, no credentials), not %q.", v)
		}
	case "review_expiry":
		d, err := ParseAge(v)
		if err != nil || d > maxReviewExpiry {
			return fmt.Sprintf("review_expiry is how long a presigned review link works, at most 7 days, such as \"7d\" or \"72h\", not %q.", v)
		}
	}
	return ""
}

// ParseAge reads an age or a lifetime such as "30d", "12h" or "90m":
// whole days, or anything time.ParseDuration reads. It is positive.
func ParseAge(s string) (time.Duration, error) {
	if n, ok := strings.CutSuffix(s, "d"); ok {
		days, err := strconv.Atoi(n)
		if err != nil || days <= 0 || days > 100000 {
			return 0, fmt.Errorf("%q is not an age such as 30d, 12h or 90m", s)
		}
		return time.Duration(days) * 24 * time.Hour, nil
	}
	d, err := time.ParseDuration(s)
	if err != nil || d <= 0 {
		return 0, fmt.Errorf("%q is not an age such as 30d, 12h or 90m", s)
	}
	return d, nil
}
