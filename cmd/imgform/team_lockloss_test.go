package main

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/imgform/imgform/internal/testsvc"
	"github.com/imgform/imgform/internal/waitfor"
)

// teamRun is two checkouts of one configuration of 16 images, sharing a
// state in PostgreSQL and a cache in S3, and an emulator that takes its
// time: a run can be caught in the middle.
type teamRun struct {
	a, b   string
	env    []string
	base   string
	schema string
	pgURL  string
	bucket string
}

const teamImages = 16

func newTeamRun(t *testing.T, pgURL string) *teamRun {
	t.Helper()
	return startTeam(t, pgURL, testsvc.S3(t), "lockloss", "", teamImages, "1500ms")
}

// startTeam makes the two checkouts of a configuration of n images in a
// schema and a bucket of their own (named after name), its cache block
// with cacheArgs besides the bucket, and an emulator that takes latency
// to make an image.
func startTeam(t *testing.T, pgURL string, srv testsvc.S3Server, name, cacheArgs string, n int, latency string) *teamRun {
	t.Helper()
	bucket, suffix, err := makeBucket(t.Context(), s3Client(t, srv), srv, name)
	if err != nil {
		t.Fatal(err)
	}
	schema := name + "_" + suffix
	config := fmt.Sprintf(`imgform {
  backend "pg" {
    schema_name = %q
  }
  cache "s3" {
    bucket = %q
    %s
  }
}

image "tile" {
  count  = %d
  prompt = "tile ${count.index}"
  output = "tiles/${count.index}.png"
}
`, schema, bucket, cacheArgs, n)
	base, stop, err := launchEmulator(os.Getenv("PATH"), t.TempDir(), []string{"--latency", latency, "--quiet"})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(stop)
	return &teamRun{
		a: writeConfig(t, map[string]string{"main.img.hcl": config}), b: writeConfig(t, map[string]string{"main.img.hcl": config}),
		env: []string{"SEGMIND_BASE_URL=" + base, "SEGMIND_API_KEY=test-key", "PG_CONN_STR=" + pgURL,
			"AWS_ACCESS_KEY_ID=" + srv.AccessKey, "AWS_SECRET_ACCESS_KEY=" + srv.SecretKey, "AWS_ENDPOINT_URL=" + srv.Endpoint, "AWS_REGION=" + srv.Region},
		base: base, schema: schema, pgURL: pgURL, bucket: bucket,
	}
}

// start runs imgform in dir in the background; wait returns its exit code
// and output.
func (r *teamRun) start(t *testing.T, dir string, args ...string) (wait func() (int, string)) {
	t.Helper()
	cmd := exec.Command("imgform", append([]string{"-C", dir}, args...)...)
	cmd.Env = append(append(os.Environ(), "NO_COLOR=1"), r.env...)
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = cmd.Process.Kill() })
	return func() (int, string) {
		_ = cmd.Wait()
		return cmd.ProcessState.ExitCode(), out.String()
	}
}

// waitJournaled waits until the shared journal holds at least n submitted
// jobs: the run is paying, and has jobs in flight.
func (r *teamRun) waitJournaled(t *testing.T, n int) {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), time.Minute)
	defer cancel()
	conn, err := pgx.Connect(ctx, r.pgURL)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(context.Background())
	var got int
	if !waitfor.Until(time.Minute, func() bool {
		err = conn.QueryRow(ctx, `SELECT count(*) FROM `+pgx.Identifier{r.schema, "jobs"}.Sanitize()+` WHERE NOT coalesce((record->>'pending')::boolean, false)`).Scan(&got)
		return err == nil && got >= n
	}) {
		t.Fatalf("the journal never held %d submitted jobs (%d, %v)", n, got, err)
	}
}

// finish applies from checkout b until no image waits for a request
// another run may still be sending, and checks that nothing was paid
// twice: every image billed once, or, when a request of the run that lost
// its lock may have been billed without an answer, that image failed
// saying so rather than be paid again.
func (r *teamRun) finish(t *testing.T) {
	t.Helper()
	var out string
	var code int
	for attempt := 1; attempt <= 3; attempt++ {
		if out, code = runImgform(t, r.b, r.env, "apply", "--auto-approve"); !strings.Contains(out, "may still be: nothing is paid for it in this run") {
			break
		}
	}
	if code != 0 && !strings.Contains(out, "possibly billed: another run") {
		t.Fatalf("the apply of checkout b failed (exit %d):\n%s", code, out)
	}
	got := stat(t, r.base, "generated")
	if got > teamImages || code == 0 && got != teamImages {
		t.Errorf("%d images billed for %d (checkout b's apply exited %d): an image was paid twice, or not at all\n%s", got, teamImages, code, out)
	}
	if code != 0 {
		return
	}
	if got := stat(t, r.base, "jobs_submitted"); got != teamImages {
		t.Errorf("%d jobs submitted for %d images", got, teamImages)
	}
	if out, code := runImgform(t, r.b, r.env, "plan", "--detailed-exitcode"); code != 0 {
		t.Errorf("checkout b does not plan clean (exit %d):\n%s", code, out)
	}
}

// PostgreSQL restarts in the middle of an apply: the run's lock session
// ends, it stops paying at once, collects what is in flight into the team
// cache, fails saying the lock was lost; the next apply pays for the rest
// only.
func TestApplyLosesLockWhenDatabaseRestarts(t *testing.T) {
	cluster := testsvc.RestartablePostgreSQL(t)
	r := newTeamRun(t, cluster.URL)
	wait := r.start(t, r.a, "apply", "--auto-approve", "--parallelism", "4")
	r.waitJournaled(t, 2)
	cluster.Restart(t)
	code, out := wait()
	if code != 1 || !strings.Contains(out, "Error: The state lock was lost (its database session ended") || strings.Contains(out, "Apply complete!") {
		t.Fatalf("the run whose database restarted: exit %d\n%s", code, out)
	}
	r.finish(t)
}

// Another checkout forces the lock away from a live run (force-unlock
// --force) and applies at once, while the first is still collecting what
// it had in flight: nothing is paid twice.
func TestForceUnlockOfLiveRun(t *testing.T) {
	r := newTeamRun(t, testsvc.PostgreSQL(t))
	wait := r.start(t, r.a, "apply", "--auto-approve", "--parallelism", "4")
	r.waitJournaled(t, 2)

	out, code := runImgform(t, r.b, r.env, "plan")
	id := regexp.MustCompile(`lock id ([0-9a-f-]{36})`).FindStringSubmatch(out)
	if code != 1 || id == nil {
		t.Fatalf("a plan while the other checkout applies: exit %d, no lock id:\n%s", code, out)
	}
	out, code = runImgform(t, r.b, r.env, "force-unlock", id[1])
	if code != 1 || !strings.Contains(out, "is held by a run that is still alive (its database session (server pid") || !strings.Contains(out, "pass --force") {
		t.Fatalf("force-unlock of a live holder without --force: exit %d\n%s", code, out)
	}
	if out, code := runImgform(t, r.b, r.env, "force-unlock", "--force", id[1]); code != 0 {
		t.Fatalf("force-unlock --force: exit %d\n%s", code, out)
	}
	waitB := r.start(t, r.b, "apply", "--auto-approve", "--parallelism", "4")
	code, out = wait()
	if code != 1 || !strings.Contains(out, "Error: The state lock was lost (its database session ended") {
		t.Fatalf("the run whose lock was forced away: exit %d\n%s", code, out)
	}
	if code, out := waitB(); code != 0 && !strings.Contains(out, "may still be: nothing is paid for it in this run") && !strings.Contains(out, "possibly billed: another run") {
		t.Fatalf("the apply that took the lock: exit %d\n%s", code, out)
	}
	r.finish(t)
}

// A state in PostgreSQL without a shared cache: a runner killed in the
// middle of an apply leaves the images it finished in its own cache only,
// and their jobs in the shared journal; another runner follows those jobs
// to their images (free, while the service keeps them) instead of paying
// again.
func TestKilledRunnerWithoutSharedCache(t *testing.T) {
	pgURL := testsvc.PostgreSQL(t)
	config := fmt.Sprintf(`imgform {
  backend "pg" {
    schema_name = %q
  }
}

image "tile" {
  count  = 8
  prompt = "tile ${count.index}"
  output = "tiles/${count.index}.png"
}
`, "nocache_"+randomSuffix())
	base, stop, err := launchEmulator(os.Getenv("PATH"), t.TempDir(), []string{"--latency", "700ms", "--quiet"})
	if err != nil {
		t.Fatal(err)
	}
	defer stop()
	r := &teamRun{a: writeConfig(t, map[string]string{"main.img.hcl": config}), b: writeConfig(t, map[string]string{"main.img.hcl": config}),
		env: []string{"SEGMIND_BASE_URL=" + base, "SEGMIND_API_KEY=test-key", "PG_CONN_STR=" + pgURL}, base: base}
	cmd := exec.Command("imgform", "-C", r.a, "apply", "--auto-approve", "--parallelism", "2")
	cmd.Env = append(append(os.Environ(), "NO_COLOR=1"), r.env...)
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	// Killed once it finished (and wrote) four images.
	waitFiles(t, filepath.Join(r.a, "tiles"), 4)
	if err := cmd.Process.Kill(); err != nil {
		t.Fatal(err)
	}
	_ = cmd.Wait()

	// A request the killed runner was sending when it died (journaled as
	// pending, its job id unknown) may have been billed: that image fails,
	// saying so, rather than be paid for twice.
	out, code := runImgform(t, r.b, r.env, "apply", "--auto-approve")
	if code != 0 && !strings.Contains(out, "possibly billed: another run") {
		t.Fatalf("the second runner's apply: exit %d\n%s", code, out)
	}
	got := stat(t, base, "generated")
	if got > 8 || code == 0 && got != 8 {
		t.Errorf("%d images billed for 8 (the second runner's apply exited %d): the killed runner's finished images were paid again\n%s", got, code, out)
	}
}

// waitFiles waits until dir holds at least n files.
func waitFiles(t *testing.T, dir string, n int) {
	t.Helper()
	if !waitfor.Until(time.Minute, func() bool {
		entries, _ := os.ReadDir(dir)
		return len(entries) >= n
	}) {
		t.Fatalf("%s never held %d files", dir, n)
	}
}
