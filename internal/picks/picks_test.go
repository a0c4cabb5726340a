package picks

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestSaveLoad(t *testing.T) {
	dir := t.TempDir()
	f, _, err := Load(dir)
	if err != nil || len(f.Picks) != 0 {
		t.Fatalf("no file: %+v, %v", f, err)
	}
	f.Picks[`image.icon["sword"]`] = Pick{Candidate: 2, Seed: 42}
	f.Picks["image.hero"] = Pick{Candidate: 3, Seed: 123456789}
	f.Picks["image.bg"] = Pick{Seed: 7}
	if err := f.Save(dir); err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile(filepath.Join(dir, FileName))
	if err != nil {
		t.Fatal(err)
	}
	want := `{
  "picks": {
    "image.bg": {"seed":7},
    "image.hero": {"candidate":3,"seed":123456789},
    "image.icon[\"sword\"]": {"candidate":2,"seed":42}
  },
  "version": 1
}
`
	if diff := cmp.Diff(want, string(data)); diff != "" {
		t.Errorf("file (-want +got):\n%s", diff)
	}
	back, _, err := Load(dir)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(f.Picks, back.Picks); diff != "" {
		t.Errorf("read back (-want +got):\n%s", diff)
	}
	if got := Line(data, "image.hero"); got != 4 {
		t.Errorf("image.hero is on line %d, want 4", got)
	}
	// No pick left: no file.
	f.Picks = map[string]Pick{}
	if err := f.Save(dir); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(dir, FileName)); !os.IsNotExist(err) {
		t.Errorf("an empty picks file is kept: %v", err)
	}
}

func TestParseRefuses(t *testing.T) {
	for name, tc := range map[string]struct {
		data string
		want string
	}{
		"syntax":        {"{\n  \"picks\": {\n    \"image.a\": {\"seed\": 1,}\n  },\n  \"version\": 1\n}\n", "picks.json:3:"},
		"type":          {"{\"picks\": {\"image.a\": {\"seed\": \"1\"}}, \"version\": 1}", "picks.json:1:"},
		"unknown field": {`{"picks": {}, "version": 1, "extra": true}`, `unknown field "extra"`},
		"newer":         {`{"picks": {}, "version": 2}`, "format version 2"},
		"no version":    {`{"picks": {}}`, `no "version"`},
		"negative seed": {"{\n\"picks\": {\n\"image.a\": {\"seed\": -1}}, \"version\": 1}", "picks.json:3:1: the pick of image.a has a negative seed"},
		"candidate 0":   {"{\n\"picks\": {\n\"image.a\": {\"candidate\": 0, \"seed\": 5}}, \"version\": 1}", "picks.json:3:1: the pick of image.a has candidate 0: candidates are numbered from 1"},
		"no seed":       {`{"picks": {"image.a": {"candidate": 2}}, "version": 1}`, "the pick of image.a has no seed"},
	} {
		t.Run(name, func(t *testing.T) {
			_, err := Parse("picks.json", []byte(tc.data))
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("error %v, want one containing %q", err, tc.want)
			}
		})
	}
}
