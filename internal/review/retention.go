package review

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"time"
)

// Review is one published page's folder in the bucket.
type Review struct {
	ID string `json:"id"`
	// Updated is when an object of it was last written: a page published
	// again for the same pull request is as new as its last push.
	Updated time.Time `json:"updated"`
	Objects int       `json:"objects"`
	Bytes   int64     `json:"bytes"`
	keys    []string
}

// List reads the published pages of the bucket, newest first. Only keys
// under ReviewsDir are read: the cache's entries are not reviews.
func List(ctx context.Context, b Bucket) ([]*Review, error) {
	by := map[string]*Review{}
	err := b.ListObjects(ctx, ReviewsDir, func(key string, size int64, modified time.Time) {
		id, _, ok := strings.Cut(strings.TrimPrefix(key, ReviewsDir), "/")
		if !ok || id == "" {
			return // not in a page's folder: not imgform's
		}
		r := by[id]
		if r == nil {
			r = &Review{ID: id}
			by[id] = r
		}
		r.Objects++
		r.Bytes += size
		r.keys = append(r.keys, key)
		if modified.After(r.Updated) {
			r.Updated = modified
		}
	})
	if err != nil {
		return nil, err
	}
	out := make([]*Review, 0, len(by))
	for _, r := range by {
		out = append(out, r)
	}
	sort.Slice(out, func(i, j int) bool {
		if !out[i].Updated.Equal(out[j].Updated) {
			return out[i].Updated.After(out[j].Updated)
		}
		return out[i].ID < out[j].ID
	})
	return out, nil
}

// OlderThan keeps the reviews last written before now - age.
func OlderThan(rs []*Review, age time.Duration, now time.Time) []*Review {
	var out []*Review
	for _, r := range rs {
		if r.Updated.Before(now.Add(-age)) {
			out = append(out, r)
		}
	}
	return out
}

// Remove deletes a review's objects: only keys under its folder, which
// the cache's entries never are (a published page links the cache's
// objects, it does not own them).
func Remove(ctx context.Context, b Bucket, r *Review) error {
	folder := ReviewsDir + r.ID + "/"
	for _, key := range r.keys {
		if !strings.HasPrefix(key, folder) {
			return fmt.Errorf("refusing to remove %s: it is not under %s", key, folder)
		}
		if err := b.RemoveObject(ctx, key); err != nil {
			return err
		}
	}
	return nil
}
