package apply

import (
	"context"
	"log/slog"
	"time"

	"github.com/imgform/imgform/internal/state"
)

// levelTrace is the level of the events a run logs besides its
// decisions (a change started, finished): below debug.
const levelTrace = slog.LevelDebug - 4

// logEvent writes an event to the run's log: retries, throttles and
// warnings at info (what went wrong and why), cache hits and submits at
// debug, the rest at trace.
func (p *report) logEvent(e Event) {
	level := levelTrace
	switch e.Type {
	case EventRetry, EventThrottled, EventWarning, EventFailed, EventKept:
		level = slog.LevelInfo
	case EventCacheHit, EventSubmitted, EventResumed:
		level = slog.LevelDebug
	}
	ctx := context.Background()
	if !p.log.Enabled(ctx, level) {
		return
	}
	attrs := []slog.Attr{slog.String("event", string(e.Type))}
	add := func(cond bool, a slog.Attr) {
		if cond {
			attrs = append(attrs, a)
		}
	}
	add(e.Address != "", slog.String("address", e.Address))
	add(e.Action != "", slog.String("action", string(e.Action)))
	add(e.Source != "", slog.String("source", string(e.Source)))
	add(e.RequestID != "", slog.String("request_id", e.RequestID))
	add(e.Path != "", slog.String("path", e.Path))
	add(e.Attempt > 0, slog.Int("attempt", e.Attempt))
	add(e.Delay > 0, slog.Duration("delay", e.Delay))
	add(e.Duration > 0, slog.Duration("duration", e.Duration.Round(time.Millisecond)))
	add(e.Concurrency > 0, slog.Int("concurrency", e.Concurrency))
	add(e.Total > 0, slog.Int("total", e.Total))
	add(e.Message != "", slog.String("reason", e.Message))
	p.log.LogAttrs(ctx, level, "apply", attrs...)
}

// loggedSaver logs each checkpoint: the state saved (or not, and why),
// its size, and what the save took.
type loggedSaver struct {
	state.Saver
	log *slog.Logger
}

func (s loggedSaver) Save(ctx context.Context, st *state.State) (bool, error) {
	start := time.Now()
	wrote, err := s.Saver.Save(ctx, st)
	took := time.Since(start).Round(time.Millisecond)
	switch {
	case err != nil:
		s.log.Info("checkpoint failed", "images", len(st.Images), "duration", took, "error", err)
	default:
		s.log.Debug("checkpoint", "images", len(st.Images), "wrote", wrote, "duration", took)
	}
	return wrote, err
}
