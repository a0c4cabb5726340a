package main

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"strings"
	"syscall"
	"time"

	"github.com/spf13/pflag"

	"github.com/imgform/imgform/internal/cli"
	"github.com/imgform/imgform/internal/segmind/emulator"
	planview "github.com/imgform/imgform/internal/view"
)

type emulateOptions struct {
	addr     string
	addrFile string
	quiet    bool
	server   emulator.Options
}

func (o *emulateOptions) AddFlags(fs *pflag.FlagSet) {
	fs.StringVar(&o.addr, "addr", "127.0.0.1:8787", "listen on `HOST:PORT` (port 0 picks a free one)")
	fs.StringVar(&o.addrFile, "addr-file", "", "write the base URL it serves on to `FILE` once listening (for scripts using port 0)")
	fs.StringVar(&o.server.APIKey, "api-key", "", "require this `KEY` in x-api-key (default: any non-empty key)")
	fs.DurationVar(&o.server.Latency, "latency", 800*time.Millisecond, "server-side inference time per image")
	fs.IntVar(&o.server.MaxConcurrency, "max-concurrency", 0, "images in progress at once; requests past it get 429 with Retry-After (0: unlimited)")
	fs.Float64Var(&o.server.FailRate, "fail-rate", 0, "fraction of requests answered with a random 500, 502 or 504")
	fs.Int64Var(&o.server.FailSeed, "fail-seed", 1, "seed of the fault injection, so that runs repeat")
	fs.StringSliceVar(&o.server.Blocklist, "blocklist", nil, "prompts containing one of these `WORD`s end FAILED, like a content block")
	fs.IntVar(&o.server.Credits, "credits", -1, "images it generates before answering 406 (-1: unlimited)")
	fs.IntVar(&o.server.RPM, "rpm", 0, "limit billable requests (v1 generates, v2 submits) to `N` a minute, as an account's rate limit; past it, 429 with Retry-After (0: unlimited)")
	fs.IntVar(&o.server.RPMBurst, "rpm-burst", 0, "billable requests allowed at once under --rpm, `B` tokens at most (0: N/60, at least 1)")
	fs.DurationVar(&o.server.Retention, "retention", emulator.DefaultRetention, "how long async results live")
	fs.BoolVar(&o.quiet, "quiet", false, "do not log each request")
}

func emulateCommand() *command {
	var o emulateOptions
	return &command{
		Name:  "emulate",
		Short: "Serve the NewReality Lightning SDXL API locally",
		Long:  planview.CommandHelp("emulate"),
		Flags: o.AddFlags,
		Run:   o.run,
	}
}

func (o *emulateOptions) run(ctx context.Context, e *env, _ []string) error {
	switch {
	case o.server.FailRate < 0 || o.server.FailRate > 1:
		return &cli.UsageError{Msg: "--fail-rate must be between 0 and 1", Path: "emulate"}
	case o.server.RPM < 0 || o.server.RPMBurst < 0:
		return &cli.UsageError{Msg: "--rpm and --rpm-burst must be 0 or more", Path: "emulate"}
	}
	ln, err := net.Listen("tcp", o.addr)
	if err != nil {
		if errors.Is(err, syscall.EADDRINUSE) {
			return fmt.Errorf("cannot serve on %s: the address is already in use; stop what runs there or choose another with --addr", o.addr)
		}
		return fmt.Errorf("cannot serve on %s: %w", o.addr, err)
	}
	opts := o.server
	if !o.quiet {
		opts.Log = e.stderr
	}
	srv := emulator.New(opts)
	defer srv.Close()
	base := "http://" + ln.Addr().String()
	if o.addrFile != "" {
		if err := os.WriteFile(o.addrFile, []byte(base+"\n"), 0o644); err != nil {
			ln.Close()
			return fmt.Errorf("writing --addr-file: %w", err)
		}
	}
	fmt.Fprintf(e.stderr, "imgform emulate: serving the %s API on %s\nSet SEGMIND_BASE_URL=%s (and any SEGMIND_API_KEY) to use it. Ctrl-C stops it.\n",
		"NewReality Lightning SDXL", base, base)
	if len(o.server.Blocklist) > 0 {
		fmt.Fprintf(e.stderr, "Blocklist: %s\n", strings.Join(o.server.Blocklist, ", "))
	}
	return emulator.Serve(ctx, ln, srv)
}
