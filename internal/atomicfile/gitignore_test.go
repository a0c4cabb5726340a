package atomicfile

import (
	"os"
	"path/filepath"
	"slices"
	"testing"
)

// Only what is missing is added, however an entry is slashed, under the
// comment; a file that has everything is not rewritten.
func TestAddGitignoreEntries(t *testing.T) {
	p := filepath.Join(t.TempDir(), ".gitignore")
	if err := os.WriteFile(p, []byte("node_modules\n/.imgform"), 0o644); err != nil {
		t.Fatal(err)
	}
	added, err := AddGitignoreEntries(p, "imgform", []string{".imgform/", "imgform.state.json.backup"})
	if err != nil || !slices.Equal(added, []string{"imgform.state.json.backup"}) {
		t.Fatalf("added %q, %v", added, err)
	}
	got, _ := os.ReadFile(p)
	if want := "node_modules\n/.imgform\n\n# imgform\nimgform.state.json.backup\n"; string(got) != want {
		t.Errorf(".gitignore = %q, want %q", got, want)
	}
	info, _ := os.Stat(p)
	added, err = AddGitignoreEntries(p, "imgform", []string{"/imgform.state.json.backup"})
	if err != nil || added != nil {
		t.Fatalf("added %q, %v", added, err)
	}
	if again, _ := os.Stat(p); !again.ModTime().Equal(info.ModTime()) || again.Size() != info.Size() {
		t.Error("a .gitignore with every entry was written again")
	}
}
