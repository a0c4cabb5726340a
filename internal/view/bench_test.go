package view

import (
	"fmt"
	"io"
	"testing"

	"github.com/imgform/imgform/internal/model"
	"github.com/imgform/imgform/internal/plan"
)

// BenchmarkWriteText10k renders a plan of 10,000 creates as text.
func BenchmarkWriteText10k(b *testing.B) {
	p := &plan.Plan{FormatVersion: plan.FormatVersion}
	for i := range 10_000 {
		req := model.NewRequest(model.Default).WithPrompt(fmt.Sprintf("item %d, game icon, flat colours", i)).WithSeed(int64(i))
		p.Changes = append(p.Changes, &plan.Change{Address: fmt.Sprintf(`image.icon["k%05d"]`, i), Action: plan.Create,
			Reasons: []plan.Reason{{Kind: plan.ReasonNew, Message: "not in the state"}}, Request: &req, InputHash: req.InputHash(),
			Outputs: []string{fmt.Sprintf("icons/%03d/k%05d.png", i/100, i)}, Write: []int{0}, Cost: 1})
	}
	p.Summary.Create, p.Summary.Generate = 10_000, 10_000
	b.ReportAllocs()
	for b.Loop() {
		if err := WriteText(io.Discard, p, TextOptions{}); err != nil {
			b.Fatal(err)
		}
	}
}
