package apply

import (
	"bytes"
	"context"
	"fmt"
	"image"
	"image/png"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/imgform/imgform/internal/generate"
	"github.com/imgform/imgform/internal/model"
)

// clockedAPI is an API on synctest's clock: a job takes the model's
// published time, and every submit is noted with its time.
type clockedAPI struct {
	mu      sync.Mutex
	submits []time.Time
}

func (a *clockedAPI) Endpoint() string { return "https://api.example" }

func (a *clockedAPI) Generate(ctx context.Context, req model.Request) (*generate.Result, error) {
	return nil, fmt.Errorf("clockedAPI: only async")
}

func (a *clockedAPI) Submit(_ context.Context, req model.Request) (*model.Job, error) {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.submits = append(a.submits, time.Now())
	return &model.Job{ID: fmt.Sprintf("job-%d", len(a.submits)), Submitted: time.Now()}, nil
}

func (a *clockedAPI) Wait(ctx context.Context, job *model.Job, _ generate.WaitOptions) (*generate.Result, error) {
	done := job.Submitted.Add(time.Duration(model.NewRealityLightning.ExpectedSeconds * float64(time.Second)))
	t := time.NewTimer(time.Until(done))
	defer t.Stop()
	select {
	case <-ctx.Done():
		return nil, ctx.Err()
	case <-t.C:
	}
	var buf bytes.Buffer
	if err := png.Encode(&buf, image.NewGray(image.Rect(0, 0, 8, 8))); err != nil {
		return nil, err
	}
	return &generate.Result{Images: []model.Image{{Data: buf.Bytes(), ContentType: "image/png"}}, RequestID: job.ID}, nil
}

// A run at --rate 30/min sends no two requests closer than the spacing,
// the first at once, and takes the time the plan says (PacedTime) within
// 10%, on a driven clock: the time the rate sets is what the run takes.
func TestRunTakesThePacedTime(t *testing.T) {
	for _, n := range []int{6, 16} {
		t.Run(fmt.Sprint(n, " images"), func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				w := newWorkspace(t)
				api := &clockedAPI{}
				opts := w.options()
				opts.Generator = api
				opts.RatePerMinute = 30
				p, file, st := w.plan(tiles(n), false)
				want := PacedTime(p, 30)
				start := time.Now()
				s, err := Run(t.Context(), p, file, st, opts)
				if err != nil || s.Created != n {
					t.Fatalf("apply: %v, created %d of %d", err, s.Created, n)
				}
				took := time.Since(start)
				if !api.submits[0].Equal(start) {
					t.Errorf("the first request went after %v", api.submits[0].Sub(start))
				}
				for i := 1; i < len(api.submits); i++ {
					if gap := api.submits[i].Sub(api.submits[i-1]); gap < 2*time.Second {
						t.Errorf("requests %d and %d went %v apart at 30/min", i-1, i, gap)
					}
				}
				t.Logf("%d images at 30/min: the run took %v, the plan said %v", n, took, want)
				if off := (took - want).Abs(); off > want/10 {
					t.Errorf("the run took %v, the plan said %v: off by more than 10%%", took, want)
				}
			})
		})
	}
}
