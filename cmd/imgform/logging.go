package main

import (
	"fmt"
	"io"
	"log/slog"
	"os"

	"github.com/imgform/imgform/internal/cli"
	"github.com/imgform/imgform/internal/segmind"
	planview "github.com/imgform/imgform/internal/view"
)

// openLog returns the run's debug log, as TF_LOG is to Terraform's:
// IMGFORM_LOG names the level (TF_LOG is read when it is unset),
// IMGFORM_LOG_PATH a file to append to instead of stderr; and a function
// that closes that file. Unset, it discards everything. An unknown level
// is an error: a CI job that asks for logs and gets none has lost the run
// it needed them for. The logger is handed to the packages that log;
// none of them reads the environment.
func openLog(e *env) (*slog.Logger, func(), error) {
	name, raw := "IMGFORM_LOG", e.getenv("IMGFORM_LOG")
	if raw == "" {
		name, raw = "TF_LOG", e.getenv("TF_LOG")
	}
	level, asJSON, on, err := planview.ParseLogLevel(name, raw)
	if err != nil {
		return nil, nil, &cli.UsageError{Msg: err.Error()}
	}
	if !on {
		return slog.New(slog.DiscardHandler), func() {}, nil
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
	var secrets []string // the environment's, masked wherever they would appear
	for _, name := range []string{segmind.EnvAPIKey, "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "PGPASSWORD"} {
		if v := e.getenv(name); len(v) >= 4 {
			secrets = append(secrets, v)
		}
	}
	return planview.NewLogger(w, level, asJSON, secrets), closeFn, nil
}
