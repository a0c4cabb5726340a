package review

import (
	"bytes"
	"context"
	"fmt"
	"mime"
	"net/url"
	"os"
	"path"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"time"

	"golang.org/x/sync/errgroup"

	"github.com/imgform/imgform/internal/model"
	"github.com/imgform/imgform/internal/plan"
)

// Bucket is where review pages are published: the team cache's bucket,
// under the cache's prefix. Keys are relative to that prefix. The s3
// cache store implements it.
type Bucket interface {
	// String names the bucket for people, without credentials.
	String() string
	// PutObject uploads an object, replacing one of the same key.
	PutObject(ctx context.Context, key string, data []byte, contentType string) error
	// PresignGet returns a URL that reads key with no credentials until
	// expiry has passed.
	PresignGet(ctx context.Context, key string, expiry time.Duration) (string, error)
	// CachedFile returns the key of the image of SHA-256 sum that the
	// cache entry of input hash h holds; ok is false when it holds none.
	CachedFile(ctx context.Context, h, sum model.Hash) (key string, ok bool, err error)
	// ListObjects calls each for every object whose key starts with under.
	ListObjects(ctx context.Context, under string, each func(key string, size int64, modified time.Time)) error
	// RemoveObject deletes an object; one that is not there is no error.
	RemoveObject(ctx context.Context, key string) error
}

// reviewsDir is the folder, under the cache's prefix, that holds the
// published review pages, one folder per id. The cache's entries are
// never under it.
const reviewsDir = "reviews/"

// MaxExpiry is the longest a presigned link lasts (SigV4's limit), and
// the default.
const MaxExpiry = 7 * 24 * time.Hour

// PublishOptions say where and how a page is published.
type PublishOptions struct {
	// ID names the page's folder, reviewsDir + ID + "/".
	ID string
	// PublicURL is the address under which the bucket serves reviewsDir
	// to anyone ("https://review.example.com/"): the page and its images
	// are then linked under it, unsigned. "" presigns every link instead.
	PublicURL string
	// Expiry is how long presigned links last: at most MaxExpiry.
	Expiry time.Duration
	// Now is the time of publishing.
	Now time.Time
}

// Published is a page put in the bucket.
type Published struct {
	ID  string `json:"id"`
	URL string `json:"url"`
	// Key is the page's key under the cache's prefix.
	Key string `json:"key"`
	// Expires is when the presigned links stop working; nil under a
	// public base URL.
	Expires *time.Time `json:"expires,omitempty"`
	// Uploaded counts the files put in the page's folder; Linked the
	// images shown from the cache's own objects (no second copy).
	Uploaded int `json:"uploaded"`
	Linked   int `json:"linked"`
	// Changed are the changed images' thumbnails, for a pull-request
	// comment; set only under a public base URL (GitHub shows images from
	// public addresses only).
	Changed []Thumbnail `json:"changed,omitempty"`
}

// Thumbnail is one changed image's small copy, at a public address.
type Thumbnail struct {
	Address string `json:"address"`
	URL     string `json:"url"`
}

// Publish puts the page of p in the bucket under reviewsDir + ID: every
// image the page shows, then index.html, whose links all work with no
// credentials. A full-size image that is the cache's own object is linked
// there (presigned) rather than copied; the thumbnails, the variants and
// the images the cache does not hold (files on disk that differ from it)
// are copied from the page's folder. Under a public base URL every image
// is copied into the page's folder: the cache itself stays private.
func (pg *Page) Publish(ctx context.Context, b Bucket, p *plan.Plan, info Info, opt PublishOptions) (*Published, error) {
	if err := checkID(opt.ID); err != nil {
		return nil, err
	}
	public := opt.PublicURL != ""
	if public {
		if _, err := PublicBase(opt.PublicURL); err != nil {
			return nil, err
		}
	} else if opt.Expiry <= 0 || opt.Expiry > MaxExpiry {
		return nil, fmt.Errorf("a presigned review link lasts at most 7 days, not %s", opt.Expiry)
	}
	folder := reviewsDir + opt.ID + "/"
	out := &Published{ID: opt.ID, Key: folder + IndexName}
	// links maps each file beside the page to its address on the page.
	links := map[string]string{}
	pg.store.mu.Lock()
	pics := make([]*picture, 0, len(pg.store.seen))
	for _, pic := range pg.store.seen {
		pics = append(pics, pic)
	}
	pg.store.mu.Unlock()
	pg.mu.Lock()
	sources := map[model.Hash][]model.Hash{}
	for k, v := range pg.sources {
		sources[k] = v
	}
	pg.mu.Unlock()
	sort.Slice(pics, func(i, j int) bool { return pics[i].Full < pics[j].Full })
	type file struct {
		rel  string
		full *picture // the picture whose full-size image it is; nil for a thumbnail
	}
	var files []file
	seen := map[string]bool{}
	for _, pic := range pics {
		for _, f := range []file{{pic.Full, pic}, {pic.Thumb, nil}} {
			if !seen[f.rel] {
				seen[f.rel] = true
				files = append(files, f)
			}
		}
	}
	var mu sync.Mutex
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(publishParallel)
	for _, f := range files {
		g.Go(func() error {
			link, linked, err := pg.publishFile(gctx, b, folder, f.rel, f.full, sources, public, opt.Expiry)
			if err != nil {
				return err
			}
			mu.Lock()
			defer mu.Unlock()
			links[f.rel] = link
			if linked {
				out.Linked++
			} else {
				out.Uploaded++
			}
			return nil
		})
	}
	if err := g.Wait(); err != nil {
		return nil, err
	}
	info.Published, info.Serve = true, false
	var page bytes.Buffer
	link := func(rel string) string {
		if l, ok := links[rel]; ok {
			return l
		}
		return rel
	}
	if err := pg.render(&page, p, info, link); err != nil {
		return nil, fmt.Errorf("publishing the review page: %w", err)
	}
	if err := b.PutObject(ctx, out.Key, page.Bytes(), "text/html; charset=utf-8"); err != nil {
		return nil, fmt.Errorf("publishing the review page: %w", err)
	}
	out.Uploaded++
	if public {
		base, _ := PublicBase(opt.PublicURL)
		at := func(rel string) string { return base + opt.ID + "/" + rel }
		out.URL = at(IndexName)
		out.Changed = pg.changedThumbs(p, at)
	} else {
		var err error
		if out.URL, err = b.PresignGet(ctx, out.Key, opt.Expiry); err != nil {
			return nil, err
		}
		until := opt.Now.Add(opt.Expiry).UTC().Truncate(time.Second)
		out.Expires = &until
	}
	return out, nil
}

// publishParallel bounds the uploads (and lookups) in flight at once.
const publishParallel = 8

// publishFile makes a file beside the page reachable from the published
// page and returns its link: the cache's own object of a full-size image
// (full) when presigned and the cache holds it (linked), else a copy in
// the page's folder. Under a public base URL a copy is linked by its path
// beside the page.
func (pg *Page) publishFile(ctx context.Context, b Bucket, folder, rel string, full *picture, sources map[model.Hash][]model.Hash, public bool, expiry time.Duration) (link string, linked bool, err error) {
	if full != nil && !public {
		key, ok, err := pg.cachedObject(ctx, b, sources[full.sum], full.sum)
		if err != nil {
			return "", false, err
		}
		if ok {
			link, err := b.PresignGet(ctx, key, expiry)
			return link, true, err
		}
	}
	data, err := os.ReadFile(filepath.Join(pg.dir, filepath.FromSlash(rel)))
	if err != nil {
		return "", false, fmt.Errorf("publishing the review page: %w", err)
	}
	if err := b.PutObject(ctx, folder+rel, data, contentTypeOf(rel)); err != nil {
		return "", false, fmt.Errorf("publishing the review page: %w", err)
	}
	if public {
		return rel, false, nil // beside the page
	}
	link, err = b.PresignGet(ctx, folder+rel, expiry)
	return link, false, err
}

// cachedObject finds the cache's own object of an image among the
// entries that may hold it.
func (pg *Page) cachedObject(ctx context.Context, b Bucket, from []model.Hash, sum model.Hash) (string, bool, error) {
	for _, h := range from {
		key, ok, err := b.CachedFile(ctx, h, sum)
		if err != nil || ok {
			return key, ok, err
		}
	}
	return "", false, nil
}

// changedThumbs are the thumbnails of the images the plan's changes
// write, as the page shows them after the change, in the plan's order.
func (pg *Page) changedThumbs(p *plan.Plan, at func(rel string) string) []Thumbnail {
	pg.mu.Lock()
	defer pg.mu.Unlock()
	var out []Thumbnail
	for _, c := range p.Changes {
		for _, i := range c.Write {
			if pics := pg.after[c.Address]; i < len(pics) && pics[i] != nil {
				out = append(out, Thumbnail{Address: c.Address, URL: at(pics[i].Thumb)})
			}
		}
	}
	return out
}

// contentTypeOf is the type an image file beside the page is served as.
func contentTypeOf(rel string) string {
	if t := mime.TypeByExtension(path.Ext(rel)); t != "" {
		return t
	}
	switch path.Ext(rel) {
	case ".webp":
		return "image/webp"
	case ".avif":
		return "image/avif"
	}
	return "application/octet-stream"
}

// PublicBase checks a public base URL (review_url) and returns it ending
// in a slash.
func PublicBase(raw string) (string, error) {
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" || u.RawQuery != "" || u.Fragment != "" || u.User != nil {
		return "", fmt.Errorf("the review URL %q is not an http(s) address such as https://review.example.com/ (no query, no credentials)", raw)
	}
	s := u.String()
	if !strings.HasSuffix(s, "/") {
		s += "/"
	}
	return s, nil
}
