package segmind

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"math"
	"net/http"
	"strconv"
	"strings"

	"github.com/imgform/imgform/internal/generate"
	"github.com/imgform/imgform/internal/imagecheck"
	"github.com/imgform/imgform/internal/model"
	"github.com/imgform/imgform/internal/provenance"
	"github.com/imgform/imgform/internal/segmind/internal/wire"
)

// Generate makes the request's images with one v1 sync call, which
// returns when they are ready. A 200 whose body holds no image is this
// image's failure, not a retryable one: the call was most likely billed.
// With several samples the answer is asked for as base64 JSON, the one
// form that can carry more than one image.
func (c *Client) Generate(ctx context.Context, req model.Request) (_ *generate.Result, err error) {
	defer tag(&err)
	if err := c.validate("generate", req); err != nil {
		return nil, err
	}
	r, err := c.do(ctx, "generate", http.MethodPost, c.endpoint(wire.PathV1Generate), wire.Body(req, req.Samples() > 1), maxJSONBytes, c.syncTimeout)
	if err != nil {
		return nil, err
	}
	if r.status < 200 || r.status > 299 {
		return nil, c.statusError("generate", r)
	}
	failed := func(msg string) error {
		// A 200 was most likely billed: asking again could pay twice.
		return withStatus(&generate.Error{Op: "generate", Reason: generate.Rejected, PossiblyBilled: true, Message: msg}, r.status)
	}
	res := &generate.Result{CostUSD: charge(r.header.Get(wire.HeaderCreditsConsumed))}
	if v := r.header.Get(wire.HeaderRemainingCredits); v != "" {
		if f, err := strconv.ParseFloat(strings.TrimSpace(v), 64); err == nil {
			c.remaining.Store(&f)
		}
	}
	if isJSON(r.header.Get("Content-Type"), r.body) {
		var body wire.V1Base64Response
		if err := json.Unmarshal(r.body, &body); err != nil {
			return nil, failed(c.message("the answer is not valid JSON: " + err.Error()))
		}
		imgs, err := decodeImageList(body.Image)
		if err != nil {
			return nil, failed(err.Error())
		}
		res.Images, res.Placeholder = imgs, placeholders(imgs)
		return res, nil
	}
	img, err := checkImage(r.body)
	if err != nil {
		return nil, failed(err.Error())
	}
	res.Images = []model.Image{img}
	res.Placeholder = placeholders(res.Images)
	return res, nil
}

// placeholders reports images that say they are placeholders (an
// emulator's): they must never pass for the model's output.
func placeholders(imgs []model.Image) bool {
	for _, img := range imgs {
		if _, ok := provenance.PlaceholderMaker(img.Data); ok {
			return true
		}
	}
	return false
}

// validate refuses a request the schema refuses: it is never sent.
func (c *Client) validate(op string, req model.Request) error {
	if req.Schema() != c.model {
		return &generate.Error{Op: op, Reason: generate.Rejected, Message: fmt.Sprintf("a request for %s, but this client drives %s", req.Model(), c.model.ID)}
	}
	if errs := req.Validate(); len(errs) > 0 {
		msgs := make([]string, len(errs))
		for i, e := range errs {
			msgs[i] = e.Error()
		}
		return &generate.Error{Op: op, Reason: generate.Rejected, Message: "invalid request: " + strings.Join(msgs, "; ")}
	}
	return nil
}

func isJSON(contentType string, body []byte) bool {
	if strings.Contains(contentType, "json") {
		return true
	}
	trimmed := strings.TrimSpace(string(body[:min(len(body), 16)]))
	return strings.HasPrefix(trimmed, "{")
}

// checkImage accepts bytes that are an image imgform can read, by their
// header, and no larger than imagecheck.MaxSide on either side: nothing
// is decoded here, and a decompression bomb is refused unread.
func checkImage(data []byte) (model.Image, error) {
	info, err := imagecheck.Check(data)
	if err != nil {
		return model.Image{}, err
	}
	return model.Image{Data: data, ContentType: info.ContentType}, nil
}

// decodeImageList reads images given as one base64 string or a list.
func decodeImageList(raw json.RawMessage) ([]model.Image, error) {
	var one string
	if err := json.Unmarshal(raw, &one); err == nil {
		img, err := decodeBase64Image(one)
		if err != nil {
			return nil, err
		}
		return []model.Image{img}, nil
	}
	var many []string
	if err := json.Unmarshal(raw, &many); err != nil || len(many) == 0 {
		return nil, fmt.Errorf("the answer holds no image")
	}
	imgs := make([]model.Image, len(many))
	for i, s := range many {
		img, err := decodeBase64Image(s)
		if err != nil {
			return nil, err
		}
		imgs[i] = img
	}
	return imgs, nil
}

// decodeBase64Image reads base64 image data, with or without a data: URI
// prefix.
func decodeBase64Image(s string) (model.Image, error) {
	if strings.HasPrefix(s, "data:") {
		if i := strings.Index(s, ","); i >= 0 {
			s = s[i+1:]
		}
	}
	s = strings.TrimSpace(s)
	data, err := base64.StdEncoding.DecodeString(s)
	if err != nil {
		if data, err = base64.RawStdEncoding.DecodeString(s); err != nil {
			return model.Image{}, fmt.Errorf("the image is not valid base64")
		}
	}
	return checkImage(data)
}

// charge reads a reported charge: a finite, non-negative number of
// dollars below a sanity bound; 0 otherwise (the price table then tells).
func charge(v string) float64 {
	f, err := strconv.ParseFloat(strings.TrimSpace(v), 64)
	return chargeOf(f, err == nil)
}

func chargeOf(f float64, ok bool) float64 {
	if !ok || math.IsNaN(f) || math.IsInf(f, 0) || f < 0 || f > 100 {
		return 0
	}
	return f
}
