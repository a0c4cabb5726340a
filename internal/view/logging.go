package view

import (
	"fmt"
	"io"
	"log/slog"
	"strings"
)

// LevelTrace is below debug: every event of a run, besides its decisions.
const LevelTrace = slog.LevelDebug - 4

// logLevels are the names of the log levels people set.
var logLevels = map[string]slog.Level{
	"error": slog.LevelError,
	"warn":  slog.LevelWarn,
	"info":  slog.LevelInfo,
	"debug": slog.LevelDebug,
	"trace": LevelTrace,
}

// ParseLogLevel reads a log level as set in the variable name: error,
// warn, info, debug or trace; "json" is debug as JSON where name is
// TF_LOG (terraform's TF_LOG=json). Off (or "") logs nothing: ok false.
func ParseLogLevel(name, raw string) (level slog.Level, asJSON, ok bool, err error) {
	if raw == "" || strings.EqualFold(raw, "off") {
		return 0, false, false, nil
	}
	asJSON = strings.EqualFold(raw, "json")
	level, ok = logLevels[strings.ToLower(strings.TrimSpace(raw))]
	if !ok {
		if !asJSON || name != "TF_LOG" {
			return 0, false, false, fmt.Errorf("%s=%q is not a log level: use error, warn, info, debug or trace (or unset it for no log)", name, raw)
		}
		level = slog.LevelDebug
	}
	return level, asJSON, true, nil
}

// NewLogger is a logger writing to w from level on, as text or JSON,
// that masks secrets: the values of attributes named as secrets (key,
// token, password…), URL passwords, and each of secrets wherever it
// would appear. Nothing logs a secret; if something ever did, the log
// would still not hold it.
func NewLogger(w io.Writer, level slog.Level, asJSON bool, secrets []string) *slog.Logger {
	opts := &slog.HandlerOptions{Level: level, ReplaceAttr: redactAttr(secrets)}
	if asJSON {
		return slog.New(slog.NewJSONHandler(w, opts))
	}
	return slog.New(slog.NewTextHandler(w, opts))
}

// redactAttr masks secrets in log attributes, and names the trace level.
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
		if IsSecretName(a.Key) {
			return slog.String(a.Key, Mask)
		}
		s := a.Value.String()
		red := RedactText(s)
		for _, secret := range secrets {
			red = strings.ReplaceAll(red, secret, Mask)
		}
		if red != s || a.Value.Kind() == slog.KindAny {
			return slog.String(a.Key, red)
		}
		return a
	}
}
