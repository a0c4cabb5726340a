package main

import (
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/imgform/imgform/internal/testsvc"
	planview "github.com/imgform/imgform/internal/view"
	"github.com/imgform/imgform/internal/waitfor"
)

// The S3 server stops answering in the middle of an apply of 8 images:
// the run stops with a clear error, and the images it paid for and
// recorded are kept on this checkout's list of pending uploads. The next
// plan says so, the next apply uploads them first, and a teammate's
// checkout restores every image from the team cache: 8 billed for 8.
func TestStalledUploadIsNotForgotten(t *testing.T) {
	pgURL := testsvc.PostgreSQL(t)
	srv := testsvc.NewStallableS3(t)
	const images = 8
	r := startTeam(t, pgURL, srv.S3Server, "stall", `request_timeout = "2s"`, images, "700ms")
	base, bucket := r.base, r.bucket
	entries := func() int { return bucketEntries(t, filepath.Join(srv.Root, bucket)) }

	wait := r.start(t, r.a, "apply", "--auto-approve", "--parallelism", "2")
	// Two images made and uploaded, two more submitted (the emulator
	// takes 700ms to make one): the uploads of those will stall.
	if !waitfor.Until(time.Minute, func() bool { return stat(t, base, "jobs_submitted") >= 4 }) {
		t.Fatal("waited a minute for 4 jobs submitted")
	}
	srv.Stall(t)
	code, out := wait()
	srv.Resume(t)
	if code != 1 || !strings.Contains(out, "the team cache cannot be written, so no new image is submitted") || !strings.Contains(out, "uploaded by the next command that reaches the team cache") {
		t.Fatalf("the apply whose upload stalled: exit %d\n%s", code, out)
	}
	listed, _ := runImgform(t, r.a, r.env, "state", "list")
	recorded := strings.Count(listed, "image.tile[")
	uploaded := entries()
	pending := pendingUploads(t, r.a)
	if recorded <= uploaded || pending != recorded-uploaded {
		t.Fatalf("after the stall: %d images recorded, %d in the team cache, %d pending; want every recorded image not uploaded pending, and at least one", recorded, uploaded, pending)
	}

	out, code = runImgform(t, r.a, r.env, "plan")
	if code != 0 || !strings.Contains(out, fmt.Sprintf("%d %s to upload to the team cache (kept here when an upload failed)", pending, planview.Plural(pending, "image", "images"))) {
		t.Fatalf("plan after the stall (exit %d) does not mention the pending uploads:\n%s", code, out)
	}
	out, code = runImgform(t, r.a, r.env, "apply", "--auto-approve")
	if code != 0 || !strings.Contains(out, fmt.Sprintf("Uploaded %d %s to the team cache that an earlier run kept here.", pending, planview.Plural(pending, "image", "images"))) {
		t.Fatalf("apply after the stall (exit %d):\n%s", code, out)
	}
	if n := pendingUploads(t, r.a); n != 0 || entries() != images {
		t.Fatalf("after the next apply: %d pending, %d in the team cache; want 0 and %d", n, entries(), images)
	}

	// A teammate pays for nothing.
	out, code = runImgform(t, r.b, r.env, "apply", "--auto-approve")
	if code != 0 {
		t.Fatalf("the teammate's apply: exit %d\n%s", code, out)
	}
	if got := stat(t, base, "generated"); got != images {
		t.Errorf("%d images billed for %d", got, images)
	}
}

// bucketEntries counts the cache entries in a bucket of versitygw's
// posix backend: one meta.json each.
func bucketEntries(t *testing.T, dir string) int {
	t.Helper()
	n := 0
	err := filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err == nil && d.Name() == "meta.json" && !d.IsDir() {
			n++
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return n
}

// pendingUploads counts a checkout's pending uploads.
func pendingUploads(t *testing.T, dir string) int {
	t.Helper()
	entries, err := os.ReadDir(filepath.Join(dir, ".imgform", "uploads"))
	if err != nil && !os.IsNotExist(err) {
		t.Fatal(err)
	}
	n := 0
	for _, e := range entries {
		if len(e.Name()) == 64 {
			n++
		}
	}
	return n
}
