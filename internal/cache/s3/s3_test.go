package s3

import (
	"bytes"
	"crypto/rand"
	"encoding/hex"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/minio/minio-go/v7"

	"github.com/imgform/imgform/internal/cache"
	"github.com/imgform/imgform/internal/cache/cachetest"
	"github.com/imgform/imgform/internal/imagetest"
	"github.com/imgform/imgform/internal/model"
	"github.com/imgform/imgform/internal/testsvc"
)

func TestMain(m *testing.M) {
	code := m.Run()
	testsvc.Stop()
	os.Exit(code)
}

// newStore makes a bucket of its own on the test server and a store in
// it, with credentials from the environment as a user's would be.
func newStore(t *testing.T, prefix string) *Store {
	s, _ := newStoreOn(t, prefix)
	return s
}

func newStoreOn(t *testing.T, prefix string) (*Store, testsvc.S3Server) {
	t.Helper()
	srv := testsvc.S3(t)
	var b [6]byte
	_, _ = rand.Read(b[:])
	bucket := "imgform-test-" + hex.EncodeToString(b[:])
	env := map[string]string{"AWS_ACCESS_KEY_ID": srv.AccessKey, "AWS_SECRET_ACCESS_KEY": srv.SecretKey, "AWS_ENDPOINT_URL": srv.Endpoint}
	for k, v := range env {
		t.Setenv(k, v)
	}
	s, err := New(Config{Bucket: bucket, Prefix: prefix, Region: srv.Region}, os.Getenv)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.client.MakeBucket(t.Context(), bucket, minio.MakeBucketOptions{Region: srv.Region}); err != nil {
		t.Fatal(err)
	}
	if err := s.Check(t.Context()); err != nil {
		t.Fatal(err)
	}
	return s, srv
}

// The S3 store is a cache.Store.
func TestConformance(t *testing.T) {
	cachetest.Run(t, func(t *testing.T) cachetest.Harness {
		s, srv := newStoreOn(t, "imgform/")
		var behind func(t *testing.T, h model.Hash, i int)
		if srv.Root != "" {
			// versitygw's posix backend keeps an object as the file
			// ROOT/BUCKET/KEY, and its ETag in an extended attribute,
			// which a change of the file's bytes leaves as it was.
			behind = func(t *testing.T, h model.Hash, i int) {
				e, err := s.Stat(t.Context(), h)
				if err != nil {
					t.Fatal(err)
				}
				imagetest.FlipByte(t, filepath.Join(srv.Root, s.bucket, filepath.FromSlash(s.fileKey(h, e.Files[i]))))
			}
		}
		return cachetest.Harness{
			Store:        s,
			DamageBehind: behind,
			Damage: func(t *testing.T, h model.Hash, i int) {
				e, err := s.Stat(t.Context(), h)
				if err != nil {
					t.Fatal(err)
				}
				key := s.fileKey(h, e.Files[i])
				data, _, err := s.read(t.Context(), key)
				if err != nil {
					t.Fatal(err)
				}
				data[len(data)/2] ^= 0xFF
				if _, err := s.client.PutObject(t.Context(), s.bucket, key, bytes.NewReader(data), int64(len(data)), minio.PutObjectOptions{}); err != nil {
					t.Fatal(err)
				}
			},
			Incomplete: func(t *testing.T, h model.Hash) {
				if err := s.client.RemoveObject(t.Context(), s.bucket, s.metaKey(h), minio.RemoveObjectOptions{}); err != nil {
					t.Fatal(err)
				}
			},
		}
	})
}

// The server honours the conditions the store relies on: If-None-Match: *
// refuses to overwrite, If-Match refuses a stale version. (A server that
// ignored them would let two runners overwrite each other.)
func TestServerHonoursConditionalPuts(t *testing.T) {
	s := newStore(t, "")
	ctx := t.Context()
	if err := s.create(ctx, "k", []byte("first"), "text/plain"); err != nil {
		t.Fatal(err)
	}
	if err := s.create(ctx, "k", []byte("second"), "text/plain"); !preconditionFailed(err) {
		t.Fatalf("a second create-only PUT: %v, want 412 Precondition Failed", err)
	}
	opts := minio.PutObjectOptions{}
	opts.SetMatchETag("0123456789abcdef0123456789abcdef")
	if _, err := s.client.PutObject(ctx, s.bucket, "k", bytes.NewReader([]byte("third")), 5, opts); !preconditionFailed(err) {
		t.Fatalf("a PUT with a stale If-Match: %v, want 412 Precondition Failed", err)
	}
	if data, _, err := s.read(ctx, "k"); err != nil || string(data) != "first" {
		t.Errorf("the object is %q (%v), want the first upload", data, err)
	}
}

// Two runners putting the same entry at once both succeed, and the entry
// is whole; a runner putting a different entry for the same hash (a
// forced replacement) replaces the metadata, never an image's bytes.
func TestConcurrentPuts(t *testing.T) {
	s := newStore(t, "p/")
	ctx := t.Context()
	img := func(s string) []byte { return []byte("\x89PNG " + s) }
	entry := func(data []byte) *cache.Entry {
		return &cache.Entry{InputHash: model.SumBytes([]byte("req")), Files: []cache.File{{Name: "0.png", SHA256: model.SumBytes(data), Size: int64(len(data)), ContentType: "image/png"}}}
	}
	a := img("a")
	errs := make(chan error, 4)
	for range 4 {
		go func() { errs <- s.Put(ctx, entry(a), [][]byte{a}) }()
	}
	for range 4 {
		if err := <-errs; err != nil {
			t.Error(err)
		}
	}
	if _, data, err := s.Get(ctx, model.SumBytes([]byte("req"))); err != nil || !bytes.Equal(data[0], a) {
		t.Fatalf("after concurrent puts: %v", err)
	}
	b := img("b")
	if err := s.Put(ctx, entry(b), [][]byte{b}); err != nil {
		t.Fatal(err)
	}
	if _, data, err := s.Get(ctx, model.SumBytes([]byte("req"))); err != nil || !bytes.Equal(data[0], b) {
		t.Fatalf("after a replacement: %v", err)
	}
	// The first image is still there, under its own name.
	if data, _, err := s.read(ctx, s.fileKey(model.SumBytes([]byte("req")), entry(a).Files[0])); err != nil || !bytes.Equal(data, a) {
		t.Errorf("the replaced image's object: %q, %v", data, err)
	}
}

// A cache that cannot be used says so before anything is paid.
func TestCheck(t *testing.T) {
	srv := testsvc.S3(t)
	t.Setenv("AWS_ACCESS_KEY_ID", srv.AccessKey)
	t.Setenv("AWS_SECRET_ACCESS_KEY", srv.SecretKey)
	missing, err := New(Config{Bucket: "no-such-bucket-here", Endpoint: srv.Endpoint}, os.Getenv)
	if err != nil {
		t.Fatal(err)
	}
	if err := missing.Check(t.Context()); err == nil || !strings.Contains(err.Error(), "does not exist") {
		t.Errorf("Check of a missing bucket: %v", err)
	}
	down, err := New(Config{Bucket: "b", Endpoint: "http://127.0.0.1:1"}, os.Getenv)
	if err != nil {
		t.Fatal(err)
	}
	if err := down.Check(t.Context()); err == nil || !strings.Contains(err.Error(), "cannot be reached") {
		t.Errorf("Check of a server that is down: %v", err)
	}
	for _, bad := range []string{"minio.internal", "ftp://x", "https://x/path"} {
		if _, err := New(Config{Bucket: "b", Endpoint: bad}, os.Getenv); err == nil {
			t.Errorf("New with endpoint %q succeeded", bad)
		}
	}
}

// An endpoint that accepts and never answers is an error that names it,
// once the request timeout has passed: not a hang.
func TestHangingEndpoint(t *testing.T) {
	addr, stop, err := testsvc.Hanging()
	if err != nil {
		t.Fatal(err)
	}
	defer stop()
	endpoint := "http://" + addr
	getenv := func(k string) string {
		return map[string]string{"AWS_ACCESS_KEY_ID": "k", "AWS_SECRET_ACCESS_KEY": "s"}[k]
	}
	s, err := New(Config{Bucket: "team", Endpoint: endpoint, Region: "us-east-1", RequestTimeout: 300 * time.Millisecond}, getenv)
	if err != nil {
		t.Fatal(err)
	}
	err = s.Check(t.Context())
	if err == nil || !strings.Contains(err.Error(), "did not answer within 300ms (request_timeout)") || !strings.Contains(err.Error(), strings.TrimPrefix(endpoint, "http://")) {
		t.Errorf("Check of a hanging endpoint: %v", err)
	}
	if _, _, err := s.Get(t.Context(), model.SumBytes([]byte("x"))); err == nil || !strings.Contains(err.Error(), "did not answer within") {
		t.Errorf("Get from a hanging endpoint: %v", err)
	}
}

// With no endpoint set, the store asks AWS's S3. When that does not
// answer (here: a loopback port that refuses, standing in for AWS's host,
// so that the test reaches out nowhere), the error says that no endpoint
// is set and how to set one, not only the network's error. With
// AWS_ENDPOINT_URL_S3 set, AWS is never asked: the error names the
// endpoint, and nothing of AWS.
func TestNoEndpointIsSaid(t *testing.T) {
	t.Setenv("AWS_ACCESS_KEY_ID", "k") // no instance role is looked for
	t.Setenv("AWS_SECRET_ACCESS_KEY", "s")
	defer func(h string) { awsHost = h }(awsHost)
	awsHost = "127.0.0.1:1"
	none := func(string) string { return "" }
	s, err := New(Config{Bucket: "team"}, none)
	if err != nil {
		t.Fatal(err)
	}
	err = s.Check(t.Context())
	for _, want := range []string{
		"the shared cache s3://team/ cannot be reached: no endpoint is set, so imgform asked AWS's S3 (127.0.0.1:1): ",
		"connection refused",
		"set AWS_ENDPOINT_URL_S3 to its URL (such as http://127.0.0.1:7070), or the endpoint argument of the cache \"s3\" block",
	} {
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("Check without an endpoint: %v\nwant it to say %q", err, want)
		}
	}

	set := func(k string) string { return map[string]string{"AWS_ENDPOINT_URL_S3": "http://127.0.0.1:1"}[k] }
	s, err = New(Config{Bucket: "team"}, set)
	if err != nil {
		t.Fatal(err)
	}
	err = s.Check(t.Context())
	if err == nil || !strings.Contains(err.Error(), "the shared cache s3://team/ at http://127.0.0.1:1 cannot be reached") ||
		strings.Contains(err.Error(), "no endpoint") || strings.Contains(err.Error(), "AWS's") {
		t.Errorf("Check with AWS_ENDPOINT_URL_S3 set: %v", err)
	}
}
