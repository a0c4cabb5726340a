package model

import "testing"

func TestImageSum(t *testing.T) {
	img := Image{Data: []byte("an image"), ContentType: "image/png"}
	want := SumBytes(img.Data)
	if got := img.Sum(); got != want {
		t.Errorf("Sum of an unhashed image = %s, want %s", got, want)
	}
	h := img.Hashed()
	if h.SHA256 != want || h.Sum() != want {
		t.Errorf("Hashed: SHA256 %s, Sum %s, want %s", h.SHA256, h.Sum(), want)
	}
	if !img.SHA256.IsZero() {
		t.Error("Hashed changed the image it was called on")
	}
	// The hash an image carries is trusted: whoever set it checked it.
	carried := Image{Data: img.Data, SHA256: SumBytes([]byte("other"))}
	if carried.Sum() != carried.SHA256 {
		t.Error("Sum recomputed a hash the image carries")
	}
}
