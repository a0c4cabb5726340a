package s3

import (
	"context"
	"fmt"
	"net/http"
	"os"
	"strings"

	"github.com/minio/minio-go/v7"
	"github.com/minio/minio-go/v7/pkg/credentials"
)

// unreachable is the error of a bucket that could not be used. A bucket
// that refused access (403) while imgform had no credentials to sign
// with is told as that, naming the variables that are not set: "Access
// Denied" alone sends people looking at the bucket's policy.
func (s *Store) unreachable(ctx context.Context, err error) error {
	r := minio.ToErrorResponse(err)
	if r.StatusCode == 0 && r.Code == "" && s.awsHost != "" {
		// No answer at all, from AWS's S3 because no endpoint was set:
		// most often a server that is not AWS's, whose endpoint was
		// forgotten, and the raw error is a DNS lookup of a host the
		// user never named.
		return fmt.Errorf("the shared cache %s cannot be reached: no endpoint is set, so imgform asked AWS's S3 (%s): %w\n\nFor an S3 server that is not AWS's (Cloudflare R2, MinIO, versitygw), set AWS_ENDPOINT_URL_S3 to its URL (such as http://127.0.0.1:7070), or the endpoint argument of the cache \"s3\" block",
			s.where, s.awsHost, s.explain(ctx, err))
	}
	if r.StatusCode != http.StatusForbidden && r.Code != "AccessDenied" {
		return fmt.Errorf("the shared cache %s cannot be reached: %w", s.where, s.explain(ctx, err))
	}
	v, cerr := s.creds.GetWithContext(&credentials.CredContext{Client: http.DefaultClient})
	if cerr == nil && !v.SignerType.IsAnonymous() {
		return fmt.Errorf("the shared cache %s refused access (%w) to the credentials imgform found, access key %s: check that this key may read and write the bucket", s.where, err, v.AccessKeyID)
	}
	var unset []string
	for _, names := range [][]string{{"AWS_ACCESS_KEY_ID", "AWS_ACCESS_KEY"}, {"AWS_SECRET_ACCESS_KEY", "AWS_SECRET_KEY"}} {
		if os.Getenv(names[0]) == "" && os.Getenv(names[1]) == "" {
			unset = append(unset, names[0])
		}
	}
	verb := "is"
	if len(unset) > 1 {
		verb = "are"
	}
	return fmt.Errorf("the shared cache %s refused access (%w), and imgform had no credentials to send: %s %s not set, and no shared credentials file (%s) or instance role gave any. Set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY to a key that may read and write the bucket (or AWS_PROFILE to a profile of the credentials file)",
		s.where, err, strings.Join(unset, " and "), verb, credentialsFile())
}

// credentialsFile is where the shared credentials file is looked for.
func credentialsFile() string {
	if f := os.Getenv("AWS_SHARED_CREDENTIALS_FILE"); f != "" {
		return f
	}
	profile := os.Getenv("AWS_PROFILE")
	if profile == "" {
		profile = "default"
	}
	return "~/.aws/credentials, profile " + profile
}
