package main

import (
	"bufio"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/minio/minio-go/v7"

	"github.com/imgform/imgform/internal/testsvc"
)

// The published review page, against versitygw and in Chromium: preview
// --publish puts the page and its images in the team cache's bucket under
// PREFIX/reviews/pr-N/, the URL it prints answers 200 with HTML to a
// client with no credentials, and Chromium opening it shows every image
// (before, after and each candidate), the full-size images being the
// cache's own objects. A pull request from a fork publishes nothing.
// Under a public review_url (a loopback stand-in for CloudFront with
// origin access: a proxy that reads the bucket with the keys, the
// browser sending none), the markdown's image links answer 200. review
// prune lists before it removes, and removes only the pages: the cache's
// entries stay, and the apply after pays nothing.
func TestPublishedReviewInBrowser(t *testing.T) {
	chromium := testsvc.Chromium(t)
	srv := testsvc.S3(t)
	client := s3Client(t, srv)
	bucket, _, err := makeBucket(t.Context(), client, srv, "publish")
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	teamBlock := `imgform {
  cache "s3" {
    bucket = "` + bucket + `"
    prefix = "team/"
    REVIEW_URL
  }
}
`
	writeConfig := func(logoPrompt, reviewURL string) {
		t.Helper()
		block := strings.Replace(teamBlock, "REVIEW_URL", reviewURL, 1)
		config := block + `
image "logo" {
  prompt = "` + logoPrompt + `"
  output = "logo.png"
}

image "hero" {
  prompt     = "castle on a cliff"
  candidates = 3
  output     = "hero.png"
}
`
		if err := os.WriteFile(filepath.Join(dir, "main.img.hcl"), []byte(config), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	base, stop, err := launchEmulator(os.Getenv("PATH"), dir, []string{"--quiet"})
	if err != nil {
		t.Fatal(err)
	}
	defer stop()
	env := append(os.Environ(), "SEGMIND_BASE_URL="+base, "SEGMIND_API_KEY=test-key", "NO_COLOR=1",
		"AWS_ACCESS_KEY_ID="+srv.AccessKey, "AWS_SECRET_ACCESS_KEY="+srv.SecretKey, "AWS_ENDPOINT_URL_S3="+srv.Endpoint, "AWS_REGION="+srv.Region)
	run := func(extraEnv []string, args ...string) string {
		t.Helper()
		cmd := exec.Command("imgform", append([]string{"-C", dir}, args...)...)
		cmd.Env = append(append([]string{}, env...), extraEnv...)
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Fatalf("imgform %s: %v\n%s", strings.Join(args, " "), err, out)
		}
		return string(out)
	}
	event := func(head, base string) string {
		path := filepath.Join(t.TempDir(), "event.json")
		data := `{"pull_request": {"head": {"repo": {"full_name": "` + head + `"}}, "base": {"repo": {"full_name": "` + base + `"}}}}`
		if err := os.WriteFile(path, []byte(data), 0o644); err != nil {
			t.Fatal(err)
		}
		return path
	}
	keys := func(under string) map[string]bool {
		t.Helper()
		out := map[string]bool{}
		for obj := range client.ListObjects(t.Context(), bucket, minio.ListObjectsOptions{Prefix: under, Recursive: true}) {
			if obj.Err != nil {
				t.Fatal(obj.Err)
			}
			out[obj.Key] = true
		}
		return out
	}

	// main: logo applied; then the pull request changes it and adds hero,
	// with three candidates.
	writeConfig("a red fox logo", "")
	run(nil, "apply", "--auto-approve", "--target", "image.logo")
	writeConfig("a blue fox logo", "")
	pr := []string{"GITHUB_EVENT_NAME=pull_request", "GITHUB_REF=refs/pull/7/merge", "GITHUB_HEAD_REF=new-logo",
		"GITHUB_EVENT_PATH=" + event("acme/site", "acme/site")}
	md := filepath.Join(dir, "review.md")
	out := run(pr, "preview", "--auto-approve", "--publish", "--json", "--markdown", md)
	var ev struct {
		Type      string
		Published bool
		Review    struct {
			ID, URL, Key string
			Expires      *time.Time
			Linked       int
		}
	}
	for sc := bufio.NewScanner(strings.NewReader(out)); sc.Scan(); {
		if strings.Contains(sc.Text(), `"type":"review"`) {
			if err := json.Unmarshal(sc.Bytes(), &ev); err != nil {
				t.Fatal(err)
			}
		}
	}
	if !ev.Published || ev.Review.ID != "pr-7" || ev.Review.Key != "reviews/pr-7/index.html" || ev.Review.Expires == nil {
		t.Fatalf("preview --publish --json gave no review event for pr-7 with an expiry:\n%s", out)
	}
	if ev.Review.Linked == 0 {
		t.Errorf("no image was linked from the cache's own objects: every one was copied")
	}
	if !keys("team/reviews/pr-7/")["team/reviews/pr-7/index.html"] {
		t.Fatalf("the bucket has no team/reviews/pr-7/index.html: %v", keys("team/"))
	}
	if data, _ := os.ReadFile(md); !strings.Contains(string(data), "[Open the review page]("+ev.Review.URL+")") || strings.Contains(string(data), "![") {
		t.Errorf("the markdown of a presigned page should hold its link and no image (GitHub shows public images only):\n%s", data)
	}

	// The URL, with no credentials: the page, and each image it shows.
	page := get(t, ev.Review.URL, "text/html")
	if !strings.Contains(page, "<h1>imgform review</h1>") || !strings.Contains(page, "connect-src 'none'") {
		t.Fatalf("the published page is not the review page with its policy:\n%.2000s", page)
	}
	if strings.Contains(page, srv.SecretKey) || strings.Contains(page, "test-key") {
		t.Errorf("the published page holds a secret")
	}
	srcs := regexp.MustCompile(`(?:src|href)="([^"]+)"`).FindAllStringSubmatch(page, -1)
	n := 0
	for _, m := range srcs {
		u := strings.ReplaceAll(m[1], "&amp;", "&")
		if !strings.HasPrefix(u, "http") {
			t.Errorf("the published page links %q, which is not an absolute (presigned) address", u)
			continue
		}
		if !strings.Contains(u, "X-Amz-Signature=") {
			t.Errorf("the published page links %s unsigned", u)
		}
		get(t, u, "image/")
		n++
	}
	if n == 0 {
		t.Fatal("the published page links no image")
	}

	// Chromium, with no credentials: every image shows.
	ctx := openPage(t, chromium, ev.Review.URL)
	if err := chromedp.Do(ctx,
		chromedp.Evaluate[chromedp.Void](`document.querySelectorAll('img').forEach(function (i) { i.loading = 'eager'; })`),
		chromedp.Poll[chromedp.Void](`Array.prototype.every.call(document.querySelectorAll('img'), function (i) { return i.complete && i.naturalWidth > 0; })`, chromedp.WithPollingTimeout(time.Minute)),
	); err != nil {
		broken, _ := chromedp.Run(ctx, chromedp.Evaluate[[]string](`Array.prototype.filter.call(document.querySelectorAll('img'), function (i) { return !(i.complete && i.naturalWidth > 0); }).map(function (i) { return i.alt + " " + i.src; })`))
		t.Fatalf("images of the published page do not show (%v): %v", err, broken)
	}
	counts, err := chromedp.Run(ctx, chromedp.Evaluate[map[string]int](`({
		before: document.querySelectorAll('figure.before img').length,
		after: document.querySelectorAll('figure.after img').length,
		slider: document.querySelectorAll('.compare img').length,
		candidates: document.querySelectorAll('figure.candidate img').length,
		all: document.querySelectorAll('img').length,
	})`))
	if err != nil {
		t.Fatal(err)
	}
	if counts["before"] < 1 || counts["after"] < 2 || counts["slider"] < 2 || counts["candidates"] != 3 {
		t.Errorf("the published page shows %v: want logo before and after (and its slider), and hero's 3 candidates", counts)
	}

	// A pull request from a fork publishes nothing.
	fork := []string{"GITHUB_EVENT_NAME=pull_request", "GITHUB_REF=refs/pull/8/merge", "GITHUB_EVENT_PATH=" + event("mallory/site", "acme/site")}
	out = run(fork, "preview", "--from-cache", "--publish", "--out", "fork-review")
	if !strings.Contains(out, "Not publishing the review page: this pull request comes from a fork (mallory/site into acme/site)") {
		t.Errorf("preview of a fork's pull request does not say it does not publish:\n%s", out)
	}
	if k := keys("team/reviews/pr-8/"); len(k) != 0 {
		t.Errorf("a fork's pull request published %v", k)
	}

	// Under a public base URL: a loopback stand-in for a CDN in front of
	// PREFIX/reviews/ that reads the bucket with its own keys.
	cdn := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		obj, err := client.GetObject(r.Context(), bucket, "team/reviews/"+strings.TrimPrefix(r.URL.Path, "/"), minio.GetObjectOptions{})
		if err == nil {
			var info minio.ObjectInfo
			if info, err = obj.Stat(); err == nil {
				w.Header().Set("Content-Type", info.ContentType)
				_, _ = io.Copy(w, obj)
				return
			}
		}
		http.NotFound(w, r)
	}))
	defer cdn.Close()
	writeConfig("a blue fox logo", `review_url = "`+cdn.URL+`/"`)
	md = filepath.Join(dir, "public.md")
	branch := []string{"GITHUB_EVENT_NAME=push", "GITHUB_REF=refs/heads/feature/x"}
	out = run(branch, "preview", "--from-cache", "--publish", "--out", "public-review", "--markdown", md)
	pageURL := regexp.MustCompile(`(?m)^` + regexp.QuoteMeta(cdn.URL) + `/branch-feature-x-[0-9a-f]{8}/index\.html$`).FindString(out)
	if pageURL == "" {
		t.Fatalf("preview under a public review_url printed no page URL under it:\n%s", out)
	}
	if page := get(t, pageURL, "text/html"); strings.Contains(page, "X-Amz-") {
		t.Errorf("the page under a public URL holds presigned links")
	}
	data, err := os.ReadFile(md)
	if err != nil {
		t.Fatal(err)
	}
	imgs := regexp.MustCompile(`!\[[^\]]*\]\(([^)]+)\)`).FindAllStringSubmatch(string(data), -1)
	if len(imgs) < 2 || !strings.Contains(string(data), "[Open the review page]("+pageURL+")") {
		t.Fatalf("the markdown under a public review_url should link the page and show logo's and hero's images:\n%s", data)
	}
	for _, m := range imgs {
		get(t, m[1], "image/")
	}

	// Retention: list, a dry run, then the removal; the cache's entries
	// stay.
	out = run(nil, "review", "list")
	if !strings.Contains(out, "pr-7\t") || !strings.Contains(out, "branch-feature-x-") {
		t.Errorf("review list:\n%s", out)
	}
	cacheKeys := func() int {
		n := 0
		for k := range keys("team/") {
			if !strings.HasPrefix(k, "team/reviews/") {
				n++
			}
		}
		return n
	}
	entries := cacheKeys()
	out = run(nil, "review", "prune", "--older-than", "1ms")
	if !strings.Contains(out, "would remove pr-7") || len(keys("team/reviews/pr-7/")) == 0 {
		t.Errorf("review prune without --auto-approve should only list:\n%s", out)
	}
	out = run(nil, "review", "prune", "--older-than", "1ms", "--auto-approve")
	if !strings.Contains(out, "removed pr-7") || len(keys("team/reviews/")) != 0 {
		t.Errorf("review prune --auto-approve left %v:\n%s", keys("team/reviews/"), out)
	}
	if out := run(nil, "review", "prune", "--older-than", "30d"); !strings.Contains(out, "No review page was last written more than 30d ago (0 kept).") {
		t.Errorf("review prune with nothing to prune:\n%s", out)
	}
	if got := cacheKeys(); got != entries || entries == 0 {
		t.Errorf("review prune touched the cache: %d objects outside reviews/ before, %d after", entries, got)
	}
	generated := stat(t, base, "generated")
	out = run(nil, "apply", "--auto-approve")
	if got := stat(t, base, "generated"); got != generated {
		t.Errorf("the apply after the preview paid for %d images: the cache lost them\n%s", got-generated, out)
	}
}

// get fetches u with no credentials and wants 200 with a content type
// starting with want; it returns the body.
func get(t *testing.T, u, want string) string {
	t.Helper()
	resp, err := http.Get(u)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	if resp.StatusCode != http.StatusOK || !strings.HasPrefix(resp.Header.Get("Content-Type"), want) {
		t.Errorf("GET %s: %s, %s; want 200 with %s\n%.300s", u, resp.Status, resp.Header.Get("Content-Type"), want, body)
	}
	return string(body)
}
