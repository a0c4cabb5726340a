package model

// Image is one image a model made, as bytes in the format the provider
// gave (PNG, JPEG, WebP).
type Image struct {
	Data        []byte
	ContentType string // from the magic bytes, e.g. "image/png"

	// SHA256 is the hash of Data when whoever made the Image has
	// computed or checked it (the cache checks it on reading, apply
	// computes it once on receiving), zero when not known. A real image
	// is megabytes: hashing it once, not at each of the places that
	// record it, is most of what apply spends per image.
	SHA256 Hash
}

// Sum returns the SHA-256 of the image's bytes: the one the Image
// carries, or computed.
func (img Image) Sum() Hash {
	if img.SHA256.IsZero() {
		return SumBytes(img.Data)
	}
	return img.SHA256
}

// Hashed returns the image with its SHA256 set.
func (img Image) Hashed() Image {
	img.SHA256 = img.Sum()
	return img
}
