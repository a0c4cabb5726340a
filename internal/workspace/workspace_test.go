package workspace

import (
	"context"
	"errors"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/hashicorp/hcl/v2"

	"github.com/imgform/imgform/internal/cache"
	cachedir "github.com/imgform/imgform/internal/cache/dir"
	"github.com/imgform/imgform/internal/spec"
	"github.com/imgform/imgform/internal/state"
	"github.com/imgform/imgform/internal/state/local"
)

// checkout is a configuration folder, the working directory of the test,
// with the state file beside it, wired as cmd/imgform wires a checkout
// that has no backend block.
func checkout(t *testing.T, config string) Wiring {
	t.Helper()
	dir := t.TempDir()
	t.Chdir(dir)
	if err := os.WriteFile("main.img.hcl", []byte(config), 0o644); err != nil {
		t.Fatal(err)
	}
	statePath := filepath.Join(dir, "imgform.state.json")
	var warnings []string
	t.Cleanup(func() {
		if len(warnings) > 0 {
			t.Logf("warnings: %q", warnings)
		}
	})
	return Wiring{
		StatePath: statePath,
		Selected:  func() (string, error) { return state.DefaultWorkspace, nil },
		Store:     func(*spec.Settings) state.Store { return local.NewStore(statePath) },
		Cache: func(context.Context, *spec.Settings) (*cache.Cache, error) {
			return cache.New(cachedir.New(".imgform/cache")), nil
		},
		LocalStatePath: func(ws string) string { return local.NewStore(statePath).Path(ws) },
		Log:            nil,
		Warn:           func(format string, args ...any) { warnings = append(warnings, format) },
		Diagnostics:    func(hcl.Diagnostics, map[string]*hcl.File) {},
	}
}

const twoImages = `
image "hero" {
  prompt = "castle"
  seed   = 1
  output = "hero.png"
}
image "icon" {
  for_each = toset(["a", "b"])
  prompt   = "icon ${each.key}"
  seed     = 2
  output   = "icon-${each.key}.png"
}
`

// A refused edit saves nothing and lets go of the lock; a state file is not pushed onto
// itself; copying needs a team cache; the addresses completion offers
// are the configuration's, with each block's own.
func TestOperationsOnACheckout(t *testing.T) {
	wr := checkout(t, twoImages)
	wr.Log = discard()
	ctx := t.Context()

	refused := errors.New("refused")
	if err := EditState(ctx, wr, "test", 0, func(st *state.State) error { return refused }); !errors.Is(err, refused) {
		t.Fatalf("a refused edit: %v", err)
	}
	if _, err := os.Stat(wr.StatePath); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("a refused edit wrote the state: %v", err)
	}
	// The lock the refused edit took was let go: this one takes it.
	if err := EditState(ctx, wr, "test", 0, func(st *state.State) error { return nil }); err != nil {
		t.Fatalf("an edit after a refused one: %v", err)
	}
	st := state.New()
	st.Lineage = "4cf2c86d-be9a-4efa-82d7-cb99c75c8fb5"
	data, err := state.Marshal(st)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(wr.StatePath, data, 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := PushState(ctx, wr, wr.StatePath, false, 0); err == nil || !strings.Contains(err.Error(), "is where the state is kept already") {
		t.Errorf("pushing the state file onto itself: %v", err)
	}
	if _, err := CopyCache(ctx, wr, nil, false, true, func(cache.Copied, string) {}); err == nil || !strings.Contains(err.Error(), "no shared cache") {
		t.Errorf("copying without a team cache: %v", err)
	}
	want := []string{"image.hero", `image.icon`, `image.icon["a"]`, `image.icon["b"]`}
	if got := Addresses(ctx, wr); !slices.Equal(got, want) {
		t.Errorf("Addresses = %q, want %q", got, want)
	}
}

// A configuration that does not parse comes back as diagnostics with its
// file, for the edge to render with the line.
func TestConfigErrorsAreDiagnostics(t *testing.T) {
	wr := checkout(t, "image \"hero\" {\n  prompt = \n}\n")
	wr.Log = discard()
	_, err := LoadConfig(t.Context(), wr, spec.Options{})
	var de *spec.DiagnosticsError
	if !errors.As(err, &de) || de.Files["main.img.hcl"] == nil || de.Diagnostics[0].Subject.Start.Line != 2 && de.Diagnostics[0].Subject.Start.Line != 3 {
		t.Fatalf("LoadConfig = %v", err)
	}
	if _, err := Open(t.Context(), wr, Need{Config: true}); !errors.As(err, &de) {
		t.Errorf("Open with a broken configuration = %v", err)
	}
}

func discard() *slog.Logger { return slog.New(slog.DiscardHandler) }
