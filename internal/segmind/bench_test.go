package segmind_test

import (
	"bytes"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"testing"

	"github.com/imgform/imgform/internal/imagetest"
	"github.com/imgform/imgform/internal/segmind"
)

// BenchmarkGenerateSyncLargeImage is the client's work for one sync image
// of a real image's size (1024×1024, 1.8 MB), read from a loopback server
// that answers at once: B/op shows how many times the image is copied
// on its way in.
func BenchmarkGenerateSyncLargeImage(b *testing.B) {
	img := imagetest.LargePNG()
	ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body)
		w.Header().Set("Content-Type", "image/png")
		w.Header().Set("Content-Length", strconv.Itoa(len(img)))
		_, _ = w.Write(img)
	}))
	defer ts.Close()
	c, err := segmind.NewClient(segmind.Config{BaseURL: ts.URL, APIKey: testKey})
	if err != nil {
		b.Fatal(err)
	}
	req := request("a tile")
	b.SetBytes(int64(len(img)))
	b.ReportAllocs()
	for b.Loop() {
		res, err := c.Generate(b.Context(), req)
		if err != nil {
			b.Fatal(err)
		}
		if len(res.Images) != 1 || !bytes.Equal(res.Images[0].Data, img) {
			b.Fatalf("got %d images, not the one served", len(res.Images))
		}
	}
}
