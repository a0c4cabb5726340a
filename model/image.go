package model

// Image is one image a model made, as bytes in the format the provider
// gave (PNG, JPEG, WebP).
type Image struct {
	Data        []byte
	ContentType string // from the magic bytes, e.g. "image/png"
}
