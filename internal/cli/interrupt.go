package cli

import (
	"context"
	"os"
	"os/signal"
	"syscall"
)

// NotifySignals delivers the process's interrupts (Ctrl-C, SIGTERM) on a
// channel, until the function returned is called.
func NotifySignals() (<-chan os.Signal, func()) {
	ch := make(chan os.Signal, 2)
	signal.Notify(ch, os.Interrupt, syscall.SIGTERM)
	return ch, func() { signal.Stop(ch) }
}

// Interrupts is how a command learns of Ctrl-C (or SIGTERM).
type Interrupts struct {
	// First is closed at the first interrupt. A graceful command stops
	// starting new work then, and finishes what is in flight.
	First chan struct{}
}

// InterruptContext returns the context a command runs with and the
// interrupts it sees, from sigs. For most commands the first interrupt
// cancels the context at once. For a graceful one (apply) the first
// interrupt only closes First, the second cancels the context, and a
// third exits the process at once with exitCode. stop cancels the
// context and stops watching sigs; the caller stops their delivery
// (signal.Stop) itself.
func InterruptContext(sigs <-chan os.Signal, graceful bool, exitCode int) (_ context.Context, _ *Interrupts, stop func()) {
	ctx, cancel := context.WithCancel(context.Background())
	in := &Interrupts{First: make(chan struct{})}
	done := make(chan struct{})
	go func() {
		select {
		case <-sigs:
		case <-done:
			return
		}
		close(in.First)
		if !graceful {
			cancel()
			return
		}
		select {
		case <-sigs:
			cancel()
		case <-done:
			return
		}
		// A third interrupt: whatever is still running is abandoned.
		select {
		case <-sigs:
			os.Exit(exitCode)
		case <-done:
		}
	}()
	return ctx, in, func() {
		close(done)
		cancel()
	}
}
