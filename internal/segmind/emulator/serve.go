package emulator

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"time"
)

// shutdownTimeout is how long Serve lets requests in flight finish once
// its context is done.
const shutdownTimeout = 5 * time.Second

// Serve serves s on ln until ctx is done, then shuts down gracefully:
// it stops accepting connections and lets requests in flight finish for a
// few seconds. It returns nil on a clean shutdown. It does not Close s.
func Serve(ctx context.Context, ln net.Listener, s *Server) error {
	srv := &http.Server{
		Handler:           s,
		ReadHeaderTimeout: 10 * time.Second,
	}
	served := make(chan error, 1)
	go func() { served <- srv.Serve(ln) }()

	select {
	case err := <-served:
		// Serve returned before ctx was done: the listener failed.
		return fmt.Errorf("emulator: serve on %s: %w", ln.Addr(), err)
	case <-ctx.Done():
	}

	shutdownCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), shutdownTimeout)
	defer cancel()
	if err := srv.Shutdown(shutdownCtx); err != nil {
		closeErr := srv.Close()
		<-served
		return fmt.Errorf("emulator: shutdown: %w", errors.Join(err, closeErr))
	}
	if err := <-served; err != nil && !errors.Is(err, http.ErrServerClosed) {
		return fmt.Errorf("emulator: serve on %s: %w", ln.Addr(), err)
	}
	return nil
}
