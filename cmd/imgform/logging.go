package main

import (
	"fmt"
	"io"
	"log/slog"
	"os"
	"strings"

	"github.com/imgform/imgform/internal/segmind"
	planview "github.com/imgform/imgform/internal/view"
)

// Debug logging, as TF_LOG is to Terraform: IMGFORM_LOG names the level
// (TF_LOG is read when it is unset), IMGFORM_LOG_PATH a file to append to
// instead of stderr. Unset, nothing is logged and the output is what it
// always was. The logger is handed to the packages that log (the API
// client, the S3 cache, the engine); none of them reads the environment.

// LevelTrace is below debug: every event of a run, besides its decisions.
const LevelTrace = slog.LevelDebug - 4

// logLevels are IMGFORM_LOG's values.
var logLevels = map[string]slog.Level{
	"error": slog.LevelError,
	"warn":  slog.LevelWarn,
	"info":  slog.LevelInfo,
	"debug": slog.LevelDebug,
	"trace": LevelTrace,
}

// openLog returns the run's logger, and a function that closes its file;
// a logger that discards everything when no level is set. An unknown
// level is an error: a CI job that asks for logs and gets none has lost
// the run it needed them for.
func openLog(e *env) (*slog.Logger, func(), error) {
	name, raw := "IMGFORM_LOG", e.getenv("IMGFORM_LOG")
	if raw == "" {
		name, raw = "TF_LOG", e.getenv("TF_LOG")
	}
	if raw == "" || strings.EqualFold(raw, "off") {
		return slog.New(slog.DiscardHandler), func() {}, nil
	}
	level, ok := logLevels[strings.ToLower(strings.TrimSpace(raw))]
	if !ok {
		if strings.EqualFold(raw, "json") && name == "TF_LOG" {
			level, ok = slog.LevelDebug, true // terraform's TF_LOG=json: debug, as JSON below
		} else {
			return nil, nil, &usageError{msg: fmt.Sprintf("%s=%q is not a log level: use error, warn, info, debug or trace (or unset it for no log)", name, raw)}
		}
	}
	var w io.Writer = e.stderr
	closeFn := func() {}
	if path := e.getenv("IMGFORM_LOG_PATH"); path != "" {
		f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_APPEND, 0o600)
		if err != nil {
			return nil, nil, fmt.Errorf("opening IMGFORM_LOG_PATH: %w", err)
		}
		w, closeFn = f, func() { f.Close() }
	}
	opts := &slog.HandlerOptions{Level: level, ReplaceAttr: redactAttr(secretValues(e))}
	var h slog.Handler = slog.NewTextHandler(w, opts)
	if strings.EqualFold(raw, "json") {
		h = slog.NewJSONHandler(w, opts)
	}
	return slog.New(h), closeFn, nil
}

// secretValues are the secrets of the environment, masked wherever they
// would appear in a log line: nothing logs them, and if something ever
// did, the log would still not hold them.
func secretValues(e *env) []string {
	var out []string
	for _, name := range []string{segmind.EnvAPIKey, "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "PGPASSWORD"} {
		if v := e.getenv(name); len(v) >= 4 {
			out = append(out, v)
		}
	}
	return out
}

// redactAttr masks secrets in log attributes: the values of attributes
// named as secrets are (key, token, password…), URL passwords, and the
// environment's secret values.
func redactAttr(secrets []string) func([]string, slog.Attr) slog.Attr {
	return func(_ []string, a slog.Attr) slog.Attr {
		if a.Key == slog.LevelKey {
			if l, ok := a.Value.Any().(slog.Level); ok && l <= LevelTrace {
				return slog.String(slog.LevelKey, "TRACE")
			}
			return a
		}
		if a.Value.Kind() == slog.KindGroup {
			return a
		}
		if planview.IsSecretName(a.Key) {
			return slog.String(a.Key, planview.Mask)
		}
		s := a.Value.String()
		red := planview.RedactText(s)
		for _, secret := range secrets {
			red = strings.ReplaceAll(red, secret, planview.Mask)
		}
		if red != s || a.Value.Kind() == slog.KindAny {
			return slog.String(a.Key, red)
		}
		return a
	}
}
