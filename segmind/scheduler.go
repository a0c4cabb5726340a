package segmind

import (
	"fmt"
	"strings"

	"github.com/agext/levenshtein"
)

// Scheduler is one value of the model's scheduler enum.
type Scheduler struct {
	Name string
	// Confirmed is true for the eleven names the provider's page shows
	// (the ten listed plus the documented default). The other nineteen are
	// the rest of the AUTOMATIC1111 v1.6 sampler set, which the page hides
	// behind "+19 more".
	Confirmed bool
}

// Schedulers is the scheduler enum imgform accepts.
//
// The provider says there are 29 values but shows only 10 of them plus the
// default. The names are AUTOMATIC1111 sampler names, and A1111 v1.6 has 30;
// exactly one of the 19 unconfirmed names below is probably not accepted by
// the real service (Restart, PLMS and DPM adaptive are the likeliest), but
// we cannot tell which. We accept the fuller list of 30 so that no valid
// value is ever rejected here; a value the service refuses comes back as a
// 400 for that one image. Matching is exact and case-sensitive.
var Schedulers = []Scheduler{
	{Name: "DPM++ SDE", Confirmed: true},
	{Name: "DPM++ SDE Karras", Confirmed: true},
	{Name: "DPM++ 2M Karras", Confirmed: true},
	{Name: "DPM++ 2M SDE Karras", Confirmed: true},
	{Name: "DPM++ 2M SDE Heun Karras", Confirmed: true},
	{Name: "DPM++ 3M SDE Karras", Confirmed: true},
	{Name: "LMS Karras", Confirmed: true},
	{Name: "DPM2 Karras", Confirmed: true},
	{Name: "DPM2 a Karras", Confirmed: true},
	{Name: "DPM++ 2S a Karras", Confirmed: true},
	{Name: "DPM++ 2M SDE Exponential", Confirmed: true},
	{Name: "Euler a"},
	{Name: "Euler"},
	{Name: "LMS"},
	{Name: "Heun"},
	{Name: "DPM2"},
	{Name: "DPM2 a"},
	{Name: "DPM++ 2S a"},
	{Name: "DPM++ 2M"},
	{Name: "DPM++ 2M SDE"},
	{Name: "DPM++ 2M SDE Heun"},
	{Name: "DPM++ 2M SDE Heun Exponential"},
	{Name: "DPM++ 3M SDE"},
	{Name: "DPM++ 3M SDE Exponential"},
	{Name: "DPM fast"},
	{Name: "DPM adaptive"},
	{Name: "Restart"},
	{Name: "DDIM"},
	{Name: "PLMS"},
	{Name: "UniPC"},
}

// SchedulerNames returns the accepted scheduler names in table order.
func SchedulerNames() []string {
	names := make([]string, len(Schedulers))
	for i, s := range Schedulers {
		names[i] = s.Name
	}
	return names
}

// CheckScheduler reports whether name is an accepted scheduler, suggesting
// the closest accepted name when it is not.
func CheckScheduler(name string) *ParamError {
	for _, s := range Schedulers {
		if s.Name == name {
			return nil
		}
	}
	if best := ClosestScheduler(name); best != "" {
		return &ParamError{Param: "scheduler", Reason: ReasonNotAllowed, Detail: fmt.Sprintf("%q is not a scheduler this model accepts. Did you mean %q?", name, best)}
	}
	return &ParamError{Param: "scheduler", Reason: ReasonNotAllowed, Detail: fmt.Sprintf("%q is not a scheduler this model accepts. Accepted: %s.", name, quotedList(SchedulerNames()))}
}

// ClosestScheduler returns the accepted scheduler nearest to name, or ""
// when none is near enough to be a likely typo.
func ClosestScheduler(name string) string {
	want := strings.ToLower(strings.TrimSpace(name))
	best, bestDist := "", 1<<30
	for _, s := range Schedulers {
		if strings.ToLower(s.Name) == want {
			return s.Name // differs only in case or surrounding space
		}
		d := levenshtein.Distance(want, strings.ToLower(s.Name), nil)
		if d < bestDist {
			best, bestDist = s.Name, d
		}
	}
	if bestDist <= 3 || bestDist*3 <= len(want) {
		return best
	}
	return ""
}

func quotedList(names []string) string {
	q := make([]string, len(names))
	for i, n := range names {
		q[i] = fmt.Sprintf("%q", n)
	}
	return strings.Join(q, ", ")
}
