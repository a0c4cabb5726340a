package main

import (
	"bufio"
	"bytes"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// The address preview --serve prints is the page, as printed: GET it
// answers 200 with the page (no redirect to follow), and without its
// token it is refused.
func TestPreviewServeURLAnswers200(t *testing.T) {
	dir := t.TempDir()
	config := "image \"hero\" {\n  prompt = \"castle on a cliff\"\n  output = \"hero.png\"\n}\n"
	if err := os.WriteFile(filepath.Join(dir, "main.img.hcl"), []byte(config), 0o644); err != nil {
		t.Fatal(err)
	}
	preview := exec.Command("imgform", "-C", dir, "preview", "--offline", "--auto-approve", "--serve")
	preview.Env = append(os.Environ(), "NO_COLOR=1")
	stdout, err := preview.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	var errOut bytes.Buffer
	preview.Stderr = &errOut
	if err := preview.Start(); err != nil {
		t.Fatal(err)
	}
	defer preview.Process.Kill()
	re := regexp.MustCompile(`Serving the review page at (\S+) \(Ctrl-C to stop\)`)
	var url string
	var out strings.Builder
	sc := bufio.NewScanner(stdout)
	for url == "" && sc.Scan() {
		out.WriteString(sc.Text() + "\n")
		if m := re.FindStringSubmatch(sc.Text()); m != nil {
			url = m[1]
		}
	}
	if url == "" {
		preview.Wait()
		t.Fatalf("preview --serve printed no address:\n%s%s", out.String(), &errOut)
	}
	go io.Copy(io.Discard, stdout)

	client := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := client.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK || !bytes.Contains(body, []byte("image.hero")) {
		t.Errorf("GET %s: %s, want 200 and the page (%d bytes: %.200s)", url, resp.Status, len(body), body)
	}
	// Without the token, the same address is refused.
	resp, err = client.Get(url[:strings.Index(url, "?")])
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusForbidden {
		t.Errorf("GET without the token: %s, want 403", resp.Status)
	}
	if err := preview.Process.Signal(os.Interrupt); err != nil {
		t.Fatal(err)
	}
	if err := preview.Wait(); err != nil {
		t.Errorf("preview --serve after Ctrl-C: %v\n%s", err, &errOut)
	}
}
