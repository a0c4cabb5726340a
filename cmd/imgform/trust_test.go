package main

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"hash/crc32"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/imgform/imgform/internal/model"
	"github.com/imgform/imgform/internal/state"
	"github.com/imgform/imgform/internal/waitfor"
)

// runImgform runs the imgform binary in dir with the extra environment
// and returns its combined output and exit code.
func runImgform(t *testing.T, dir string, env []string, args ...string) (string, int) {
	t.Helper()
	cmd := exec.Command("imgform", append([]string{"-C", dir}, args...)...)
	cmd.Env = append(append(os.Environ(), "NO_COLOR=1"), env...)
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	err := cmd.Run()
	if err != nil {
		if _, ok := err.(*exec.ExitError); !ok {
			t.Fatalf("running imgform %s: %v", strings.Join(args, " "), err)
		}
	}
	return out.String(), cmd.ProcessState.ExitCode()
}

// writeConfig writes files (name → content) into a new directory.
func writeConfig(t *testing.T, files map[string]string) string {
	t.Helper()
	dir := t.TempDir()
	for name, content := range files {
		p := filepath.Join(dir, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

const oneImageConfig = `image "a" {
  prompt = "a lighthouse"
  output = "a.png"
}
`

// A key read from a file with its trailing newline cannot be sent as a
// header: apply says the key is malformed (not that the endpoint is
// unreachable), names no part of it, and sends nothing.
func TestApplyMalformedKey(t *testing.T) {
	dir := writeConfig(t, map[string]string{"main.img.hcl": oneImageConfig})
	base, stop, err := launchEmulator(os.Getenv("PATH"), dir, []string{"--latency", "10ms", "--quiet"})
	if err != nil {
		t.Fatal(err)
	}
	defer stop()
	out, code := runImgform(t, dir, []string{"SEGMIND_BASE_URL=" + base, "SEGMIND_API_KEY=SG_secret12345\n"}, "apply", "--auto-approve")
	if code != 1 {
		t.Fatalf("exit code %d, want 1; output:\n%s", code, out)
	}
	if !strings.Contains(out, "SEGMIND_API_KEY is malformed: it has a line break at its end") {
		t.Errorf("the output does not say the key is malformed:\n%s", out)
	}
	for _, bad := range []string{"unreachable", "cannot be reached", "SG_secret12345"} {
		if strings.Contains(out, bad) {
			t.Errorf("the output says %q:\n%s", bad, out)
		}
	}
	if n := stat(t, base, "jobs_submitted"); n != 0 {
		t.Errorf("jobs_submitted = %d, want 0", n)
	}
}

// A decompression bomb from the API (a small PNG declaring 60000×60000)
// fails its image with a clear error; apply does not run out of memory,
// and the bomb is not cached, so the next run does not meet it again.
func TestApplyRefusesDecompressionBomb(t *testing.T) {
	bomb := bombPNG(60000, 60000)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodPost {
			http.NotFound(w, r)
			return
		}
		w.Header().Set("Content-Type", "image/png")
		w.Write(bomb)
	}))
	defer srv.Close()
	dir := writeConfig(t, map[string]string{"main.img.hcl": `image "a" {
  prompt = "a lighthouse"
  output = "a.jpg"
}
`})
	env := []string{"SEGMIND_BASE_URL=" + srv.URL, "SEGMIND_API_KEY=test-key"}
	out, code := runImgform(t, dir, env, "apply", "--auto-approve", "--sync")
	if code != 1 {
		t.Fatalf("exit code %d, want 1; output:\n%s", code, out)
	}
	if !strings.Contains(out, "declares 60000×60000 pixels") {
		t.Errorf("the output does not say why the image was refused:\n%s", out)
	}
	if _, err := os.Stat(filepath.Join(dir, "a.jpg")); err == nil {
		t.Error("a.jpg was written")
	}
	entries, _ := filepath.Glob(filepath.Join(dir, ".imgform", "cache", "*", "*"))
	if len(entries) != 0 {
		t.Errorf("the bomb was cached: %v", entries)
	}
}

// bombPNG is a valid PNG header declaring a w×h image, with a tiny IDAT.
func bombPNG(w, h uint32) []byte {
	var out bytes.Buffer
	out.WriteString("\x89PNG\r\n\x1a\n")
	chunk := func(typ string, data []byte) {
		binary.Write(&out, binary.BigEndian, uint32(len(data)))
		body := append([]byte(typ), data...)
		out.Write(body)
		binary.Write(&out, binary.BigEndian, crc32.ChecksumIEEE(body))
	}
	ihdr := make([]byte, 13)
	binary.BigEndian.PutUint32(ihdr[0:], w)
	binary.BigEndian.PutUint32(ihdr[4:], h)
	ihdr[8], ihdr[9] = 8, 2 // 8-bit RGB
	chunk("IHDR", ihdr)
	chunk("IDAT", []byte{0x78, 0x9c, 0x03, 0x00, 0x00, 0x00, 0x00, 0x01})
	chunk("IEND", nil)
	return out.Bytes()
}

// seed = -1: two plans do not show two seeds that will never be sent; a
// saved plan pins the seed it sends, and applying it records exactly that
// one.
func TestSavedPlanPinsRandomSeed(t *testing.T) {
	dir := writeConfig(t, map[string]string{"main.img.hcl": `image "r" {
  prompt = "anything"
  seed   = -1
  output = "r.png"
}
`})
	for range 2 {
		out, code := runImgform(t, dir, nil, "plan", "--offline")
		if code != 0 || !strings.Contains(out, "seed                = (random, chosen at apply)") {
			t.Fatalf("plan (exit %d) does not show the seed as chosen at apply:\n%s", code, out)
		}
	}
	if out, code := runImgform(t, dir, nil, "plan", "--offline", "--out", "saved.plan"); code != 0 {
		t.Fatalf("plan --out: exit %d\n%s", code, out)
	}
	var saved struct {
		Plan struct {
			Changes []struct {
				Request struct{ Seed int64 } `json:"request"`
			} `json:"changes"`
		} `json:"plan"`
	}
	readJSON(t, filepath.Join(dir, "saved.plan"), &saved)
	if len(saved.Plan.Changes) != 1 {
		t.Fatalf("the saved plan has %d changes", len(saved.Plan.Changes))
	}
	pinned := saved.Plan.Changes[0].Request.Seed
	if out, code := runImgform(t, dir, nil, "apply", "saved.plan"); code != 0 {
		t.Fatalf("apply saved.plan: exit %d\n%s", code, out)
	}
	var st struct {
		Images map[string]struct {
			Request struct{ Seed int64 } `json:"request"`
		} `json:"images"`
	}
	readJSON(t, filepath.Join(dir, "imgform.state.json"), &st)
	if got := st.Images["image.r"].Request.Seed; got != pinned {
		t.Errorf("the state records seed %d; the saved plan sent %d", got, pinned)
	}
}

func readJSON(t *testing.T, path string, v any) {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(data, v); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
}

// plan --verify re-hashes every output; Ctrl-C stops it at once (exit
// 130), not when the hashing ends.
func TestPlanVerifyInterrupted(t *testing.T) {
	dir := writeConfig(t, map[string]string{"main.img.hcl": `image "big" {
  count  = 16
  prompt = "large ${count.index}"
  output = "big/${count.index}.png"
}
`})
	// Sparse files of 2 GiB each: 32 GiB to hash, which takes many
	// seconds on any machine, on no disk space.
	st := state.New()
	for i := range 16 {
		rel := fmt.Sprintf("big/%d.png", i)
		full := filepath.Join(dir, filepath.FromSlash(rel))
		if err := os.MkdirAll(filepath.Dir(full), 0o755); err != nil {
			t.Fatal(err)
		}
		f, err := os.Create(full)
		if err != nil {
			t.Fatal(err)
		}
		if err := f.Truncate(2 << 30); err != nil {
			t.Fatal(err)
		}
		f.Close()
		fi, err := os.Stat(full)
		if err != nil {
			t.Fatal(err)
		}
		req := model.NewRequest(model.Default).WithPrompt(fmt.Sprintf("large %d", i))
		st.Images[fmt.Sprintf("image.big[%d]", i)] = &state.Entry{Generator: state.GeneratorAPI, InputHash: req.InputHash(), Request: req, SeedOrigin: "derived",
			Outputs: []state.Output{{Path: rel, Size: fi.Size(), ModTime: fi.ModTime().UTC()}}}
	}
	data, err := state.Marshal(st)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "imgform.state.json"), data, 0o644); err != nil {
		t.Fatal(err)
	}

	cmd := exec.Command("imgform", "-C", dir, "plan", "--verify")
	cmd.Env = append(os.Environ(), "NO_COLOR=1")
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	// Interrupted once the hashing has begun: when plan has one of the
	// big files open.
	big, err := filepath.EvalSymlinks(filepath.Join(dir, "big"))
	if err != nil {
		t.Fatal(err)
	}
	var openErr error
	hashing := waitfor.Until(60*time.Second, func() bool {
		var open bool
		open, openErr = opensFileUnder(cmd.Process.Pid, big)
		return open || openErr != nil
	})
	switch {
	case errors.Is(openErr, errors.ErrUnsupported):
		cmd.Process.Kill()
		cmd.Wait()
		t.Skip("needs /proc to see when the hashing starts")
	case openErr != nil:
		t.Fatalf("plan --verify ended before it hashed anything (%v):\n%s", openErr, &out)
	case !hashing:
		t.Fatalf("plan --verify opened no output in 60s:\n%s", &out)
	}
	sent := time.Now()
	if err := cmd.Process.Signal(os.Interrupt); err != nil {
		t.Fatal(err)
	}
	cmd.Wait()
	if took := time.Since(sent); took > 5*time.Second {
		t.Errorf("plan --verify took %v to stop after Ctrl-C", took)
	}
	if code := cmd.ProcessState.ExitCode(); code != 130 {
		t.Errorf("exit code %d, want 130:\n%s", code, &out)
	}
}
