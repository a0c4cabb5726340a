package state

import (
	"strings"
	"testing"
)

func TestCheckPush(t *testing.T) {
	stored := &State{Lineage: "a", Serial: 5, Images: map[string]*Entry{"image.x": {}}}
	for name, tc := range map[string]struct {
		stored, pushed *State
		force          bool
		want           string // "" = allowed
	}{
		"into an empty workspace":  {stored: &State{}, pushed: &State{Lineage: "b", Serial: 1}},
		"a later serial":           {stored: stored, pushed: &State{Lineage: "a", Serial: 6}},
		"the same serial":          {stored: stored, pushed: &State{Lineage: "a", Serial: 5}, want: "as new as the file"},
		"an older serial":          {stored: stored, pushed: &State{Lineage: "a", Serial: 4}, want: "or newer"},
		"another lineage":          {stored: stored, pushed: &State{Lineage: "b", Serial: 9}, want: "not one state's history"},
		"another lineage, forced":  {stored: stored, pushed: &State{Lineage: "b", Serial: 1}, force: true},
		"an older serial, forced":  {stored: stored, pushed: &State{Lineage: "a", Serial: 1}, force: true},
		"a lineage with no images": {stored: &State{Lineage: "a"}, pushed: &State{Lineage: "b", Serial: 1}, want: "not one state's history"},
	} {
		t.Run(name, func(t *testing.T) {
			err := CheckPush(tc.stored, tc.pushed, tc.force)
			switch {
			case tc.want == "" && err != nil:
				t.Errorf("refused: %v", err)
			case tc.want != "" && (err == nil || !strings.Contains(err.Error(), tc.want)):
				t.Errorf("CheckPush = %v, want an error saying %q", err, tc.want)
			case tc.want != "" && !tc.force && !strings.Contains(err.Error(), "--force replaces it"):
				t.Errorf("the refusal does not say how to force it: %v", err)
			}
		})
	}
}
