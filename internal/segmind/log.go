package segmind

import (
	"bytes"
	"context"
	"encoding/json"
	"log/slog"
	"net/http"
	"net/url"
	"time"
)

// logCall logs one exchange with the API at debug level: the operation,
// method, endpoint (without its query, which a result URL may sign),
// status, the request id when the answer names one, and how long it
// took. Never a header: the key is one.
func (c *Client) logCall(ctx context.Context, op string, req *http.Request, status int, header http.Header, body []byte, took time.Duration, err error) {
	if !c.log.Enabled(ctx, slog.LevelDebug) {
		return
	}
	attrs := []slog.Attr{
		slog.String("op", op),
		slog.String("method", req.Method),
		slog.String("endpoint", endpointOf(req.URL)),
	}
	if status != 0 {
		attrs = append(attrs, slog.Int("status", status))
	}
	if id := requestIDOf(header, body); id != "" {
		attrs = append(attrs, slog.String("request_id", id))
	}
	attrs = append(attrs, slog.Duration("duration", took.Round(time.Millisecond)))
	if body != nil {
		attrs = append(attrs, slog.Int("bytes", len(body)))
	}
	if err != nil {
		attrs = append(attrs, slog.String("error", err.Error()))
	}
	c.log.LogAttrs(ctx, slog.LevelDebug, "api call", attrs...)
}

// endpointOf is u without its query, fragment or user.
func endpointOf(u *url.URL) string {
	v := *u
	v.RawQuery, v.Fragment, v.User = "", "", nil
	return v.String()
}

// requestIDOf is the request id an answer names: a header the service or
// a proxy sets, or the "request_id" of a small JSON answer (v2).
func requestIDOf(h http.Header, body []byte) string {
	for _, name := range []string{"X-Request-Id", "X-Amzn-Requestid", "Cf-Ray"} {
		if v := h.Get(name); v != "" {
			return v
		}
	}
	if len(body) == 0 || len(body) > 64<<10 || !bytes.HasPrefix(bytes.TrimSpace(body), []byte("{")) {
		return ""
	}
	var v struct {
		RequestID string `json:"request_id"`
	}
	if json.Unmarshal(body, &v) == nil {
		return v.RequestID
	}
	return ""
}
