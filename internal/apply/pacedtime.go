package apply

import (
	"time"

	"github.com/imgform/imgform/internal/generate"
	"github.com/imgform/imgform/internal/plan"
)

// PacedTime estimates how long applying p takes when its billable
// requests are paced at perMinute (--rate): the first request goes at
// once, each other one generate.Spacing after the one before, and the
// last one's image takes the model's published time. It is the time the
// rate sets; a run whose --parallelism is too low for the rate takes
// longer. 0 when nothing is paced.
func PacedTime(p *plan.Plan, perMinute float64) time.Duration {
	n := p.Requests()
	if n == 0 || perMinute <= 0 {
		return 0
	}
	var image float64
	for _, c := range p.Changes {
		if c.Cost > 0 && c.Request != nil {
			image = max(image, c.Request.Schema().ExpectedSeconds)
		}
	}
	return generate.SendingTime(n, perMinute) + time.Duration(image*float64(time.Second))
}
