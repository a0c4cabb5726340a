package state

import "fmt"

// CheckPush is the rule of what may replace a stored state (imgform state
// push, and the move of a local state into a shared backend): anything in
// an empty workspace; otherwise a state of the same lineage and a later
// serial, unless forced. The backend's Push then stores it as it is.
func CheckPush(stored, pushed *State, force bool) error {
	if force || (stored.Lineage == "" && len(stored.Images) == 0) {
		return nil
	}
	switch {
	case stored.Lineage != pushed.Lineage:
		return fmt.Errorf("the stored state is of lineage %s, the file of %s: they are not one state's history. --force replaces it", stored.Lineage, pushed.Lineage)
	case pushed.Serial <= stored.Serial:
		return fmt.Errorf("the stored state (serial %d) is as new as the file (serial %d) or newer. --force replaces it", stored.Serial, pushed.Serial)
	}
	return nil
}
