package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// A plan file is input too: apply checks every path it writes, renames
// or removes, whatever it came from. A hand-edited plan cannot delete a
// file outside the directory, and a symbolic link made after the plan
// cannot lead a write out of it.
func TestApplyPlanFileCannotLeaveTheDirectory(t *testing.T) {
	t.Run("a hand-edited delete", func(t *testing.T) {
		outside := t.TempDir()
		victim := filepath.Join(outside, "victim.txt")
		if err := os.WriteFile(victim, []byte("keep me"), 0o644); err != nil {
			t.Fatal(err)
		}
		dir := writeConfig(t, map[string]string{"main.img.hcl": oneImageConfig})
		if out, code := runImgform(t, dir, nil, "apply", "--offline", "--auto-approve"); code != 0 {
			t.Fatalf("apply: exit %d\n%s", code, out)
		}
		// The image is removed from the configuration: the plan deletes a.png.
		if err := os.WriteFile(filepath.Join(dir, "main.img.hcl"), []byte("# nothing\n"), 0o644); err != nil {
			t.Fatal(err)
		}
		if out, code := runImgform(t, dir, nil, "plan", "--offline", "--out", "p.plan"); code != 0 {
			t.Fatalf("plan: exit %d\n%s", code, out)
		}
		planFile := filepath.Join(dir, "p.plan")
		data, err := os.ReadFile(planFile)
		if err != nil {
			t.Fatal(err)
		}
		rel, err := filepath.Rel(dir, victim)
		if err != nil {
			t.Fatal(err)
		}
		edited := bytes.ReplaceAll(data, []byte(`"remove": [
          "a.png"`), []byte(`"remove": [
          "`+filepath.ToSlash(rel)+`"`))
		if bytes.Equal(edited, data) {
			t.Fatalf("the plan file has no remove list to edit:\n%s", data)
		}
		if err := os.WriteFile(planFile, edited, 0o644); err != nil {
			t.Fatal(err)
		}
		out, code := runImgform(t, dir, nil, "apply", "p.plan")
		if code == 0 {
			t.Errorf("apply of the edited plan succeeded:\n%s", out)
		}
		if !strings.Contains(out, "leaves the configuration directory") {
			t.Errorf("the output does not say why the path was refused:\n%s", out)
		}
		if _, err := os.Stat(victim); err != nil {
			t.Errorf("the file outside the directory was removed: %v", err)
		}
	})

	t.Run("a symbolic link made after the plan", func(t *testing.T) {
		outside := t.TempDir()
		dir := writeConfig(t, map[string]string{"main.img.hcl": `image "a" {
  prompt = "a lighthouse"
  output = "out/a.png"
}
`})
		if out, code := runImgform(t, dir, nil, "plan", "--offline", "--out", "p.plan"); code != 0 {
			t.Fatalf("plan: exit %d\n%s", code, out)
		}
		if err := os.Symlink(outside, filepath.Join(dir, "out")); err != nil {
			t.Fatal(err)
		}
		out, code := runImgform(t, dir, nil, "apply", "p.plan")
		if code == 0 {
			t.Errorf("apply through the link succeeded:\n%s", out)
		}
		if !strings.Contains(out, `goes through the symbolic link "out"`) {
			t.Errorf("the output does not name the link:\n%s", out)
		}
		if entries, _ := os.ReadDir(outside); len(entries) != 0 {
			t.Errorf("apply wrote outside the directory: %v", entries)
		}
	})
}

// import refuses a path through a symbolic link that leads out of the
// directory: a later delete of the image would remove the file there.
func TestImportRefusesSymlinkedDirectory(t *testing.T) {
	outside := t.TempDir()
	if err := os.WriteFile(filepath.Join(outside, "a.png"), tinyPNGFile(t), 0o644); err != nil {
		t.Fatal(err)
	}
	dir := writeConfig(t, map[string]string{"main.img.hcl": oneImageConfig})
	if err := os.Symlink(outside, filepath.Join(dir, "linked")); err != nil {
		t.Fatal(err)
	}
	out, code := runImgform(t, dir, nil, "import", "image.a", "linked/a.png")
	if code != 1 || !strings.Contains(out, `goes through the symbolic link "linked"`) {
		t.Errorf("import through a link: exit %d\n%s", code, out)
	}
	if _, err := os.Stat(filepath.Join(dir, "imgform.state.json")); err == nil {
		t.Error("the import was recorded")
	}
}

func tinyPNGFile(t *testing.T) []byte {
	t.Helper()
	return bombPNG(2, 2)
}
