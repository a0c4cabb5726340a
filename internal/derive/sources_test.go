package derive

import (
	"fmt"
	"image"
	"os"
	"sync"
	"testing"

	"github.com/imgform/imgform/internal/model"
	"github.com/imgform/imgform/internal/placeholder"
)

// testSource is a source image the quality tests use: its name, bytes
// as the cache would keep them, and the decoded image.
type testSource struct {
	name string
	data []byte
	img  image.Image
}

// placeholderSource renders the emulator's placeholder for a prompt and
// seed, 1024×1024, as the cache keeps it.
func placeholderSource(t testing.TB, n int) testSource {
	t.Helper()
	req := model.NewRequest(model.NewRealityLightning).
		WithPrompt(fmt.Sprintf("castle on a cliff at dusk, variant test %d", n)).
		WithSeed(int64(1000 + n))
	data, err := placeholder.Render(req, 0, placeholder.Emulator)
	if err != nil {
		t.Fatalf("rendering a placeholder: %v", err)
	}
	return testSource{name: fmt.Sprintf("placeholder-%d", n), data: data, img: decodeBytes(t, data)}
}

var meadowOnce = sync.OnceValues(func() ([]byte, error) { return os.ReadFile("testdata/meadow.jpg") })

// meadowSource is the photograph in testdata (testdata/README.md).
func meadowSource(t testing.TB) testSource {
	t.Helper()
	data, err := meadowOnce()
	if err != nil {
		t.Fatal(err)
	}
	return testSource{name: "photo", data: data, img: decodeBytes(t, data)}
}

// qualitySources are the sources of the quality tests: two of the
// emulator's placeholders and the photograph.
func qualitySources(t testing.TB) []testSource {
	return []testSource{placeholderSource(t, 1), placeholderSource(t, 2), meadowSource(t)}
}
