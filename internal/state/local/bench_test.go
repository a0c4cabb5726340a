package local

import (
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"github.com/imgform/imgform/internal/state"
	"github.com/imgform/imgform/internal/state/backendtest"
)

// bigState writes a state of n images and returns its path.
func bigState(b *testing.B, n int) string {
	b.Helper()
	path := filepath.Join(b.TempDir(), "imgform.state.json")
	be := Open(path)
	st, err := be.Load(b.Context())
	if err != nil {
		b.Fatal(err)
	}
	st.Images = backendtest.Images(n)
	if _, err := be.Save(b.Context(), st); err != nil {
		b.Fatal(err)
	}
	return path
}

// BenchmarkStateLoad100k reads and checks a state of 100,000 images (every
// entry's input hash is recomputed from its request). Target: ≤ 1 s.
func BenchmarkStateLoad100k(b *testing.B) {
	path := bigState(b, 100_000)
	fi, err := os.Stat(path)
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		st, err := Open(path).Load(b.Context())
		if err != nil {
			b.Fatal(err)
		}
		if len(st.Images) != 100_000 {
			b.Fatalf("%d images", len(st.Images))
		}
	}
	b.ReportMetric(float64(fi.Size())/100_000, "bytes/image") // after the loop, which resets the metrics
}

// BenchmarkStateSave100k saves a change to a state of 100,000 images: the
// compare with what is on disk, the encoding and the atomic write.
// Target: ≤ 1 s.
func BenchmarkStateSave100k(b *testing.B) {
	path := bigState(b, 100_000)
	be := Open(path)
	st, err := be.Load(b.Context())
	if err != nil {
		b.Fatal(err)
	}
	e := st.Images["image.tile[0]"]
	b.ReportAllocs()
	for b.Loop() {
		e.Outputs[0].Size++
		changed, err := be.Save(b.Context(), st)
		if err != nil || !changed {
			b.Fatalf("save: %v, %v", changed, err)
		}
	}
}

// BenchmarkStateSave100kChanged50 saves a checkpoint of a state of
// 100,000 images in which 50 entries changed since the last save (what an
// apply's checkpoints write after its first): the compare, the encoding
// of what changed and the atomic write of the whole file. The first save
// after a load, which encodes every entry to compare it with the file, is
// made before the measure.
func BenchmarkStateSave100kChanged50(b *testing.B) {
	path := bigState(b, 100_000)
	be := Open(path)
	st, err := be.Load(b.Context())
	if err != nil {
		b.Fatal(err)
	}
	changed := make([]*state.Entry, 0, 50)
	for i := range 50 {
		changed = append(changed, st.Images[fmt.Sprintf("image.tile[%d]", i*2000)])
	}
	changed[0].Revision = "first"
	if _, err := be.Save(b.Context(), st); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		for _, e := range changed {
			e.Outputs[0].Size++ // in place, as apply changes an entry
		}
		saved, err := be.Save(b.Context(), st)
		if err != nil || !saved {
			b.Fatalf("save: %v, %v", saved, err)
		}
	}
}
