package main

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/minio/minio-go/v7"
	"github.com/minio/minio-go/v7/pkg/credentials"
	"github.com/rogpeppe/go-internal/testscript"

	"github.com/imgform/imgform/internal/testsvc"
)

// TestTeamScripts runs the scripts in testdata/team: checkouts sharing a
// PostgreSQL state and an S3 cache, against real servers (see testsvc).
// Each script gets a schema and a bucket of its own, as $SCHEMA and
// $BUCKET, with the connection settings in the environment as a user's
// would be.
func TestTeamScripts(t *testing.T) {
	pgURL := testsvc.PostgreSQL(t)
	srv := testsvc.S3(t)
	client := s3Client(t, srv)
	p := scriptParams("testdata/team")
	base := p.Setup
	p.Setup = func(env *testscript.Env) error {
		if err := base(env); err != nil {
			return err
		}
		bucket, suffix, err := makeBucket(t.Context(), client, srv, "team")
		if err != nil {
			return err
		}
		env.Setenv("SCHEMA", "team_"+suffix)
		env.Setenv("BUCKET", bucket)
		env.Setenv("PG_CONN_STR", pgURL)
		env.Setenv("AWS_ACCESS_KEY_ID", srv.AccessKey)
		env.Setenv("AWS_SECRET_ACCESS_KEY", srv.SecretKey)
		env.Setenv("AWS_ENDPOINT_URL", srv.Endpoint)
		env.Setenv("AWS_REGION", srv.Region)
		env.Setenv("S3_ROOT", srv.Root)
		return nil
	}
	p.Cmds["s3damage"] = cmdS3Damage
	testscript.Run(t, p)
}

// s3damage image|swapmeta damages the team cache in $BUCKET behind the
// S3 server's back, in the directory its posix backend keeps the objects
// in ($S3_ROOT): image flips a byte of the first image object (its ETag
// stays what it was); swapmeta swaps the meta.json of the first two
// entries.
func cmdS3Damage(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 1 {
		ts.Fatalf("usage: s3damage image|swapmeta")
	}
	root := ts.Getenv("S3_ROOT")
	if root == "" {
		ts.Fatalf("the S3 server is not one the tests started (IMGFORM_TEST_S3_ENDPOINT): its disk cannot be reached; unset it to run this script")
	}
	var images, metas []string
	ts.Check(filepath.WalkDir(filepath.Join(root, ts.Getenv("BUCKET")), func(path string, d fs.DirEntry, err error) error {
		switch {
		case err != nil:
			return err
		case d.IsDir():
		case d.Name() == "meta.json":
			metas = append(metas, path)
		case strings.HasSuffix(d.Name(), ".png"):
			images = append(images, path)
		}
		return nil
	}))
	sort.Strings(images)
	sort.Strings(metas)
	switch args[0] {
	case "image":
		if len(images) == 0 {
			ts.Fatalf("no image object in the bucket")
		}
		data, err := os.ReadFile(images[0])
		ts.Check(err)
		data[len(data)/2] ^= 0xFF
		f, err := os.OpenFile(images[0], os.O_WRONLY, 0) // in place: the xattrs stay
		ts.Check(err)
		_, err = f.WriteAt(data, 0)
		ts.Check(err)
		ts.Check(f.Close())
	case "swapmeta":
		if len(metas) < 2 {
			ts.Fatalf("%d entries in the bucket, want 2 to swap", len(metas))
		}
		a, err := os.ReadFile(metas[0])
		ts.Check(err)
		b, err := os.ReadFile(metas[1])
		ts.Check(err)
		for _, w := range []struct {
			path string
			data []byte
		}{{metas[0], b}, {metas[1], a}} {
			f, err := os.OpenFile(w.path, os.O_WRONLY|os.O_TRUNC, 0)
			ts.Check(err)
			_, err = f.Write(w.data)
			ts.Check(err)
			ts.Check(f.Close())
		}
	default:
		ts.Fatalf("usage: s3damage image|swapmeta")
	}
}

// s3Client is a client of srv with its keys, for a test that makes
// buckets and looks into them.
func s3Client(tb testing.TB, srv testsvc.S3Server) *minio.Client {
	tb.Helper()
	client, err := minio.New(trimScheme(srv.Endpoint), &minio.Options{Creds: credentials.NewStaticV4(srv.AccessKey, srv.SecretKey, ""), Region: srv.Region})
	if err != nil {
		tb.Fatal(err)
	}
	return client
}

// makeBucket makes the bucket imgform-NAME-SUFFIX on srv, SUFFIX random,
// and returns its name and SUFFIX (for a schema of the same test).
func makeBucket(ctx context.Context, client *minio.Client, srv testsvc.S3Server, name string) (bucket, suffix string, err error) {
	suffix = randomSuffix()
	bucket = "imgform-" + name + "-" + suffix
	return bucket, suffix, client.MakeBucket(ctx, bucket, minio.MakeBucketOptions{Region: srv.Region})
}

func randomSuffix() string {
	var b [5]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

func trimScheme(u string) string {
	for _, p := range []string{"http://", "https://"} {
		if len(u) > len(p) && u[:len(p)] == p {
			return u[len(p):]
		}
	}
	return u
}
