package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// cacheEntryDir is the directory of an input hash's entry in the cache of
// the configuration in dir.
func cacheEntryDir(dir, hash string) string {
	return filepath.Join(dir, ".imgform", "cache", hash[:2], hash)
}

// A cache entry is trusted only when its images hash to what its
// metadata says, and, for the restore of a recorded output, to what the
// state recorded. A damaged entry is priced as a paid generation; an entry
// whose image was swapped for another image's is never written as this
// image's output.
func TestCacheEntriesAreVerified(t *testing.T) {
	dir := writeConfig(t, map[string]string{"main.img.hcl": `image "a" {
  prompt = "first"
  output = "a.png"
}
image "b" {
  prompt = "second"
  output = "b.png"
}
`})
	base, stop, err := launchEmulator(os.Getenv("PATH"), t.TempDir(), []string{"--latency", "20ms", "--quiet"})
	if err != nil {
		t.Fatal(err)
	}
	defer stop()
	env := []string{"SEGMIND_BASE_URL=" + base, "SEGMIND_API_KEY=test-key"}
	if out, code := runImgform(t, dir, env, "apply", "--auto-approve"); code != 0 {
		t.Fatalf("apply: exit %d\n%s", code, out)
	}
	var st struct {
		Images map[string]struct {
			InputHash string `json:"input_hash"`
		} `json:"images"`
	}
	readJSON(t, filepath.Join(dir, "imgform.state.json"), &st)
	ha, hb := st.Images["image.a"].InputHash, st.Images["image.b"].InputHash
	origB, err := os.ReadFile(filepath.Join(dir, "b.png"))
	if err != nil {
		t.Fatal(err)
	}

	// a: one byte of its cached image changed.
	damaged := filepath.Join(cacheEntryDir(dir, ha), "0.png")
	data, err := os.ReadFile(damaged)
	if err != nil {
		t.Fatal(err)
	}
	aImage := append([]byte(nil), data...)
	data[len(data)/2] ^= 0xff
	if err := os.WriteFile(damaged, data, 0o644); err != nil {
		t.Fatal(err)
	}
	// b: its entry swapped for a's image, with metadata to match.
	meta, err := os.ReadFile(filepath.Join(cacheEntryDir(dir, ha), "meta.json"))
	if err != nil {
		t.Fatal(err)
	}
	meta = bytes.ReplaceAll(meta, []byte(ha), []byte(hb))
	for name, content := range map[string][]byte{"0.png": aImage, "meta.json": meta} {
		if err := os.WriteFile(filepath.Join(cacheEntryDir(dir, hb), name), content, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	for _, f := range []string{"a.png", "b.png"} {
		if err := os.Remove(filepath.Join(dir, f)); err != nil {
			t.Fatal(err)
		}
	}

	out, code := runImgform(t, dir, env, "plan")
	if code != 0 {
		t.Fatalf("plan: exit %d\n%s", code, out)
	}
	for _, want := range []string{
		"the cache's copy cannot be used (cache entry " + ha[:12] + " is damaged",
		"the cache's copy is not the image the state recorded for b.png",
		"Images to generate through the API: 2 ",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("the plan lacks %q:\n%s", want, out)
		}
	}
	if out, code := runImgform(t, dir, env, "apply", "--auto-approve"); code != 0 {
		t.Fatalf("apply: exit %d\n%s", code, out)
	}
	if got := stat(t, base, "generated"); got != 4 {
		t.Errorf("generated %d in all, want 4: the two entries that could not be trusted were paid for", got)
	}
	gotB, err := os.ReadFile(filepath.Join(dir, "b.png"))
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(gotB, origB) {
		t.Error("b.png is not b's image: the swapped cache entry was written")
	}
	if out, code := runImgform(t, dir, env, "plan", "--verify", "--detailed-exitcode"); code != 0 {
		t.Errorf("plan --verify after the apply: exit %d\n%s", code, out)
	}
}
