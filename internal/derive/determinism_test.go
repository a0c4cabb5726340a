package derive

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"sync"
	"testing"

	"github.com/imgform/imgform/internal/variant"
)

// goldenSpecs are the variants whose bytes are pinned, one per encoder
// and geometry.
var goldenSpecs = []struct {
	name string
	spec variant.Spec
}{
	{"thumb256.png", variant.Spec{Width: 256, Format: variant.PNG}},
	{"cover960x504.jpg", variant.Spec{Width: 960, Height: 504, Fit: variant.Cover, Anchor: variant.Top, Format: variant.JPEG}},
	{"social1200x630.jpg", variant.Spec{Width: 1200, Height: 630, Upscale: true, Format: variant.JPEG, Quality: 80}},
	{"thumb256.webp", variant.Spec{Width: 256, Format: variant.WebP, Quality: 82}},
	{"icon128-lossless.webp", variant.Spec{Width: 128, Format: variant.WebP, Lossless: true}},
	{"contain300x200.png", variant.Spec{Width: 300, Height: 200, Fit: variant.Contain, Background: "#33669980", Format: variant.PNG}},
	{"thumb128.avif", variant.Spec{Width: 128, Format: variant.AVIF}},
}

// golden are the SHA-256 of goldenSpecs' bytes from the photograph in
// testdata, with testProvenance. They are the same on every GOARCH and
// OS (run this test under GOARCH=386, and arm64 under qemu-user, to see
// it). When a change of Go, of the encoders or of the resampler changes
// them, raise variant.HashVersion, then update them.
var golden = map[string]string{
	"thumb256.png":          "71044b4e763136907cd406fb8eba29a2b1c8211d048e97b21dc722fe9ab35782",
	"cover960x504.jpg":      "afec6eb153b2c3212b40aec717c7aa176ddd8b30d845e8907f8ce09346dd575c",
	"social1200x630.jpg":    "da90138bd920d91e5b3fc3e5571ef06755d248018f256cdf553657c04ef08b02",
	"thumb256.webp":         "8d48a9ceab57ffe0b279f0288e1400d7c44bb7220fa374eff68b37f375b0c624",
	"icon128-lossless.webp": "d3a7a06176b0aff5a0edd746ee15938ec042a84556c47800a2730d257df6e94d",
	"contain300x200.png":    "f82e6e0e933e8e0614a85b010629de9bc86e68c80f30b977abffb3c14d7a92f2",
	"thumb128.avif":         "3adcc64b5422d3a2248ba3e3994e5dcd1bf5a2909b04a645b72e5b38e3b6df39",
}

func TestGolden(t *testing.T) {
	src, err := Decode(meadowSource(t).data)
	if err != nil {
		t.Fatal(err)
	}
	for _, g := range goldenSpecs {
		data, err := src.Derive(g.spec, testProvenance)
		if err != nil {
			t.Fatalf("%s: %v", g.name, err)
		}
		sum := sha256.Sum256(data)
		if got := hex.EncodeToString(sum[:]); got != golden[g.name] {
			t.Errorf("%s: SHA-256 %s, want %s (%d bytes)", g.name, got, golden[g.name], len(data))
		}
	}
}

// TestDeterministic: the same source and spec give the same bytes when
// derived again from a fresh decode, and when derived from one Source by
// many goroutines at once.
func TestDeterministic(t *testing.T) {
	data := meadowSource(t).data
	first, err := Decode(data)
	if err != nil {
		t.Fatal(err)
	}
	want := map[string][]byte{}
	for _, g := range goldenSpecs {
		if want[g.name], err = first.Derive(g.spec, testProvenance); err != nil {
			t.Fatal(err)
		}
	}
	again, err := Decode(data)
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	errs := make(chan error, 4*len(goldenSpecs))
	for i := range 4 {
		src := first
		if i%2 == 1 {
			src = again
		}
		for _, g := range goldenSpecs {
			wg.Go(func() {
				got, err := src.Derive(g.spec, testProvenance)
				if err != nil {
					errs <- err
				} else if !bytes.Equal(got, want[g.name]) {
					errs <- fmt.Errorf("%s: derived again, the bytes differ", g.name)
				}
			})
		}
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
}

// The weights are computed by code that cannot be fused into FMAs; this
// pins a few of them and sinPi's values, so that a change that would
// make them differ by GOARCH shows here on amd64 too.
func TestKernelValues(t *testing.T) {
	for _, tc := range []struct{ x, want float64 }{
		{0.5, 1}, {-0.5, -1}, {0.25, 0.7071067811865476}, {1.5, -1}, {2.75, 0.7071067811865476}, {-1.25, 0.7071067811865476},
	} {
		if got := sinPi(tc.x); got-tc.want > 2e-16 || tc.want-got > 2e-16 {
			t.Errorf("sinPi(%v) = %v, want %v", tc.x, got, tc.want)
		}
	}
	if sinPi(1) != 0 || sinPi(-2) != 0 || lanczos3(3) != 0 || lanczos3(0) != 1 || catmullRom(1) != 0 || catmullRom(0) != 1 {
		t.Error("a kernel is not 1 at 0 and 0 at its zeros")
	}
	// A shrink by 4: 24 taps, symmetric about the centre (which falls
	// between two source pixels), summing to one.
	tp := newTaps(lanczos3Kernel, 1024, 2, 100, 1024, 256)
	ws := tp.weights[:tp.count[0]]
	sum := int32(0)
	for i, w := range ws {
		sum += w
		if w != ws[len(ws)-1-i] {
			t.Errorf("weight %d is %d, its mirror %d", i, w, ws[len(ws)-1-i])
		}
	}
	if sum != 1<<weightBits {
		t.Errorf("the weights sum to %d", sum)
	}
	got := fmt.Sprint(tp.start, tp.count, ws)
	if want := "[390 394] [24 24] [8 64 125 84 -126 -433 -605 -349 495 1798 3139 3992 3992 3139 1798 495 -349 -605 -433 -126 84 125 64 8]"; got != want {
		t.Errorf("taps %s, want %s", got, want)
	}
}
