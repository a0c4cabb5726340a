package main

import (
	"bytes"
	"encoding/json"
	"image"
	_ "image/jpeg"
	_ "image/png"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// TestREADMECommands runs the README's first set-up command, exactly as
// written, in a clean copy of the repository (what git would check out),
// the way a newcomer would, and checks what it leaves behind: real
// images, a state file, and a second plan with nothing to do. The second
// command, the tests, is the one .ci/run takes from the README and runs
// on a clean clone; this test checks that it is a go test command there
// is to take, rather than run the whole suite a second time inside this
// package (which doubled CI's time and came near go test's ten minutes
// for one package).
//
// It builds imgform in a copy of the repository, so it runs in CI
// (CI=true) or when IMGFORM_E2E=1, not in every local go test.
func TestREADMECommands(t *testing.T) {
	if os.Getenv("CI") == "" && os.Getenv("IMGFORM_E2E") == "" {
		t.Skip("set IMGFORM_E2E=1 (CI sets CI=true) to run the README's commands in a copy of the repository")
	}
	root, err := filepath.Abs(filepath.Join("..", ".."))
	if err != nil {
		t.Fatal(err)
	}
	commands := readmeSetupCommands(t, filepath.Join(root, "README.md"))
	repo := cleanCopy(t, root)

	// 1. The main job: an offline apply of the quickstart.
	out := runShell(t, repo, commands[0], nil)
	if !strings.Contains(out, "Apply complete! 3 created") {
		t.Errorf("the main job's output does not say it created 3 images:\n%s", out)
	}
	quickstart := filepath.Join(repo, "examples", "quickstart")
	for _, name := range []string{"assets/hero.png", "assets/logo.png", "assets/background.jpg"} {
		data, err := os.ReadFile(filepath.Join(quickstart, name))
		if err != nil {
			t.Errorf("the main job did not write %s: %v", name, err)
			continue
		}
		img, _, err := image.Decode(bytes.NewReader(data))
		if err != nil {
			t.Errorf("%s is not an image: %v", name, err)
		} else if b := img.Bounds(); b.Dx() != 1024 || b.Dy() != 1024 {
			t.Errorf("%s is %dx%d, want 1024x1024", name, b.Dx(), b.Dy())
		}
	}
	var st struct {
		Images map[string]any `json:"images"`
	}
	data, err := os.ReadFile(filepath.Join(quickstart, "imgform.state.json"))
	if err != nil || json.Unmarshal(data, &st) != nil || len(st.Images) != 3 {
		t.Errorf("the state file is missing or does not record 3 images (err %v)", err)
	}
	// A second plan finds nothing to do.
	runShell(t, repo, "go run ./cmd/imgform -C examples/quickstart plan --offline --detailed-exitcode", nil)

	// 2. The tests: what .ci/run extracts (sed 's/^go test \(.*\)$/...')
	// and runs on its clean clone.
	if !regexp.MustCompile(`^go test (.*)$`).MatchString(commands[1]) {
		t.Errorf("the README's second set-up command is %q, which .ci/run does not take as the test command (a line \"go test ...\")", commands[1])
	}
}

// readmeSetupCommands returns the commands of the README's first shell
// block (the "Five minutes" section): exactly two.
func readmeSetupCommands(t *testing.T, path string) []string {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	text := string(data)
	start := strings.Index(text, "```sh\n")
	if start < 0 {
		t.Fatal("README.md has no ```sh block")
	}
	block := text[start+len("```sh\n"):]
	block = block[:strings.Index(block, "```")]
	var cmds []string
	for _, line := range strings.Split(block, "\n") {
		line = strings.TrimSpace(line)
		if line != "" && !strings.HasPrefix(line, "#") {
			cmds = append(cmds, line)
		}
	}
	if len(cmds) != 2 {
		t.Fatalf("the README's set-up block has %d commands, want exactly 2: %q", len(cmds), cmds)
	}
	return cmds
}

// cleanCopy copies what a clone would hold: the files git tracks, and the
// new ones it does not ignore.
func cleanCopy(t *testing.T, root string) string {
	t.Helper()
	list, err := exec.Command("git", "-C", root, "ls-files", "-z", "--cached", "--others", "--exclude-standard").Output()
	if err != nil {
		t.Skipf("not a git checkout (%v): cannot tell what a clean copy holds", err)
	}
	dst := t.TempDir()
	for _, name := range strings.Split(strings.TrimRight(string(list), "\x00"), "\x00") {
		src := filepath.Join(root, name)
		fi, err := os.Lstat(src)
		if err != nil || !fi.Mode().IsRegular() {
			continue // deleted in the working tree, or not a file
		}
		data, err := os.ReadFile(src)
		if err != nil {
			t.Fatal(err)
		}
		target := filepath.Join(dst, name)
		if err := os.MkdirAll(filepath.Dir(target), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(target, data, fi.Mode().Perm()); err != nil {
			t.Fatal(err)
		}
	}
	return dst
}

func runShell(t *testing.T, dir, command string, env []string) string {
	t.Helper()
	cmd := exec.Command("sh", "-c", command)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), env...)
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("%s: %v\n%s", command, err, out)
	}
	return string(out)
}
