package state

import (
	"sort"
	"time"
)

// InferenceTimes returns the server's inference times the state
// recorded, most recent last (by output mtime), at most 32.
func (st *State) InferenceTimes() []float64 {
	type rec struct {
		t    float64
		when time.Time
	}
	var recs []rec
	for _, e := range st.Images {
		if e.Generator != GeneratorAPI {
			continue
		}
		for _, o := range e.Outputs {
			if o.InferenceTime > 0 {
				recs = append(recs, rec{o.InferenceTime, o.ModTime})
				break // one per request: the samples share it
			}
		}
	}
	sort.Slice(recs, func(i, j int) bool { return recs[i].when.Before(recs[j].when) })
	if len(recs) > 32 {
		recs = recs[len(recs)-32:]
	}
	out := make([]float64, len(recs))
	for i, r := range recs {
		out[i] = r.t
	}
	return out
}
