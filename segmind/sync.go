package segmind

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"strings"

	"github.com/imgform/imgform/internal/imagecheck"
)

// Image is one generated image as the service gave it.
type Image struct {
	Data        []byte
	ContentType string // from the magic bytes, e.g. "image/png"
}

// SyncResult is the answer of a v1 sync request.
type SyncResult struct {
	Images []Image
	// RemainingCredits is X-Remaining-Credits, when the service sent it.
	RemainingCredits *float64
}

// Generate makes the request's images with one v1 sync call, which
// returns when they are ready. A 200 whose body holds no image is this
// image's failure, not a retryable one: the call was most likely billed. With several samples the answer is asked
// for as base64 JSON, the one form that can carry more than one image.
func (c *Client) Generate(ctx context.Context, req Request) (*SyncResult, error) {
	if err := req.Validate(); err != nil {
		return nil, &InvalidRequestError{Err: err}
	}
	if req.Samples > 1 {
		req.Base64 = true
	}
	r, err := c.do(ctx, "generate", http.MethodPost, c.endpoint(PathV1Generate), req, maxJSONBytes, c.syncTimeout)
	if err != nil {
		return nil, err
	}
	if r.status < 200 || r.status > 299 {
		return nil, c.statusError("generate", r)
	}
	res := &SyncResult{}
	if v := r.header.Get(HeaderRemainingCredits); v != "" {
		if f, err := strconv.ParseFloat(strings.TrimSpace(v), 64); err == nil {
			res.RemainingCredits = &f
		}
	}
	if isJSON(r.header.Get("Content-Type"), r.body) {
		var body V1Base64Response
		if err := json.Unmarshal(r.body, &body); err != nil {
			return nil, &APIError{Op: "generate", StatusCode: r.status, Class: ClassImage, PossiblyBilled: true, Message: c.message("the answer is not valid JSON: " + err.Error())}
		}
		imgs, err := decodeImageList(body.Image)
		if err != nil {
			return nil, &APIError{Op: "generate", StatusCode: r.status, Class: ClassImage, PossiblyBilled: true, Message: err.Error()}
		}
		res.Images = imgs
		return res, nil
	}
	img, err := checkImage(r.body)
	if err != nil {
		// A 200 was most likely billed: asking again could pay twice.
		return nil, &APIError{Op: "generate", StatusCode: r.status, Class: ClassImage, PossiblyBilled: true, Message: err.Error()}
	}
	res.Images = []Image{img}
	return res, nil
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
func checkImage(data []byte) (Image, error) {
	info, err := imagecheck.Check(data)
	if err != nil {
		return Image{}, err
	}
	return Image{Data: data, ContentType: info.ContentType}, nil
}

// decodeImageList reads images given as one base64 string or a list.
func decodeImageList(raw json.RawMessage) ([]Image, error) {
	var one string
	if err := json.Unmarshal(raw, &one); err == nil {
		img, err := decodeBase64Image(one)
		if err != nil {
			return nil, err
		}
		return []Image{img}, nil
	}
	var many []string
	if err := json.Unmarshal(raw, &many); err != nil || len(many) == 0 {
		return nil, fmt.Errorf("the answer holds no image")
	}
	imgs := make([]Image, len(many))
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
func decodeBase64Image(s string) (Image, error) {
	if strings.HasPrefix(s, "data:") {
		if i := strings.Index(s, ","); i >= 0 {
			s = s[i+1:]
		}
	}
	s = strings.TrimSpace(s)
	data, err := base64.StdEncoding.DecodeString(s)
	if err != nil {
		if data, err = base64.RawStdEncoding.DecodeString(s); err != nil {
			return Image{}, fmt.Errorf("the image is not valid base64")
		}
	}
	return checkImage(data)
}
