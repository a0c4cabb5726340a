package s3

import (
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/imgform/imgform/internal/cache"
	"github.com/imgform/imgform/internal/model"
)

// What a published review page needs of the bucket: an object put under
// the prefix is read through its presigned URL by a client with no
// credentials (with its content type), a cache entry's image is found by
// its sum, and listing and removal keep to the folder asked for.
func TestReviewObjects(t *testing.T) {
	s := newStore(t, "team/")
	ctx := t.Context()
	if err := s.PutObject(ctx, "reviews/pr-1/index.html", []byte("<!DOCTYPE html><p>hi"), "text/html; charset=utf-8"); err != nil {
		t.Fatal(err)
	}
	u, err := s.PresignGet(ctx, "reviews/pr-1/index.html", time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(u, "/team/reviews/pr-1/index.html?") || !strings.Contains(u, "X-Amz-Expires=3600") {
		t.Errorf("presigned URL %s", u)
	}
	resp, err := http.Get(u) // no credentials
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || string(body) != "<!DOCTYPE html><p>hi" || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/html") {
		t.Errorf("GET presigned: %s %q %s", resp.Status, body, resp.Header.Get("Content-Type"))
	}
	// Unsigned, the same object is refused: the bucket is not public.
	if resp, err := http.Get(strings.Split(u, "?")[0]); err != nil || resp.StatusCode == 200 {
		t.Errorf("GET unsigned answered %v, %v", resp.Status, err)
	} else {
		resp.Body.Close()
	}
	for _, d := range []time.Duration{0, -time.Second, maxPresignExpiry + time.Second} {
		if _, err := s.PresignGet(ctx, "reviews/pr-1/index.html", d); err == nil {
			t.Errorf("PresignGet accepted an expiry of %s", d)
		}
	}

	png := []byte("\x89PNG not decoded here")
	h := model.SumBytes([]byte("request"))
	sum := model.SumBytes(png)
	e := &cache.Entry{InputHash: h, Files: []cache.File{{Name: "0.png", SHA256: sum, Size: int64(len(png)), ContentType: "image/png"}}, Created: time.Now()}
	if err := s.Put(ctx, e, [][]byte{png}); err != nil {
		t.Fatal(err)
	}
	key, ok, err := s.CachedFile(ctx, h, sum)
	if err != nil || !ok || key != strings.TrimPrefix(s.fileKey(h, e.Files[0]), "team/") {
		t.Fatalf("CachedFile = %q, %v, %v", key, ok, err)
	}
	if _, ok, _ := s.CachedFile(ctx, h, model.SumBytes([]byte("other"))); ok {
		t.Error("CachedFile found an image the entry does not hold")
	}
	if _, ok, _ := s.CachedFile(ctx, model.SumBytes([]byte("no entry")), sum); ok {
		t.Error("CachedFile found an image of an entry that is not there")
	}

	var listed []string
	if err := s.ListObjects(ctx, "reviews/", func(k string, _ int64, _ time.Time) { listed = append(listed, k) }); err != nil {
		t.Fatal(err)
	}
	if strings.Join(listed, ",") != "reviews/pr-1/index.html" {
		t.Errorf("ListObjects(reviews/) = %v", listed)
	}
	if err := s.RemoveObject(ctx, "reviews/pr-1/index.html"); err != nil {
		t.Fatal(err)
	}
	if err := s.RemoveObject(ctx, "reviews/pr-1/index.html"); err != nil {
		t.Errorf("removing what is gone: %v", err)
	}
	if _, err := s.Stat(ctx, h); err != nil {
		t.Errorf("the cache entry after the review's removal: %v", err)
	}
	if hs, err := s.List(ctx); err != nil || len(hs) != 1 {
		t.Errorf("the cache lists %v, %v: want its one entry, never the review", hs, err)
	}
}
