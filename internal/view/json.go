package view

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"

	"github.com/imgform/imgform/internal/plan"
)

// WriteJSON writes the plan as one JSON document (plan --json): its
// public form, plan.Document, described in docs/plan-json.md, indented
// by two spaces, as json.Encoder with SetIndent("", "  ") writes it.
//
// A catalog's plan holds a change per image, and the document of 100,000
// changes is tens of megabytes: it is streamed, each change converted and
// encoded on its own into a small buffer and written out, so that neither
// the whole document nor all of its changes' public forms are ever in
// memory at once (indenting one large buffer was half of plan --json's
// time).
func WriteJSON(w io.Writer, p *plan.Plan) error {
	if err := writeJSON(w, p); err != nil {
		return fmt.Errorf("writing plan as JSON: %w", err)
	}
	return nil
}

// changesMember is how the empty changes array of DocumentHead is
// indented: no JSON string holds a newline, so it is found only where the
// member is.
var changesMember = []byte("\n  \"changes\": []")

func writeJSON(w io.Writer, p *plan.Plan) error {
	var buf bytes.Buffer
	head := json.NewEncoder(&buf)
	head.SetEscapeHTML(false)
	head.SetIndent("", "  ")
	if err := head.Encode(p.DocumentHead()); err != nil {
		return err
	}
	doc := bytes.Clone(buf.Bytes())
	at := bytes.Index(doc, changesMember)
	if at < 0 {
		return errors.New("the plan's document has no changes member")
	}
	open := at + len(changesMember) - 1 // the "]" closing the empty array

	out := bufio.NewWriterSize(w, 256<<10)
	out.Write(doc[:open])
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	enc.SetIndent("    ", "  ")
	for i, c := range p.Changes {
		buf.Reset()
		if err := enc.Encode(c.Document()); err != nil {
			return err
		}
		if i > 0 {
			out.WriteByte(',')
		}
		out.WriteString("\n    ")
		out.Write(bytes.TrimSuffix(buf.Bytes(), []byte("\n")))
	}
	if len(p.Changes) > 0 {
		out.WriteString("\n  ")
	}
	out.Write(doc[open:])
	return out.Flush()
}
