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

// interruptContext returns a context that is cancelled by the first
// interrupt (Ctrl-C or SIGTERM).
func interruptContext(e *env) (context.Context, func()) {
	ctx, cancel := context.WithCancel(context.Background())
	sigs, stopSignals := e.signals()
	done := make(chan struct{})
	go func() {
		select {
		case <-sigs:
			cancel()
		case <-done:
		}
	}()
	return ctx, func() {
		close(done)
		stopSignals()
		cancel()
	}
}
