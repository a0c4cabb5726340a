package view

import (
	"fmt"
	"io"
	"log/slog"
	"os"
	"strings"
)

// levelTrace is below debug: every event of a run, besides its decisions.
const levelTrace = slog.LevelDebug - 4

// logLevels are the names of the log levels people set.
var logLevels = map[string]slog.Level{
	"error": slog.LevelError,
	"warn":  slog.LevelWarn,
	"info":  slog.LevelInfo,
	"debug": slog.LevelDebug,
	"trace": levelTrace,
}

// parseLogLevel reads a log level as set in the variable name: error,
// warn, info, debug or trace; "json" is debug as JSON where name is
// TF_LOG (terraform's TF_LOG=json). Off (or "") logs nothing: ok false.
func parseLogLevel(name, raw string) (level slog.Level, asJSON, ok bool, err error) {
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

// newLogger is a logger writing to w from level on, as text or JSON,
// that masks secrets: the values of attributes named as secrets (key,
// token, password…), URL passwords, and each of secrets wherever it
// would appear. Nothing logs a secret; if something ever did, the log
// would still not hold it.
func newLogger(w io.Writer, level slog.Level, asJSON bool, secrets []string) *slog.Logger {
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
			if l, ok := a.Value.Any().(slog.Level); ok && l <= levelTrace {
				return slog.String(slog.LevelKey, "TRACE")
			}
			return a
		}
		if a.Value.Kind() == slog.KindGroup {
			return a
		}
		if isSecretName(a.Key) {
			return slog.String(a.Key, mask)
		}
		s := a.Value.String()
		red := redactText(s)
		for _, secret := range secrets {
			red = strings.ReplaceAll(red, secret, mask)
		}
		if red != s || a.Value.Kind() == slog.KindAny {
			return slog.String(a.Key, red)
		}
		return a
	}
}

// OpenLog returns a run's debug log, as TF_LOG is to Terraform's:
// IMGFORM_LOG names the level (TF_LOG is read when it is unset), and
// IMGFORM_LOG_PATH a file to append to instead of stderr; and a function
// that closes that file. Unset, it discards everything. The values of
// the variables secretVars name are masked wherever they would appear.
// An unknown level is an error: a CI job that asks for logs and gets
// none has lost the run it needed them for.
func OpenLog(getenv func(string) string, stderr io.Writer, secretVars []string) (*slog.Logger, func(), error) {
	name, raw := "IMGFORM_LOG", getenv("IMGFORM_LOG")
	if raw == "" {
		name, raw = "TF_LOG", getenv("TF_LOG")
	}
	level, asJSON, on, err := parseLogLevel(name, raw)
	if err != nil || !on {
		return slog.New(slog.DiscardHandler), func() {}, err
	}
	w, closeFn := stderr, func() {}
	if path := getenv("IMGFORM_LOG_PATH"); path != "" {
		f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_APPEND, 0o600)
		if err != nil {
			return nil, nil, fmt.Errorf("opening IMGFORM_LOG_PATH: %w", err)
		}
		w, closeFn = f, func() { f.Close() }
	}
	var secrets []string
	for _, name := range secretVars {
		if v := getenv(name); len(v) >= 4 {
			secrets = append(secrets, v)
		}
	}
	return newLogger(w, level, asJSON, secrets), closeFn, nil
}
