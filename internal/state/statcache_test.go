package state

import (
	"errors"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/imgform/imgform/internal/model"
)

func TestStatCache(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, ".imgform", "stat.json")
	sum := SumBytes([]byte("image"))
	when := time.Date(2026, 1, 2, 3, 4, 5, 6, time.UTC)

	c := LoadStatCache(path) // missing: empty
	if c.Matches("a.png", sum, 5, when) {
		t.Fatal("an empty cache matched")
	}
	if err := c.Save(); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(path); !os.IsNotExist(err) {
		t.Fatalf("an unchanged empty cache was written (%v)", err)
	}

	c.Record("a.png", sum, 5, when.In(time.FixedZone("X", 3600)))
	if err := c.Save(); err != nil {
		t.Fatal(err)
	}
	back := LoadStatCache(path)
	tests := map[string]struct {
		path  string
		sum   Hash
		size  int64
		mtime time.Time
		want  bool
	}{
		"as recorded":       {"a.png", sum, 5, when, true},
		"another content":   {"a.png", SumBytes([]byte("other")), 5, when, false},
		"another size":      {"a.png", sum, 6, when, false},
		"another time":      {"a.png", sum, 5, when.Add(time.Nanosecond), false},
		"another path":      {"b.png", sum, 5, when, false},
		"same time, in UTC": {"a.png", sum, 5, when.UTC(), true},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			if got := back.Matches(tc.path, tc.sum, tc.size, tc.mtime); got != tc.want {
				t.Errorf("Matches = %v, want %v", got, tc.want)
			}
		})
	}
	if _, err := os.Stat(filepath.Join(dir, ".imgform", ".gitignore")); err != nil {
		t.Errorf("no .gitignore beside the stat cache: %v", err)
	}

	// A damaged cache is an empty one, not an error.
	if err := os.WriteFile(path, []byte("{not json"), 0o644); err != nil {
		t.Fatal(err)
	}
	if LoadStatCache(path).Matches("a.png", sum, 5, when) {
		t.Error("a damaged cache matched")
	}
	var none *StatCache
	if none.Matches("a.png", sum, 5, when) || none.Save() != nil {
		t.Error("a nil cache must match nothing and save nothing")
	}
}

func TestParseRefusesOutputPathsOutsideTheDirectory(t *testing.T) {
	for name, p := range map[string]string{
		"parent":       "../elsewhere.png",
		"absolute":     "/etc/passwd",
		"unclean":      "a/../../b.png",
		"dot segments": "./a.png",
		"backslash":    `..\x.png`,
	} {
		t.Run(name, func(t *testing.T) {
			req := model.NewRequest(model.NewRealityLightning).WithPrompt("p")
			st := &State{Version: Version, InputHashVersion: InputHashVersion, Lineage: "l", Images: map[string]*Entry{
				"image.a": {InputHash: req.InputHash(), Request: req, Generator: GeneratorAPI, Outputs: []Output{{Path: p}}},
			}}
			data, err := Marshal(st)
			if err != nil {
				t.Fatal(err)
			}
			var corrupt *CorruptError
			if _, err := Parse("imgform.state.json", data); !errors.As(err, &corrupt) {
				t.Errorf("Parse accepted the output path %q (err %v)", p, err)
			}
		})
	}
}
