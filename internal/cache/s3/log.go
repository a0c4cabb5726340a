package s3

import (
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"time"
)

// logTransport logs each request to the bucket at debug level: method,
// endpoint (without the query, which a presigned URL signs with),
// status, the request id S3 gives, and how long it took. Never a header:
// the signature and the session token are in them.
type logTransport struct {
	next http.RoundTripper
	log  *slog.Logger
}

func (t logTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	if !t.log.Enabled(req.Context(), slog.LevelDebug) {
		return t.next.RoundTrip(req)
	}
	start := time.Now()
	resp, err := t.next.RoundTrip(req)
	u := *req.URL
	u.RawQuery, u.Fragment, u.User = "", "", nil
	attrs := []slog.Attr{slog.String("method", req.Method), slog.String("endpoint", u.String())}
	if req.URL.RawQuery != "" {
		// Which sub-resource, without values: ?uploads, ?list-type, not a signature.
		q, _ := url.ParseQuery(req.URL.RawQuery)
		var keys []string
		for k := range q {
			if len(k) < 32 && !isSigning(k) {
				keys = append(keys, k)
			}
		}
		if len(keys) > 0 {
			attrs = append(attrs, slog.Any("query_keys", keys))
		}
	}
	if resp != nil {
		attrs = append(attrs, slog.Int("status", resp.StatusCode))
		if id := resp.Header.Get("X-Amz-Request-Id"); id != "" {
			attrs = append(attrs, slog.String("request_id", id))
		}
	}
	attrs = append(attrs, slog.Duration("duration", time.Since(start).Round(time.Millisecond)))
	if err != nil {
		attrs = append(attrs, slog.String("error", err.Error()))
	}
	t.log.LogAttrs(req.Context(), slog.LevelDebug, "s3 call", attrs...)
	return resp, err
}

// isSigning reports a query parameter of a request's signature.
func isSigning(k string) bool {
	return len(k) > 6 && strings.EqualFold(k[:6], "x-amz-")
}
