package main

import (
	"encoding/json"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/minio/minio-go/v7"

	"github.com/imgform/imgform/internal/testsvc"
)

// emulatorGenerated is the number of images the emulator generated: what
// the runs paid for.
func emulatorGenerated(t *testing.T, base string) int64 {
	t.Helper()
	resp, err := http.Get(base + "/_emulator/stats")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var stats struct {
		Generated *int64 `json:"generated"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&stats); err != nil || stats.Generated == nil {
		t.Fatalf("the emulator's stats have no generated count (%v)", err)
	}
	return *stats.Generated
}

// startReplayEmulator starts imgform emulate for a replay, and returns its
// base URL.
func startReplayEmulator(t *testing.T) string {
	t.Helper()
	base, stop, err := launchEmulator(os.Getenv("PATH"), t.TempDir(), []string{"--latency", "10ms", "--quiet"})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(stop)
	return base
}

// The install step every job starts with: the pinned release's archive
// and checksums fetched from its release page, the archive checked, the
// binary unpacked onto PATH, its version printed.
func installWant(pin string) stepWant {
	archive := "imgform_" + strings.TrimPrefix(pin, "v") + "_linux_amd64.tar.gz"
	return stepWant{outcome: "success", stdout: []string{
		regexp.QuoteMeta(archive) + `: OK`,
		`(?m)^imgform v[0-9]+\.[0-9]+\.[0-9]+(-[0-9A-Za-z.-]+)?[, ].*\(go[0-9.]+ linux/amd64\)$`,
	}}
}

// The pinned release's two files, and nothing else, were downloaded, by
// the URLs of its release page.
func checkDownloads(t *testing.T, releaseDir, pin string, jobs int) {
	t.Helper()
	version := strings.TrimPrefix(pin, "v")
	base := "https://github.com/imgform/imgform/releases/download/" + pin + "/"
	got := requestsOf(t, releaseDir)
	if len(got) != 2*jobs {
		t.Errorf("the install steps of %d jobs downloaded %d files, want %d: %q", jobs, len(got), 2*jobs, got)
	}
	for i, url := range got {
		want := base + "imgform_" + version + "_linux_amd64.tar.gz"
		if i%2 == 1 {
			want = base + "imgform_" + version + "_checksums.txt"
		}
		if url != want {
			t.Errorf("download %d: %s, want %s", i+1, url, want)
		}
	}
	if err := os.Remove(filepath.Join(releaseDir, "requests")); err != nil {
		t.Fatal(err)
	}
}

// Both examples pin the CHANGELOG's latest release, and the version this
// build is (VERSION) is that one or a later one.
func TestExamplesPinTheLatestRelease(t *testing.T) {
	latest := latestRelease(t)
	for _, example := range []string{"ci", "ci-team"} {
		wf, _ := readReplayWorkflow(t, example)
		if pin := wf.Env["IMGFORM_VERSION"]; pin != latest {
			t.Errorf("examples/%s pins IMGFORM_VERSION %q; the CHANGELOG's latest release is %s", example, pin, latest)
		}
		for name, job := range wf.Jobs {
			for _, step := range job.Steps {
				if strings.HasPrefix(step.Uses, "actions/checkout@") && step.With["fetch-depth"] != 0 {
					t.Errorf("examples/%s, job %s: actions/checkout with fetch-depth %v, want 0 (the whole history: a shallow clone breaks the stale-checkout check)", example, name, step.With["fetch-depth"])
				}
			}
		}
		for _, name := range []string{"AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"} {
			if want := "${{ secrets." + name + " }}"; wf.Env[name] != want {
				t.Errorf("examples/%s: env %s is %q, want %q", example, name, wf.Env[name], want)
			}
		}
		for _, name := range []string{"AWS_ENDPOINT_URL_S3", "AWS_REGION"} {
			if want := "${{ vars." + name + " }}"; wf.Env[name] != want {
				t.Errorf("examples/%s: env %s is %q, want %q", example, name, wf.Env[name], want)
			}
		}
	}
	version := "v" + strings.TrimSpace(readRepoFile(t, "internal/version/VERSION"))
	release, dev := strings.CutSuffix(version, "-dev")
	switch {
	case release == latest && dev:
		t.Errorf("VERSION says %s, the development of a release the CHANGELOG says was made", version)
	case release != latest && !dev:
		t.Errorf("VERSION says %s, a release the CHANGELOG does not name (its latest is %s)", version, latest)
	}
}

// The install step fails, and installs nothing, when the archive is not
// the one the checksums name, or the checksums do not name it.
func TestWorkflowInstallStepVerifies(t *testing.T) {
	wf, _ := readReplayWorkflow(t, "ci")
	pin := wf.Env["IMGFORM_VERSION"]
	table := map[string]string{"github.repository": "acme/site", "github.run_id": "1", "github.run_attempt": "1",
		"secrets.AWS_ACCESS_KEY_ID": "", "secrets.AWS_SECRET_ACCESS_KEY": "", "vars.AWS_ENDPOINT_URL_S3": "", "vars.AWS_REGION": ""}
	// A workflow of the install step alone.
	var install replayStep
	for _, s := range wf.Jobs["apply"].Steps {
		if s.Name == "Install imgform" {
			install = s
		}
	}
	if install.Run == "" {
		t.Fatal("the apply job has no step Install imgform")
	}
	one := &replayWorkflow{Env: wf.Env, Defaults: wf.Defaults}
	one.Jobs = map[string]struct {
		If    string            `yaml:"if"`
		Env   map[string]string `yaml:"env"`
		Steps []replayStep      `yaml:"steps"`
	}{"install": {Steps: []replayStep{install}}}
	version := strings.TrimPrefix(pin, "v")
	archive := "imgform_" + version + "_linux_amd64.tar.gz"
	sums := "imgform_" + version + "_checksums.txt"
	for name, spoil := range map[string]func(dir string) error{
		"a tampered archive": func(dir string) error {
			data, err := os.ReadFile(filepath.Join(dir, archive))
			if err != nil {
				return err
			}
			data[len(data)/2] ^= 0xff
			return os.WriteFile(filepath.Join(dir, archive), data, 0o644)
		},
		"checksums that do not name it": func(dir string) error {
			data, err := os.ReadFile(filepath.Join(dir, sums))
			if err != nil {
				return err
			}
			return os.WriteFile(filepath.Join(dir, sums), []byte(strings.ReplaceAll(string(data), archive, archive+".old")), 0o644)
		},
		"no such release": func(dir string) error { return os.Remove(filepath.Join(dir, archive)) },
	} {
		t.Run(name, func(t *testing.T) {
			r := newReplayer(t, one, map[string][]byte{"README.md": []byte("x\n")}, table, nil)
			dir := r.fakeRelease(pin, imgformBinary(t))
			if err := spoil(dir); err != nil {
				t.Fatal(err)
			}
			res := r.runJob("install", r.push())
			s := res.steps[0]
			if s.outcome != "failure" {
				t.Fatalf("the install step succeeded with %s:\n%s\n%s", name, s.stdout, s.stderr)
			}
			if _, err := os.Stat(filepath.Join(res.temp, "bin", "imgform")); err == nil {
				t.Errorf("the install step failed but left imgform in place")
			}
			if strings.Contains(s.stdout, "imgform v") {
				t.Errorf("the install step ran imgform:\n%s", s.stdout)
			}
		})
	}
}

// examples/ci, replayed: the first push to main applies everything and
// commits it; a pull request that changes one image gets a plan of that
// one change; its merge applies that one change, paying for it alone.
func TestCIWorkflowReplay(t *testing.T) {
	wf, _ := readReplayWorkflow(t, "ci")
	pin := wf.Env["IMGFORM_VERSION"]
	api := startReplayEmulator(t)
	table := map[string]string{
		"github.repository": "acme/site", "github.run_id": "4242", "github.run_attempt": "1",
		"secrets.SEGMIND_API_KEY": "test-key",
		// No shared cache in this repository: the keys are not set.
		"secrets.AWS_ACCESS_KEY_ID": "", "secrets.AWS_SECRET_ACCESS_KEY": "",
		"vars.AWS_ENDPOINT_URL_S3": "", "vars.AWS_REGION": "",
		"vars.IMGFORM_PREVIEW": "",
	}
	table["github.event.pull_request.head.repo.full_name"] = table["github.repository"]
	r := newReplayer(t, wf, exampleFiles(t, "ci", ".imgform/\nimgform.state.json.backup\n"), table, []string{"SEGMIND_BASE_URL=" + api})
	release := r.fakeRelease(pin, imgformBinary(t))

	// 1. The first push to main.
	if jobs := r.jobsFor(r.push()); strings.Join(jobs, ",") != "apply" {
		t.Fatalf("a push runs the jobs %q, want apply", jobs)
	}
	first := r.runJob("apply", r.push())
	first.check(t, "push 1", map[string]stepWant{
		"actions/checkout@v4":                           {outcome: "success"},
		"Point IMGFORM_CACHE_DIR outside the checkout":  {outcome: "success"},
		"Install imgform":                               installWant(pin),
		"Restore the content cache and the job journal": {outcome: "success", stdout: []string{"Cache not found"}},
		"Plan":                            {outcome: "success", outputs: map[string]string{"changes": "true"}},
		"Apply the saved plan":            {outcome: "success", stdout: []string{`"type":"summary"`, `"created":2`}},
		"Did the apply pay for anything?": {outcome: "success", stdout: []string{`"generated": 2`}, outputs: map[string]string{"save": "true"}},
		"Save the content cache and the job journal": {outcome: "success", stdout: []string{"Cache saved with key: imgform-cache-4242-1"}},
		"Upload the apply log":                       {outcome: "success"},
		"Commit the generated assets and the state":  {outcome: "success"},
		"Fail when an image failed":                  {outcome: "skipped"},
	})
	if !strings.Contains(first.summary, "Plan:** 2 to create") && !strings.Contains(first.summary, "2 to create") {
		t.Errorf("push 1: the job summary has no plan of 2 images:\n%s", first.summary)
	}
	checkDownloads(t, release, pin, 1)
	if n := emulatorGenerated(t, api); n != 2 {
		t.Errorf("push 1 paid for %d images, want 2", n)
	}
	log := r.git(r.origin, "log", "--format=%s", "main")
	if !strings.HasPrefix(log, "imgform: apply generated images [skip ci]\n") {
		t.Fatalf("main's history after push 1:\n%s", log)
	}
	tree := r.git(r.origin, "ls-tree", "-r", "--name-only", "main")
	for _, want := range []string{"imgform.state.json", "public/og-card.png", "public/empty-state.png"} {
		if !strings.Contains("\n"+tree+"\n", "\n"+want+"\n") {
			t.Errorf("main does not hold %s after the apply:\n%s", want, tree)
		}
	}
	if strings.Contains(tree, ".imgform/") || strings.Contains(tree, ".backup") {
		t.Errorf("the apply committed imgform's local files:\n%s", tree)
	}

	// 2. A pull request that changes one image's prompt.
	pr := r.pullRequest("new-card", func(dir string) {
		replaceInFile(t, filepath.Join(dir, "assets.img.hcl"), "indigo and gold", "teal and silver")
	})
	if jobs := r.jobsFor(pr); strings.Join(jobs, ",") != "plan" {
		t.Fatalf("a pull request runs the jobs %q, want plan", jobs)
	}
	plan := r.runJob("plan", pr)
	plan.check(t, "pull request", map[string]stepWant{
		"actions/checkout@v4":                           {outcome: "success"},
		"Point IMGFORM_CACHE_DIR outside the checkout":  {outcome: "success"},
		"Install imgform":                               installWant(pin),
		"Restore the content cache and the job journal": {outcome: "success", stdout: []string{"Cache restored from key: imgform-cache-4242-1"}},
		"Plan":                                 {outcome: "success", outputs: map[string]string{"exitcode": "2"}},
		"Preview the new images":               {outcome: "skipped"},
		"Upload the review page":               {outcome: "skipped"},
		"Comment the plan on the pull request": {outcome: "success", stdout: []string{"image.og_card", "0 to create, 1 to replace"}},
	})
	if !strings.Contains(plan.summary, "image.og_card") || strings.Contains(plan.summary, "image.empty_state") {
		t.Errorf("the pull request's summary should plan image.og_card alone:\n%s", plan.summary)
	}
	checkDownloads(t, release, pin, 1)
	if n := emulatorGenerated(t, api); n != 2 {
		t.Errorf("the pull request's plan paid: %d images generated, want 2", n)
	}

	// 3. Its merge: main applies the one change.
	merged := r.merge()
	apply := r.runJob("apply", merged)
	apply.check(t, "push 2 (the merge)", map[string]stepWant{
		"actions/checkout@v4":                           {outcome: "success"},
		"Point IMGFORM_CACHE_DIR outside the checkout":  {outcome: "success"},
		"Install imgform":                               installWant(pin),
		"Restore the content cache and the job journal": {outcome: "success", stdout: []string{"Cache restored from key: imgform-cache-4242-1"}},
		"Plan":                            {outcome: "success", outputs: map[string]string{"changes": "true"}},
		"Apply the saved plan":            {outcome: "success", stdout: []string{`"type":"summary"`, `"replaced":1`}},
		"Did the apply pay for anything?": {outcome: "success", stdout: []string{`"generated": 1`}, outputs: map[string]string{"save": "true"}},
		"Save the content cache and the job journal": {outcome: "success", stdout: []string{"Failed to save: cache entry with key imgform-cache-4242-1 already exists"}},
		"Upload the apply log":                       {outcome: "success"},
		"Commit the generated assets and the state":  {outcome: "success"},
		"Fail when an image failed":                  {outcome: "skipped"},
	})
	checkDownloads(t, release, pin, 1)
	if n := emulatorGenerated(t, api); n != 3 {
		t.Errorf("after the merge, %d images were paid for, want 3 (the changed one once more)", n)
	}
	log = r.git(r.origin, "log", "--format=%s", "main")
	if !strings.HasPrefix(log, "imgform: apply generated images [skip ci]\nMerge new-card into main\n") {
		t.Errorf("main's history after the merge:\n%s", log)
	}
	changed := r.git(r.origin, "diff", "--name-only", "main~1", "main")
	if changed != "imgform.state.json\npublic/og-card.png" {
		t.Errorf("the apply after the merge committed %q, want the state and public/og-card.png", changed)
	}
}

// examples/ci-team, replayed against PostgreSQL and versitygw: the first
// push to main applies everything into the database's state and commits
// the assets; a pull request that changes one image plans it and
// previews it (paying for it once, into the team cache); its merge
// applies it from the team cache, paying nothing. As the example is
// (publish = true), the pull request's review page is published to the
// bucket and the comment links it; with publish = false, it is uploaded
// as an artifact and the comment links that.
func TestCITeamWorkflowReplay(t *testing.T) {
	t.Run("published", func(t *testing.T) { replayCITeam(t, true) })
	t.Run("artifact", func(t *testing.T) { replayCITeam(t, false) })
}

func replayCITeam(t *testing.T, publish bool) {
	wf, _ := readReplayWorkflow(t, "ci-team")
	pin := wf.Env["IMGFORM_VERSION"]
	pgURL := testsvc.PostgreSQL(t)
	srv := testsvc.S3(t)
	client := s3Client(t, srv)
	bucket, suffix, err := makeBucket(t.Context(), client, srv, "replay")
	if err != nil {
		t.Fatal(err)
	}
	api := startReplayEmulator(t)
	table := map[string]string{
		"github.repository": "acme/site", "github.run_id": "777", "github.run_attempt": "1",
		"secrets.SEGMIND_API_KEY":   "test-key",
		"secrets.PG_CONN_STR":       pgURL,
		"secrets.AWS_ACCESS_KEY_ID": srv.AccessKey, "secrets.AWS_SECRET_ACCESS_KEY": srv.SecretKey,
		"vars.AWS_ENDPOINT_URL_S3": srv.Endpoint,
		// No region: it is optional.
		"vars.AWS_REGION":      "",
		"vars.IMGFORM_PREVIEW": "",
	}
	table["github.event.pull_request.head.repo.full_name"] = table["github.repository"]
	// The team's repository: the example's specs with its own schema and
	// bucket, as a team writes them.
	files := exampleFiles(t, "ci-team", ".imgform/\n")
	spec := string(files["team.img.hcl"])
	edits := map[string]string{`schema_name = "imgform"`: `schema_name = "replay_` + suffix + `"`, "acme-imgform-cache": bucket}
	if !publish {
		edits["publish = true"] = "publish = false"
	}
	for old, new := range edits {
		if !strings.Contains(spec, old) {
			t.Fatalf("team.img.hcl has no %q", old)
		}
		spec = strings.ReplaceAll(spec, old, new)
	}
	files["team.img.hcl"] = []byte(spec)
	r := newReplayer(t, wf, files, table, []string{"SEGMIND_BASE_URL=" + api})
	release := r.fakeRelease(pin, imgformBinary(t))

	// 1. The first push to main.
	if jobs := r.jobsFor(r.push()); strings.Join(jobs, ",") != "apply" {
		t.Fatalf("a push runs the jobs %q, want apply", jobs)
	}
	first := r.runJob("apply", r.push())
	first.check(t, "push 1", map[string]stepWant{
		"actions/checkout@v4":               {outcome: "success"},
		"Install imgform":                   installWant(pin),
		"Apply":                             {outcome: "success", stdout: []string{`"type":"summary"`, `"created":4`}},
		"Upload what the team cache missed": {outcome: "success", stdout: []string{`Uploaded 0 entries, 4 already there`}},
		"Upload the apply log":              {outcome: "success"},
		"Commit the generated assets":       {outcome: "success"},
		"Fail when the apply failed":        {outcome: "skipped"},
	})
	if !strings.Contains(first.summary, "4 to create") {
		t.Errorf("push 1: the job summary has no plan of 4 images:\n%s", first.summary)
	}
	checkDownloads(t, release, pin, 1)
	if n := emulatorGenerated(t, api); n != 4 {
		t.Errorf("push 1 paid for %d images, want 4", n)
	}
	tree := r.git(r.origin, "ls-tree", "-r", "--name-only", "main")
	for _, want := range []string{"public/hero/home.png", "public/hero/pricing.png", "public/hero/blog.png", "public/empty-state.png"} {
		if !strings.Contains("\n"+tree+"\n", "\n"+want+"\n") {
			t.Errorf("main does not hold %s after the apply:\n%s", want, tree)
		}
	}
	if strings.Contains(tree, "imgform.state.json") || strings.Contains(tree, ".imgform/") {
		t.Errorf("the team's apply committed a state file or imgform's local files:\n%s", tree)
	}

	// 2. A pull request that changes one image: planned, and previewed
	// into the team cache.
	pr := r.pullRequest("new-empty-state", func(dir string) {
		replaceInFile(t, filepath.Join(dir, "team.img.hcl"), "pastel colours", "warm colours")
	})
	if jobs := r.jobsFor(pr); strings.Join(jobs, ",") != "plan" {
		t.Fatalf("a pull request runs the jobs %q, want plan", jobs)
	}
	plan := r.runJob("plan", pr)
	want := map[string]stepWant{
		"actions/checkout@v4":                  {outcome: "success"},
		"Install imgform":                      installWant(pin),
		"Plan":                                 {outcome: "success", outputs: map[string]string{"exitcode": "2"}},
		"Preview the new images":               {outcome: "success", outputs: map[string]string{"published": "true"}},
		"Upload the review page":               {outcome: "skipped"},
		"Comment the plan on the pull request": {outcome: "success", stdout: []string{"image.empty_state", "0 to create, 1 to replace", `\[Open the review page\]\(http://127\.0\.0\.1:\d+/` + bucket + `/assets/reviews/pr-1/index\.html\?`}},
	}
	if !publish {
		want["Preview the new images"] = stepWant{outcome: "success", outputs: map[string]string{"published": ""}}
		want["Upload the review page"] = stepWant{outcome: "success"}
		want["Comment the plan on the pull request"] = stepWant{outcome: "success", stdout: []string{"image.empty_state", "0 to create, 1 to replace", `\[Review the new images\]\(https://`}}
	}
	plan.check(t, "pull request", want)
	if up := plan.step("Upload the review page"); up != nil && !publish {
		if _, err := os.Stat(filepath.Join(up.uploaded, "index.html")); err != nil {
			t.Errorf("the review page uploaded has no index.html: %v", err)
		}
	}
	if n := len(objectsUnder(t, client, bucket, "assets/reviews/")); (n > 0) != publish {
		t.Errorf("with publish = %v, the bucket holds %d objects under assets/reviews/", publish, n)
	}
	// The page the comment links: in the bucket, and open to a browser
	// with no credentials.
	if c := plan.step("Comment the plan on the pull request"); c != nil {
		if m := regexp.MustCompile(`\[Open the review page\]\((http[^)]+)\)`).FindStringSubmatch(c.stdout); m != nil {
			if page := get(t, m[1], "text/html"); !strings.Contains(page, "image.empty_state") {
				t.Errorf("the published review page does not show image.empty_state:\n%.1000s", page)
			}
		}
	}
	checkDownloads(t, release, pin, 1)
	if n := emulatorGenerated(t, api); n != 5 {
		t.Errorf("after the preview, %d images were paid for, want 5 (the changed one, once)", n)
	}

	// 3. Its merge: main applies the change from the team cache.
	apply := r.runJob("apply", r.merge())
	apply.check(t, "push 2 (the merge)", map[string]stepWant{
		"actions/checkout@v4":               {outcome: "success"},
		"Install imgform":                   installWant(pin),
		"Apply":                             {outcome: "success", stdout: []string{`"type":"summary"`, `"generated":0`}},
		"Upload what the team cache missed": {outcome: "success", stdout: []string{`Uploaded 0 entries, 4 already there`}},
		"Upload the apply log":              {outcome: "success"},
		"Commit the generated assets":       {outcome: "success"},
		"Fail when the apply failed":        {outcome: "skipped"},
	})
	checkDownloads(t, release, pin, 1)
	if n := emulatorGenerated(t, api); n != 5 {
		t.Errorf("the apply after the merge paid: %d images generated, want 5 (the preview's was restored)", n)
	}
	changed := r.git(r.origin, "diff", "--name-only", "main~1", "main")
	if changed != "public/empty-state.png" {
		t.Errorf("the apply after the merge committed %q, want public/empty-state.png", changed)
	}
}

// replaceInFile replaces old by new in a file, and fails when it has no
// old.
func replaceInFile(t *testing.T, path, old, new string) {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(data), old) {
		t.Fatalf("%s has no %q", path, old)
	}
	if err := os.WriteFile(path, []byte(strings.ReplaceAll(string(data), old, new)), 0o644); err != nil {
		t.Fatal(err)
	}
}

// objectsUnder lists the keys of bucket under prefix.
func objectsUnder(t *testing.T, client *minio.Client, bucket, prefix string) []string {
	t.Helper()
	var keys []string
	for obj := range client.ListObjects(t.Context(), bucket, minio.ListObjectsOptions{Prefix: prefix, Recursive: true}) {
		if obj.Err != nil {
			t.Fatal(obj.Err)
		}
		keys = append(keys, obj.Key)
	}
	return keys
}
