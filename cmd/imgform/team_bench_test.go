package main

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/imgform/imgform/internal/cli"
	"github.com/imgform/imgform/internal/testsvc"
)

const benchConfig = `
image "tile" {
  count  = 1000
  prompt = "a map tile, number ${count.index}"
  output = "tiles/${format("%04d", count.index)}.png"
}
`

// BenchmarkNoopPlan1000 times imgform plan of 1,000 applied images, with
// nothing to do, from the command line to the exit code, with the state
// in the file, in PostgreSQL, and in PostgreSQL with the S3 cache
// configured (checked at start, not asked about anything: a no-op plan
// needs no image).
func BenchmarkNoopPlan1000(b *testing.B) {
	pgURL := testsvc.PostgreSQL(b)
	srv := testsvc.S3(b)
	root := b.TempDir()
	base := filepath.Join(root, "local")
	if err := os.MkdirAll(base, 0o755); err != nil {
		b.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(base, "main.img.hcl"), []byte(benchConfig), 0o644); err != nil {
		b.Fatal(err)
	}
	// The S3 client reads its credentials from the process's environment.
	for k, v := range map[string]string{"PG_CONN_STR": pgURL, "AWS_ACCESS_KEY_ID": srv.AccessKey, "AWS_SECRET_ACCESS_KEY": srv.SecretKey,
		"AWS_ENDPOINT_URL": srv.Endpoint, "AWS_REGION": srv.Region} {
		b.Setenv(k, v)
	}
	environ := os.Environ()
	imgform := func(b *testing.B, want int, args ...string) {
		b.Helper()
		var out bytes.Buffer
		e := &env{stdin: bytes.NewReader(nil), stdout: &out, stderr: &out, environ: func() []string { return environ }, signals: cli.NotifySignals}
		wd, _ := os.Getwd()
		defer os.Chdir(wd)
		if code := run(args, e); code != want {
			b.Fatalf("imgform %v exited %d, want %d:\n%s", args, code, want, out.String())
		}
	}
	imgform(b, 0, "-C", base, "apply", "--auto-approve", "--offline")

	bucket, suffix, err := makeBucket(b.Context(), s3Client(b, srv), srv, "bench")
	if err != nil {
		b.Fatal(err)
	}
	blocks := map[string]string{
		"local": "",
		"pg":    fmt.Sprintf("imgform {\n  backend \"pg\" {\n    schema_name = \"bench_pg_%s\"\n  }\n}\n", suffix),
		"pg+s3": fmt.Sprintf("imgform {\n  backend \"pg\" {\n    schema_name = \"bench_pgs3_%s\"\n  }\n  cache \"s3\" {\n    bucket = %q\n  }\n}\n", suffix, bucket),
	}
	for _, name := range []string{"local", "pg", "pg+s3"} {
		dir := base
		if name != "local" {
			dir = filepath.Join(root, name)
			if out, err := exec.Command("cp", "-a", base, dir).CombinedOutput(); err != nil {
				b.Fatalf("copying the project: %v: %s", err, out)
			}
			if err := os.WriteFile(filepath.Join(dir, "backend.img.hcl"), []byte(blocks[name]), 0o644); err != nil {
				b.Fatal(err)
			}
			imgform(b, 0, "-C", dir, "state", "push", "imgform.state.json")
		}
		b.Run(name, func(b *testing.B) {
			for b.Loop() {
				imgform(b, 0, "-C", dir, "plan", "--offline", "--detailed-exitcode")
			}
		})
	}
}
