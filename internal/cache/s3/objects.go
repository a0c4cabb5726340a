package s3

import (
	"bytes"
	"context"
	"fmt"
	"net/url"
	"strings"
	"time"

	"github.com/minio/minio-go/v7"

	"github.com/imgform/imgform/internal/model"
)

// The methods below are what a published review page needs of the
// bucket (review.Bucket): plain objects under the store's prefix, next
// to the cache's entries and never among them. Keys are relative to the
// prefix.

// maxPresignExpiry is the longest a SigV4 query signature may last.
const maxPresignExpiry = 7 * 24 * time.Hour

// PutObject uploads an object, replacing one of the same key.
func (s *Store) PutObject(ctx context.Context, key string, data []byte, contentType string) error {
	rctx, cancel := s.request(ctx)
	defer cancel()
	opts := minio.PutObjectOptions{ContentType: contentType, CacheControl: "private, max-age=300"}
	if _, err := s.client.PutObject(rctx, s.bucket, s.prefix+key, bytes.NewReader(data), int64(len(data)), opts); err != nil {
		return fmt.Errorf("uploading %s to %s: %w", key, s.where, s.explain(rctx, err))
	}
	return nil
}

// PresignGet returns a URL that reads the object with no credentials
// until expiry has passed (SigV4 query signing; at most seven days). No
// request is sent, but for the bucket's region when it is not known.
func (s *Store) PresignGet(ctx context.Context, key string, expiry time.Duration) (string, error) {
	if expiry <= 0 || expiry > maxPresignExpiry {
		return "", fmt.Errorf("a presigned URL lasts from a second to 7 days, not %s", expiry)
	}
	rctx, cancel := s.request(ctx)
	defer cancel()
	u, err := s.client.PresignedGetObject(rctx, s.bucket, s.prefix+key, expiry, url.Values{})
	if err != nil {
		return "", fmt.Errorf("signing a URL of %s in %s: %w", key, s.where, s.explain(rctx, err))
	}
	return u.String(), nil
}

// CachedFile returns the key (relative to the prefix) of the image of
// SHA-256 sum that the complete cache entry of input hash h holds, with
// an image's content type; ok is false when it holds none.
func (s *Store) CachedFile(ctx context.Context, h, sum model.Hash) (string, bool, error) {
	e, _, err := s.meta(ctx, h)
	if err != nil {
		return "", false, nil // not in the cache, or not to be trusted: not linked
	}
	for _, f := range e.Files {
		// Served with its recorded type: one that is not an image's (an
		// entry from before types were recorded) is not linked.
		if f.SHA256 == sum && strings.HasPrefix(f.ContentType, "image/") {
			return strings.TrimPrefix(s.fileKey(h, f), s.prefix), true, nil
		}
	}
	return "", false, nil
}

// ListObjects calls each for every object whose key starts with under,
// its key relative to the prefix.
func (s *Store) ListObjects(ctx context.Context, under string, each func(key string, size int64, modified time.Time)) error {
	for obj := range s.client.ListObjects(ctx, s.bucket, minio.ListObjectsOptions{Prefix: s.prefix + under, Recursive: true}) {
		if obj.Err != nil {
			return fmt.Errorf("listing %s%s: %w", s.where, under, obj.Err)
		}
		each(strings.TrimPrefix(obj.Key, s.prefix), obj.Size, obj.LastModified)
	}
	return nil
}

// RemoveObject deletes an object; one that is not there is no error.
func (s *Store) RemoveObject(ctx context.Context, key string) error {
	rctx, cancel := s.request(ctx)
	defer cancel()
	if err := s.client.RemoveObject(rctx, s.bucket, s.prefix+key, minio.RemoveObjectOptions{}); err != nil && !notFound(err) {
		return fmt.Errorf("removing %s from %s: %w", key, s.where, s.explain(rctx, err))
	}
	return nil
}
