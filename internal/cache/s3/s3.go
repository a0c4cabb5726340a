package s3

import (
	"bytes"
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"path"
	"sort"
	"strings"
	"time"

	"github.com/minio/minio-go/v7"
	"github.com/minio/minio-go/v7/pkg/credentials"
	"golang.org/x/sync/errgroup"

	"github.com/imgform/imgform/internal/cache"
	"github.com/imgform/imgform/internal/model"
)

// Config is the cache "s3" block.
type Config struct {
	Bucket   string
	Prefix   string // "imgform/"; "" keeps entries at the bucket's top
	Region   string // "" reads AWS_REGION, then AWS_DEFAULT_REGION
	Endpoint string // "" reads AWS_ENDPOINT_URL_S3, then AWS_ENDPOINT_URL, then AWS's
	// ConnectTimeout bounds a connection's set-up (TCP and TLS);
	// RequestTimeout each request, its retries included. Zero is
	// DefaultConnectTimeout, DefaultRequestTimeout.
	ConnectTimeout time.Duration
	RequestTimeout time.Duration
	// Log receives a debug line per request (see logTransport); nil
	// logs nothing.
	Log *slog.Logger
}

// The deadlines of an endpoint that accepts connections and never
// answers: the run stops, naming the endpoint, before anything is paid.
const (
	DefaultConnectTimeout = 10 * time.Second
	DefaultRequestTimeout = 30 * time.Second
)

// metaName is the name of an entry's metadata object.
const metaName = "meta.json"

// maxObject bounds what is read of one object: an image imgform accepts
// is far smaller.
const maxObject = 256 << 20

// awsHost is AWS's S3, asked when no endpoint is set. (A test points it
// at loopback: the tests never reach out.)
var awsHost = "s3.amazonaws.com"

// parallel bounds the requests a batch sends at once.
const parallel = 16

// Store is a cache in a bucket.
type Store struct {
	client  *minio.Client
	creds   *credentials.Credentials
	bucket  string
	prefix  string
	where   string
	timeout time.Duration // of each request
	// awsHost is the host asked when no endpoint was set (AWS's S3);
	// "" when one was.
	awsHost string
}

// New returns the store cfg describes, its endpoint, region and
// credentials completed from getenv. Nothing is sent until it is used;
// Check says whether it can be.
func New(cfg Config, getenv func(string) string) (*Store, error) {
	if cfg.Bucket == "" {
		return nil, errors.New(`the s3 cache needs a bucket`)
	}
	endpoint := firstOf(cfg.Endpoint, getenv("AWS_ENDPOINT_URL_S3"), getenv("AWS_ENDPOINT_URL"))
	region := firstOf(cfg.Region, getenv("AWS_REGION"), getenv("AWS_DEFAULT_REGION"))
	host, secure, lookup := awsHost, true, minio.BucketLookupAuto
	if endpoint != "" {
		u, err := url.Parse(endpoint)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || (u.Path != "" && u.Path != "/") {
			return nil, fmt.Errorf("the s3 cache's endpoint %q is not an http(s) origin such as https://minio.internal:9000", endpoint)
		}
		host, secure, lookup = u.Host, u.Scheme == "https", minio.BucketLookupPath
	}
	creds := credentials.NewChainCredentials([]credentials.Provider{
		&credentials.EnvAWS{},
		&credentials.FileAWSCredentials{},
		&credentials.IAM{},
	})
	// A few retries: a cache that does not answer should say so within
	// seconds, not after the client's default of ten backed-off tries.
	connect := cmp.Or(cfg.ConnectTimeout, DefaultConnectTimeout)
	timeout := cmp.Or(cfg.RequestTimeout, DefaultRequestTimeout)
	transport, err := minio.DefaultTransport(secure)
	if err != nil {
		return nil, fmt.Errorf("the s3 cache: %w", err)
	}
	transport.DialContext = (&net.Dialer{Timeout: connect, KeepAlive: 30 * time.Second}).DialContext
	transport.TLSHandshakeTimeout = connect
	transport.ResponseHeaderTimeout = timeout
	var rt http.RoundTripper = transport
	if cfg.Log != nil {
		rt = logTransport{next: transport, log: cfg.Log}
	}
	client, err := minio.New(host, &minio.Options{Creds: creds, Secure: secure, Region: region, BucketLookup: lookup, MaxRetries: 3, Transport: rt})
	if err != nil {
		return nil, fmt.Errorf("the s3 cache: %w", err)
	}
	prefix := cfg.Prefix
	if prefix != "" && !strings.HasSuffix(prefix, "/") {
		prefix += "/"
	}
	scheme := "https"
	if !secure {
		scheme = "http"
	}
	where := fmt.Sprintf("s3://%s/%s", cfg.Bucket, prefix)
	if endpoint != "" {
		where += fmt.Sprintf(" at %s://%s", scheme, host)
	}
	st := &Store{client: client, creds: creds, bucket: cfg.Bucket, prefix: prefix, where: where, timeout: timeout}
	if endpoint == "" {
		st.awsHost = host
	}
	return st, nil
}

// request is the context of one request (with its retries): it ends at
// the request timeout.
func (s *Store) request(ctx context.Context) (context.Context, context.CancelFunc) {
	return context.WithTimeout(ctx, s.timeout)
}

// explain says that err is the endpoint not answering in time, when the
// request's deadline passed or the answer's headers never came.
func (s *Store) explain(ctx context.Context, err error) error {
	var netErr net.Error
	if err != nil && (errors.Is(ctx.Err(), context.DeadlineExceeded) || (errors.As(err, &netErr) && netErr.Timeout())) {
		return fmt.Errorf("%s did not answer within %s (request_timeout): %w", s.where, s.timeout, err)
	}
	return err
}

func firstOf(vs ...string) string {
	for _, v := range vs {
		if v != "" {
			return v
		}
	}
	return ""
}

// String names the bucket, prefix and endpoint.
func (s *Store) String() string { return s.where }

// Check makes sure the bucket can be reached and exists: a cache that
// cannot be used must stop a run before anything is paid.
func (s *Store) Check(ctx context.Context) error {
	ctx, cancel := s.request(ctx)
	defer cancel()
	ok, err := s.client.BucketExists(ctx, s.bucket)
	switch {
	case err != nil:
		return s.unreachable(ctx, err)
	case !ok:
		return fmt.Errorf("the shared cache's bucket %q does not exist (%s)", s.bucket, s.where)
	}
	return nil
}

func (s *Store) entryPrefix(h model.Hash) string {
	hex := h.String()
	return s.prefix + hex[:2] + "/" + hex + "/"
}

func (s *Store) metaKey(h model.Hash) string { return s.entryPrefix(h) + metaName }

// fileKey is where an image is kept: named by its SHA-256.
func (s *Store) fileKey(h model.Hash, f cache.File) string {
	return s.entryPrefix(h) + f.SHA256.String() + path.Ext(f.Name)
}

func notFound(err error) bool {
	r := minio.ToErrorResponse(err)
	return r.StatusCode == http.StatusNotFound || r.Code == "NoSuchKey"
}

func preconditionFailed(err error) bool {
	r := minio.ToErrorResponse(err)
	return r.StatusCode == http.StatusPreconditionFailed || r.Code == "PreconditionFailed"
}

// read gets an object whole, within one request's time.
func (s *Store) read(ctx context.Context, key string) (data []byte, etag string, err error) {
	ctx, cancel := s.request(ctx)
	defer cancel()
	defer func() { err = s.explain(ctx, err) }()
	obj, err := s.client.GetObject(ctx, s.bucket, key, minio.GetObjectOptions{})
	if err != nil {
		return nil, "", err
	}
	defer obj.Close()
	data, err = io.ReadAll(io.LimitReader(obj, maxObject+1))
	if err != nil {
		return nil, "", err
	}
	if len(data) > maxObject {
		return nil, "", fmt.Errorf("%s is larger than %d bytes", key, maxObject)
	}
	info, err := obj.Stat()
	if err != nil {
		return nil, "", err
	}
	return data, info.ETag, nil
}

// Has asks for the metadata of every hash, a bounded number at a time.
func (s *Store) Has(ctx context.Context, hs []model.Hash) (map[model.Hash]bool, error) {
	out := make([]bool, len(hs))
	g, ctx := errgroup.WithContext(ctx)
	g.SetLimit(parallel)
	for i, h := range hs {
		g.Go(func() error {
			rctx, cancel := s.request(ctx)
			defer cancel()
			_, err := s.client.StatObject(rctx, s.bucket, s.metaKey(h), minio.StatObjectOptions{})
			switch {
			case err == nil:
				out[i] = true
			case notFound(err):
			default:
				return fmt.Errorf("asking %s for %s: %w", s.where, h.Short(), s.explain(rctx, err))
			}
			return nil
		})
	}
	if err := g.Wait(); err != nil {
		return nil, err
	}
	has := make(map[model.Hash]bool, len(hs))
	for i, h := range hs {
		has[h] = out[i]
	}
	return has, nil
}

// Stat reads an entry's metadata.
func (s *Store) Stat(ctx context.Context, h model.Hash) (*cache.Entry, error) {
	e, _, err := s.meta(ctx, h)
	return e, err
}

func (s *Store) meta(ctx context.Context, h model.Hash) (*cache.Entry, string, error) {
	data, etag, err := s.read(ctx, s.metaKey(h))
	if notFound(err) {
		return nil, "", cache.ErrNotFound
	}
	if err != nil {
		return nil, "", fmt.Errorf("reading cache entry %s from %s: %w", h.Short(), s.where, err)
	}
	var e cache.Entry
	if err := json.Unmarshal(data, &e); err != nil {
		return nil, "", cache.Unreadable(h, fmt.Sprintf("its %s cannot be read (%v)", metaName, err))
	}
	if e.InputHash != h {
		return nil, "", cache.Unreadable(h, fmt.Sprintf("its %s names another hash", metaName))
	}
	return &e, etag, nil
}

// Get downloads an entry's images and checks each against its hash.
func (s *Store) Get(ctx context.Context, h model.Hash) (*cache.Entry, [][]byte, error) {
	e, _, err := s.meta(ctx, h)
	if err != nil {
		return nil, nil, err
	}
	data := make([][]byte, len(e.Files))
	for i, f := range e.Files {
		b, _, err := s.read(ctx, s.fileKey(h, f))
		switch {
		case notFound(err):
			return nil, nil, cache.Damaged(h, f.Name+" is missing")
		case err != nil:
			return nil, nil, fmt.Errorf("downloading cache entry %s from %s: %w", h.Short(), s.where, err)
		case model.SumBytes(b) != f.SHA256:
			return nil, nil, cache.Damaged(h, f.Name+" does not match its hash")
		}
		data[i] = b
	}
	return e, data, nil
}

// Put uploads the images create-only, then the metadata: created if
// there is none, else replaced on condition that it is still the version
// read, unless it already says the same.
func (s *Store) Put(ctx context.Context, e *cache.Entry, data [][]byte) error {
	if len(data) != len(e.Files) {
		return fmt.Errorf("caching images: %d files described, %d given", len(e.Files), len(data))
	}
	for i, f := range e.Files {
		if model.SumBytes(data[i]) != f.SHA256 {
			return fmt.Errorf("caching images: %s is not the file its description hashes", f.Name)
		}
		if err := s.putFile(ctx, s.fileKey(e.InputHash, f), data[i], f.ContentType); err != nil {
			return fmt.Errorf("uploading to %s: %w", s.where, err)
		}
	}
	meta, err := json.MarshalIndent(e, "", "  ")
	if err != nil {
		return err
	}
	meta = append(meta, '\n')
	err = s.create(ctx, s.metaKey(e.InputHash), meta, "application/json")
	if err == nil || !preconditionFailed(err) {
		if err != nil {
			return fmt.Errorf("uploading to %s: %w", s.where, err)
		}
		return nil
	}
	old, etag, err := s.read(ctx, s.metaKey(e.InputHash))
	if err != nil {
		return fmt.Errorf("uploading to %s: %w", s.where, err)
	}
	if bytes.Equal(old, meta) {
		return nil
	}
	opts := minio.PutObjectOptions{ContentType: "application/json"}
	opts.SetMatchETag(strings.Trim(etag, `"`))
	rctx, cancel := s.request(ctx)
	defer cancel()
	if _, err := s.client.PutObject(rctx, s.bucket, s.metaKey(e.InputHash), bytes.NewReader(meta), int64(len(meta)), opts); err != nil {
		err = s.explain(rctx, err)
		if preconditionFailed(err) {
			return fmt.Errorf("uploading to %s: another run replaced cache entry %s at the same moment; run again", s.where, e.InputHash.Short())
		}
		return fmt.Errorf("uploading to %s: %w", s.where, err)
	}
	return nil
}

// putFile uploads an image create-only. Its key is its SHA-256, so an
// object already there should hold the same bytes; it is read back to be
// sure, because damage behind the store's back (a flipped bit on its
// disk) leaves its ETag as it was. One whose bytes are not these is
// replaced, on condition that it is still the one read.
func (s *Store) putFile(ctx context.Context, key string, data []byte, contentType string) error {
	err := s.create(ctx, key, data, contentType)
	if err == nil || !preconditionFailed(err) {
		return err
	}
	for range 2 {
		old, etag, err := s.read(ctx, key)
		switch {
		case err == nil && bytes.Equal(old, data):
			return nil
		case err != nil && !notFound(err):
			return err
		}
		opts := minio.PutObjectOptions{ContentType: contentType}
		if err == nil {
			opts.SetMatchETag(strings.Trim(etag, `"`))
		} else {
			opts.SetMatchETagExcept("*") // removed meanwhile
		}
		rctx, cancel := s.request(ctx)
		_, err = s.client.PutObject(rctx, s.bucket, key, bytes.NewReader(data), int64(len(data)), opts)
		err = s.explain(rctx, err)
		cancel()
		if !preconditionFailed(err) {
			return err
		}
		// Replaced meanwhile by another run: read what it wrote.
	}
	return fmt.Errorf("%s keeps being replaced while it is repaired", key)
}

// create uploads an object only if there is none of that key.
func (s *Store) create(ctx context.Context, key string, data []byte, contentType string) error {
	ctx, cancel := s.request(ctx)
	defer cancel()
	opts := minio.PutObjectOptions{ContentType: contentType}
	opts.SetMatchETagExcept("*")
	_, err := s.client.PutObject(ctx, s.bucket, key, bytes.NewReader(data), int64(len(data)), opts)
	return s.explain(ctx, err)
}

// List lists every key under the prefix and keeps the hashes.
func (s *Store) List(ctx context.Context) ([]model.Hash, error) {
	seen := map[model.Hash]bool{}
	for obj := range s.client.ListObjects(ctx, s.bucket, minio.ListObjectsOptions{Prefix: s.prefix, Recursive: true}) {
		if obj.Err != nil {
			return nil, fmt.Errorf("listing %s: %w", s.where, obj.Err)
		}
		parts := strings.Split(strings.TrimPrefix(obj.Key, s.prefix), "/")
		if len(parts) != 3 {
			continue
		}
		if h, err := model.ParseHash(parts[1]); err == nil && h.String()[:2] == parts[0] {
			seen[h] = true
		}
	}
	out := make([]model.Hash, 0, len(seen))
	for h := range seen {
		out = append(out, h)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].String() < out[j].String() })
	return out, nil
}

// Remove deletes the metadata first, so that a half-removed entry is
// incomplete, never damaged, then the rest of the entry.
func (s *Store) Remove(ctx context.Context, h model.Hash) error {
	ctx, cancel := s.request(ctx)
	defer cancel()
	if err := s.client.RemoveObject(ctx, s.bucket, s.metaKey(h), minio.RemoveObjectOptions{}); err != nil && !notFound(err) {
		return fmt.Errorf("removing cache entry %s from %s: %w", h.Short(), s.where, err)
	}
	for obj := range s.client.ListObjects(ctx, s.bucket, minio.ListObjectsOptions{Prefix: s.entryPrefix(h), Recursive: true}) {
		if obj.Err != nil {
			return fmt.Errorf("removing cache entry %s from %s: %w", h.Short(), s.where, obj.Err)
		}
		if err := s.client.RemoveObject(ctx, s.bucket, obj.Key, minio.RemoveObjectOptions{}); err != nil && !notFound(err) {
			return fmt.Errorf("removing cache entry %s from %s: %w", h.Short(), s.where, err)
		}
	}
	return nil
}
