package review

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
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
// under reviewsDir are read: the cache's entries are not reviews.
func List(ctx context.Context, b Bucket) ([]*Review, error) {
	by := map[string]*Review{}
	err := b.ListObjects(ctx, reviewsDir, func(key string, size int64, modified time.Time) {
		id, _, ok := strings.Cut(strings.TrimPrefix(key, reviewsDir), "/")
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

// olderThan keeps the reviews last written before now - age.
func olderThan(rs []*Review, age time.Duration, now time.Time) []*Review {
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
	folder := reviewsDir + r.ID + "/"
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

// WriteList prints the published pages: one line each, or one JSON
// object each (docs/review-json.md).
func WriteList(w io.Writer, rs []*Review, asJSON bool) error {
	for _, r := range rs {
		if asJSON {
			data, err := json.Marshal(r)
			if err != nil {
				return err
			}
			if _, err := fmt.Fprintf(w, "%s\n", data); err != nil {
				return err
			}
			continue
		}
		if _, err := fmt.Fprintf(w, "%s\t%s\t%d files\t%s\n", r.ID, r.Updated.UTC().Format(time.RFC3339), r.Objects, size(r.Bytes)); err != nil {
			return err
		}
	}
	return nil
}

// Prune removes the pages last written longer ago than age (see
// olderThan), telling w of each; with dryRun it only tells.
func Prune(ctx context.Context, b Bucket, w io.Writer, age time.Duration, now time.Time, dryRun bool) error {
	rs, err := List(ctx, b)
	if err != nil {
		return err
	}
	old := olderThan(rs, age, now)
	for _, r := range old {
		if dryRun {
			fmt.Fprintf(w, "would remove %s (last written %s, %d files)\n", r.ID, r.Updated.UTC().Format(time.RFC3339), r.Objects)
			continue
		}
		if err := Remove(ctx, b, r); err != nil {
			return err
		}
		fmt.Fprintf(w, "removed %s (%d files)\n", r.ID, r.Objects)
	}
	switch {
	case len(old) == 0:
		fmt.Fprintf(w, "No review page was last written more than %s ago (%d kept).\n", ageString(age), len(rs))
	case dryRun:
		fmt.Fprintln(w, "Nothing was removed: run again with --auto-approve to remove these.")
	}
	return nil
}

// size is a size in bytes for people: 1.2 MB.
func size(n int64) string {
	switch {
	case n >= 1<<20:
		return fmt.Sprintf("%.1f MB", float64(n)/(1<<20))
	case n >= 1<<10:
		return fmt.Sprintf("%.1f KB", float64(n)/(1<<10))
	}
	return fmt.Sprintf("%d bytes", n)
}

// ageString is an age as people write it: whole days as "30d".
func ageString(d time.Duration) string {
	if d >= 24*time.Hour && d%(24*time.Hour) == 0 {
		return fmt.Sprintf("%dd", d/(24*time.Hour))
	}
	return d.String()
}
