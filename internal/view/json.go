package view

import (
	"encoding/json"
	"fmt"
	"io"

	"github.com/imgform/imgform/internal/plan"
)

// WriteJSON writes the plan as one JSON document (plan --json): its
// public form, plan.Document, described in docs/plan-json.md.
func WriteJSON(w io.Writer, p *plan.Plan) error {
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	if err := enc.Encode(p.Document()); err != nil {
		return fmt.Errorf("writing plan as JSON: %w", err)
	}
	return nil
}
