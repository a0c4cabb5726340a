package main

import (
	"crypto/rand"
	"encoding/hex"
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
	client, err := minio.New(trimScheme(srv.Endpoint), &minio.Options{Creds: credentials.NewStaticV4(srv.AccessKey, srv.SecretKey, ""), Region: srv.Region})
	if err != nil {
		t.Fatal(err)
	}
	p := scriptParams("testdata/team")
	base := p.Setup
	p.Setup = func(env *testscript.Env) error {
		if err := base(env); err != nil {
			return err
		}
		suffix := randomSuffix()
		bucket := "imgform-team-" + suffix
		if err := client.MakeBucket(t.Context(), bucket, minio.MakeBucketOptions{Region: srv.Region}); err != nil {
			return err
		}
		env.Setenv("SCHEMA", "team_"+suffix)
		env.Setenv("BUCKET", bucket)
		env.Setenv("PG_CONN_STR", pgURL)
		env.Setenv("AWS_ACCESS_KEY_ID", srv.AccessKey)
		env.Setenv("AWS_SECRET_ACCESS_KEY", srv.SecretKey)
		env.Setenv("AWS_ENDPOINT_URL", srv.Endpoint)
		env.Setenv("AWS_REGION", srv.Region)
		return nil
	}
	testscript.Run(t, p)
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
