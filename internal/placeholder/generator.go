package placeholder

import (
	"context"

	"github.com/imgform/imgform/internal/generate"
	"github.com/imgform/imgform/internal/model"
)

// Generator renders placeholders in place of a model's images: apply
// --offline, and the restore of an image that was made offline. It never
// calls anything, costs nothing, and answers at once.
type Generator struct {
	Maker Maker
}

var _ generate.Generator = Generator{}

// Endpoint is "offline": no API made the images.
func (g Generator) Endpoint() string { return "offline" }

// Generate renders every sample of req.
func (g Generator) Generate(ctx context.Context, req model.Request) (*generate.Result, error) {
	res := &generate.Result{Placeholder: true}
	for i := range req.Samples() {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		data, err := Render(req, i, g.Maker)
		if err != nil {
			return nil, &generate.Error{Op: "render", Reason: generate.Rejected, Message: err.Error()}
		}
		res.Images = append(res.Images, model.Image{Data: data, ContentType: "image/png"})
	}
	return res, nil
}
