package view

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestChangedPart(t *testing.T) {
	long := strings.Repeat("highly detailed, ", 12) // 204 characters
	tests := map[string]struct {
		old, new         string
		wantOld, wantNew string
	}{
		"short values are shown whole": {
			old: `"a steel sword"`, new: `"a golden sword"`,
			wantOld: `"a steel sword"`, wantNew: `"a golden sword"`,
		},
		"a change at the end of a long prompt": {
			old: `"` + long + `castle"`, new: `"` + long + `fortress"`,
			wantOld: "…" + long[len(long)-40:] + `castle"`, wantNew: "…" + long[len(long)-40:] + `fortress"`,
		},
		"a change at the start of a long prompt": {
			old: `"red ` + long + `"`, new: `"blue ` + long + `"`,
			wantOld: `"red ` + long[:39] + "…", wantNew: `"blue ` + long[:39] + "…",
		},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			gotOld, gotNew := changedPart(tc.old, tc.new)
			if diff := cmp.Diff([]string{tc.wantOld, tc.wantNew}, []string{gotOld, gotNew}); diff != "" {
				t.Errorf("changedPart (-want +got):\n%s", diff)
			}
		})
	}
}
