package plan

import (
	"strings"

	"github.com/imgform/imgform/internal/model"
)

// diffParams lists the parameters whose canonical values differ, in the
// schema's order. The model is not among them: one imgform drives one
// model, and a model change is a change of every hash anyway.
func diffParams(old, new model.Request) []ParamDiff {
	var out []ParamDiff
	oldParams, newParams := old.DisplayParams(), new.DisplayParams()
	for i := range newParams {
		if oldParams[i].Value != newParams[i].Value {
			out = append(out, ParamDiff{Name: newParams[i].Name, Old: oldParams[i].Value, New: newParams[i].Value})
		}
	}
	return out
}

// paramsMessage says which parameters changed, by name.
func paramsMessage(diff []ParamDiff) string {
	if len(diff) == 0 {
		return "the request changed"
	}
	names := make([]string, len(diff))
	for i, d := range diff {
		names[i] = d.Name
	}
	return "changed: " + strings.Join(names, ", ")
}
