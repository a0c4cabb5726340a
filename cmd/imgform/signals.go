package main

import (
	"context"
	"os"
	"os/signal"
	"syscall"
)

func notifySignals() (<-chan os.Signal, func()) {
	ch := make(chan os.Signal, 2)
	signal.Notify(ch, os.Interrupt, syscall.SIGTERM)
	return ch, func() { signal.Stop(ch) }
}

// interrupts is how a command learns of Ctrl-C (or SIGTERM).
type interrupts struct {
	// first is closed at the first interrupt. A graceful command stops
	// starting new work then, and finishes what is in flight.
	first chan struct{}
}

// interruptContext returns the context a command runs with and the
// interrupts it sees. For most commands the first interrupt cancels the
// context at once. For a graceful one (apply) the first interrupt only
// closes first, the second cancels the context, and a third exits at once.
func interruptContext(e *env, graceful bool) (context.Context, *interrupts, func()) {
	ctx, cancel := context.WithCancel(context.Background())
	in := &interrupts{first: make(chan struct{})}
	sigs, stopSignals := e.signals()
	done := make(chan struct{})
	go func() {
		select {
		case <-sigs:
		case <-done:
			return
		}
		close(in.first)
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
		// A third interrupt: whatever is still running is abandoned. The
		// state lock goes with the process; submitted jobs stay journaled.
		select {
		case <-sigs:
			os.Exit(exitInterrupted)
		case <-done:
		}
	}()
	return ctx, in, func() {
		close(done)
		stopSignals()
		cancel()
	}
}
