package review

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func envOf(m map[string]string) func(string) string { return func(k string) string { return m[k] } }

func TestIDFromEnv(t *testing.T) {
	for _, tc := range []struct {
		name string
		env  map[string]string
		want string
	}{
		{"github pull request", map[string]string{"GITHUB_REF": "refs/pull/42/merge", "GITHUB_HEAD_REF": "feature/x"}, "pr-42"},
		{"gitlab merge request", map[string]string{"CI_MERGE_REQUEST_IID": "17", "CI_COMMIT_REF_NAME": "feature/x"}, "mr-17"},
		{"github branch of a pull request", map[string]string{"GITHUB_HEAD_REF": "Feature/X"}, branchID("Feature/X")},
		{"github push", map[string]string{"GITHUB_REF": "refs/heads/main"}, branchID("main")},
		{"gitlab branch", map[string]string{"CI_COMMIT_BRANCH": "main"}, branchID("main")},
		{"a pull ref that is not a number", map[string]string{"GITHUB_REF": "refs/pull/x/merge", "GITHUB_HEAD_REF": "b"}, branchID("b")},
	} {
		id, stable, err := iDFromEnv(envOf(tc.env))
		if err != nil || !stable || id != tc.want {
			t.Errorf("%s: iDFromEnv = %q, %v, %v; want %q, stable", tc.name, id, stable, err, tc.want)
		}
		if err := checkID(id); err != nil {
			t.Errorf("%s: %v", tc.name, err)
		}
	}
	a, stableA, _ := iDFromEnv(envOf(nil))
	b, _, _ := iDFromEnv(envOf(nil))
	if stableA || a == b || !strings.HasPrefix(a, "run-") || checkID(a) != nil {
		t.Errorf("without CI the ids are %q and %q (stable %v): want two random run- ids", a, b, stableA)
	}
}

func TestBranchIDsDoNotCollide(t *testing.T) {
	x, y := branchID("feature/a"), branchID("feature-a")
	if x == y || !strings.HasPrefix(x, "branch-feature-a-") {
		t.Errorf("branchID(feature/a) = %q, branchID(feature-a) = %q", x, y)
	}
	long := branchID(strings.Repeat("ab/", 60) + "ü")
	if checkID(long) != nil {
		t.Errorf("a long branch's id %q is not a valid id", long)
	}
	if id := branchID("///"); checkID(id) != nil {
		t.Errorf("branchID(///) = %q", id)
	}
}

func TestCheckIDRefusesPaths(t *testing.T) {
	for _, id := range []string{"", "../x", "a/b", "A", "-x", strings.Repeat("a", 81)} {
		if checkID(id) == nil {
			t.Errorf("checkID(%q) accepted it", id)
		}
	}
}

func TestWhyNotPublish(t *testing.T) {
	dir := t.TempDir()
	event := func(body string) string {
		p := filepath.Join(dir, "e"+string(rune('a'+len(body)%26))+".json")
		if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	same := event(`{"pull_request":{"head":{"repo":{"full_name":"acme/site"}},"base":{"repo":{"full_name":"acme/site"}}}}`)
	fork := event(`{"pull_request":{"head":{"repo":{"full_name":"mallory/site"}},"base":{"repo":{"full_name":"acme/site"}}}}`)
	gone := event(`{"pull_request":{"head":{"repo":null},"base":{"repo":{"full_name":"acme/site"}}}}`)
	for _, tc := range []struct {
		name string
		env  map[string]string
		want string // in the reason; "" when it may publish
	}{
		{"push", map[string]string{"GITHUB_EVENT_NAME": "push"}, ""},
		{"no CI", nil, ""},
		{"same repository", map[string]string{"GITHUB_EVENT_NAME": "pull_request", "GITHUB_EVENT_PATH": same}, ""},
		{"fork", map[string]string{"GITHUB_EVENT_NAME": "pull_request", "GITHUB_EVENT_PATH": fork}, "fork (mallory/site into acme/site)"},
		{"fork, pull_request_target", map[string]string{"GITHUB_EVENT_NAME": "pull_request_target", "GITHUB_EVENT_PATH": fork}, "fork"},
		{"deleted fork", map[string]string{"GITHUB_EVENT_NAME": "pull_request", "GITHUB_EVENT_PATH": gone}, "a deleted repository"},
		{"no event file", map[string]string{"GITHUB_EVENT_NAME": "pull_request"}, "cannot tell"},
		{"unreadable event", map[string]string{"GITHUB_EVENT_NAME": "pull_request", "GITHUB_EVENT_PATH": filepath.Join(dir, "none.json")}, "cannot tell"},
		{"gitlab fork", map[string]string{"CI_MERGE_REQUEST_SOURCE_PROJECT_ID": "2", "CI_MERGE_REQUEST_PROJECT_ID": "1"}, "another project"},
		{"gitlab same project", map[string]string{"CI_MERGE_REQUEST_SOURCE_PROJECT_ID": "1", "CI_MERGE_REQUEST_PROJECT_ID": "1"}, ""},
	} {
		got := whyNotPublish(envOf(tc.env), os.ReadFile)
		if (tc.want == "") != (got == "") || !strings.Contains(got, tc.want) {
			t.Errorf("%s: whyNotPublish = %q, want %q", tc.name, got, tc.want)
		}
	}
}

func TestPrepare(t *testing.T) {
	now := time.Date(2026, 12, 7, 6, 0, 0, 0, time.UTC)
	env := envOf(map[string]string{"GITHUB_REF": "refs/pull/3/merge"})
	opt, skip, err := Prepare(PublishSettings{Publish: true}, env, os.ReadFile, now)
	if err != nil || skip != "" || opt.ID != "pr-3" || opt.Expiry != MaxExpiry {
		t.Errorf("Prepare = %+v, %q, %v; want pr-3 with the 7-day expiry", opt, skip, err)
	}
	if _, _, err := Prepare(PublishSettings{Expiry: MaxExpiry + time.Second}, env, os.ReadFile, now); err == nil {
		t.Error("Prepare accepted an expiry past 7 days")
	}
	if _, _, err := Prepare(PublishSettings{PublicURL: "ftp://x/"}, env, os.ReadFile, now); err == nil {
		t.Error("Prepare accepted an ftp review URL")
	}
	fork := envOf(map[string]string{"GITHUB_EVENT_NAME": "pull_request"})
	if _, skip, err := Prepare(PublishSettings{}, fork, func(string) ([]byte, error) { return nil, errors.New("no") }, now); err != nil || skip == "" {
		t.Errorf("Prepare of a pull request it cannot check: skip %q, %v", skip, err)
	}
}

func TestOlderThan(t *testing.T) {
	now := time.Date(2026, 12, 7, 6, 0, 0, 0, time.UTC)
	rs := []*Review{{ID: "new", Updated: now.Add(-29 * 24 * time.Hour)}, {ID: "old", Updated: now.Add(-31 * 24 * time.Hour)}}
	got := olderThan(rs, 30*24*time.Hour, now)
	if len(got) != 1 || got[0].ID != "old" {
		t.Errorf("olderThan 30d = %v, want old only", got)
	}
}

func TestRemoveKeepsToItsFolder(t *testing.T) {
	r := &Review{ID: "pr-1", keys: []string{"reviews/pr-1/index.html", "ab/abcd/meta.json"}}
	b := &recordingBucket{}
	err := Remove(t.Context(), b, r)
	if err == nil || len(b.removed) != 1 {
		t.Errorf("Remove of a key outside the page's folder: %v, removed %v", err, b.removed)
	}
}

func TestMarkdown(t *testing.T) {
	until := time.Date(2026, 12, 14, 6, 0, 0, 0, time.UTC)
	var buf bytes.Buffer
	if err := WriteMarkdown(&buf, &Published{URL: "https://s3.example/b/reviews/pr-1/index.html?X-Amz-Signature=ab", Expires: &until}, ""); err != nil {
		t.Fatal(err)
	}
	if s := buf.String(); !strings.Contains(s, "[Open the review page](https://s3.example/b/reviews/pr-1/index.html?X-Amz-Signature=ab)") || !strings.Contains(s, "until 2026-12-14 06:00 UTC") || strings.Contains(s, "![") {
		t.Errorf("presigned markdown:\n%s", s)
	}
	buf.Reset()
	pub := &Published{URL: "https://review.example.com/pr-1/index.html", Changed: []Thumbnail{{Address: `image.icon["a|b"]`, URL: "https://review.example.com/pr-1/img/x (1)-thumb.jpg"}}}
	if err := WriteMarkdown(&buf, pub, ""); err != nil {
		t.Fatal(err)
	}
	if s := buf.String(); !strings.Contains(s, "](https://review.example.com/pr-1/img/x%20%281%29-thumb.jpg)") || !strings.Contains(s, `a\|b`) {
		t.Errorf("public markdown:\n%s", s)
	}
	buf.Reset()
	if err := WriteMarkdown(&buf, nil, "this pull request comes from a fork"); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(buf.String(), "was not published: this pull request comes from a fork") {
		t.Errorf("markdown of a page not published:\n%s", buf.String())
	}
}

// recordingBucket records removals; nothing else is asked of it.
type recordingBucket struct {
	Bucket
	removed []string
}

func (b *recordingBucket) RemoveObject(_ context.Context, key string) error {
	b.removed = append(b.removed, key)
	return nil
}
