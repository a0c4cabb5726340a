package plan

import (
	"encoding/json"
	"fmt"
	"io"
)

// WriteJSON writes the plan as one JSON document (plan --json); its shape
// is described in JSON.md.
func WriteJSON(w io.Writer, p *Plan) error {
	out := *p
	if out.Changes == nil {
		out.Changes = []*Change{} // an empty plan has "changes": [], not null
	}
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	if err := enc.Encode(&out); err != nil {
		return fmt.Errorf("writing plan as JSON: %w", err)
	}
	return nil
}
