package main

import (
	"archive/tar"
	"bufio"
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"testing"

	"go.yaml.in/yaml/v3"
)

// A replay runs an example workflow's steps as GitHub Actions would, on
// this machine: each job's steps in order, run: steps with bash -eo
// pipefail in a checkout made as its actions/checkout step says (a git
// clone of a bare repository standing for GitHub's, with the step's
// fetch-depth and ref), with the environment and the files GitHub gives a
// step (GITHUB_OUTPUT, GITHUB_ENV, GITHUB_PATH, GITHUB_STEP_SUMMARY,
// RUNNER_TEMP, ...), its if: conditions evaluated, and its ${{ }}
// expressions taken from a table the test owns (secrets, variables, the
// event), never guessed: a name missing from the table fails the replay.
//
// What only GitHub has is stood in for, and said where:
//   - The API is imgform emulate (SEGMIND_BASE_URL, in the runner's
//     environment as a machine's would be; the workflow sets none).
//   - The release the install step downloads: a fake curl serves, for the
//     pinned release's URLs only, an archive the test builds holding the
//     freshly built imgform and a checksums file of that archive, so the
//     step's own commands unpack and verify it (and a tampered archive
//     must fail the step: TestWorkflowInstallStepVerifies).
//   - actions/cache (restore, save) keeps its entries in a folder, keyed
//     as GitHub keys them; actions/upload-artifact checks its path and
//     gives an artifact-url; actions/github-script (the pull-request
//     comment, JavaScript against GitHub's API) is not run: the replay
//     checks that the files and variables its script reads are there,
//     and gives as its output the comment's text (the plan, and the
//     review's markdown or the artifact's link).
//   - GITHUB_EVENT_PATH is a payload of the fields imgform reads: a pull
//     request's head and base repositories.
//   - A uses: the replay does not know fails it.

// replayWorkflow is what a replay reads of a workflow, steps in order.
type replayWorkflow struct {
	Env      map[string]string `yaml:"env"`
	Defaults struct {
		Run struct {
			Shell string `yaml:"shell"`
		} `yaml:"run"`
	} `yaml:"defaults"`
	Jobs map[string]struct {
		If    string            `yaml:"if"`
		Env   map[string]string `yaml:"env"`
		Steps []replayStep      `yaml:"steps"`
	} `yaml:"jobs"`
}

type replayStep struct {
	Name            string            `yaml:"name"`
	ID              string            `yaml:"id"`
	If              string            `yaml:"if"`
	Uses            string            `yaml:"uses"`
	Run             string            `yaml:"run"`
	Shell           string            `yaml:"shell"`
	With            map[string]any    `yaml:"with"`
	Env             map[string]string `yaml:"env"`
	ContinueOnError bool              `yaml:"continue-on-error"`
}

// label is how the expectations name a step: its name, else its uses.
func (s replayStep) label() string {
	if s.Name != "" {
		return s.Name
	}
	return s.Uses
}

func readReplayWorkflow(t *testing.T, example string) (*replayWorkflow, []byte) {
	t.Helper()
	data, err := os.ReadFile(filepath.Join("..", "..", "examples", example, ".github", "workflows", "imgform.yml"))
	if err != nil {
		t.Fatal(err)
	}
	var wf replayWorkflow
	if err := yaml.Unmarshal(data, &wf); err != nil {
		t.Fatalf("examples/%s: the workflow is not valid YAML: %v", example, err)
	}
	return &wf, data
}

// ghEvent is what started a run.
type ghEvent struct {
	name string // push, pull_request
	ref  string // refs/heads/main, refs/pull/1/merge
	sha  string
}

func (ev ghEvent) refName() string {
	return strings.TrimPrefix(strings.TrimPrefix(ev.ref, "refs/heads/"), "refs/pull/")
}

// replayer runs a workflow's jobs for one repository: its origin (a bare
// repository standing for GitHub's), the Actions cache, the release the
// install step downloads, and the table of expressions.
type replayer struct {
	t       *testing.T
	wf      *replayWorkflow
	origin  string
	root    string            // where runs are made
	base    []string          // the runner's environment
	table   map[string]string // secrets.X, vars.X and github.X of every run
	caches  []string          // actions/cache keys, oldest first
	cacheAt map[string]string // key → folder
	runs    int
}

// stepResult is what one step did.
type stepResult struct {
	label    string
	outcome  string // success, failure, skipped
	stdout   string
	stderr   string
	outputs  map[string]string
	summary  string
	uploaded string // actions/upload-artifact: the path uploaded
}

type jobResult struct {
	steps     []*stepResult
	workspace string
	temp      string
	summary   string
}

func (j *jobResult) step(label string) *stepResult {
	for _, s := range j.steps {
		if s.label == label {
			return s
		}
	}
	return nil
}

// stepWant is what a step must do: its outcome, and patterns its stdout
// and stderr must match.
type stepWant struct {
	outcome        string
	stdout, stderr []string
	outputs        map[string]string
}

// check holds the job's steps to want: every step that ran or was
// skipped has an entry, and every entry a step.
func (j *jobResult) check(t *testing.T, job string, want map[string]stepWant) {
	t.Helper()
	seen := map[string]bool{}
	for _, s := range j.steps {
		seen[s.label] = true
		w, ok := want[s.label]
		if !ok {
			t.Errorf("%s: step %q (%s) has no expectation in the test", job, s.label, s.outcome)
			continue
		}
		if s.outcome != w.outcome {
			t.Errorf("%s: step %q: %s, want %s\nstdout:\n%s\nstderr:\n%s", job, s.label, s.outcome, w.outcome, s.stdout, s.stderr)
			continue
		}
		for _, p := range w.stdout {
			if !regexp.MustCompile(p).MatchString(s.stdout) {
				t.Errorf("%s: step %q printed nothing matching %q on stdout:\n%s\nstderr:\n%s", job, s.label, p, s.stdout, s.stderr)
			}
		}
		for _, p := range w.stderr {
			if !regexp.MustCompile(p).MatchString(s.stderr) {
				t.Errorf("%s: step %q printed nothing matching %q on stderr:\n%s", job, s.label, p, s.stderr)
			}
		}
		for k, v := range w.outputs {
			if s.outputs[k] != v {
				t.Errorf("%s: step %q: output %s = %q, want %q", job, s.label, k, s.outputs[k], v)
			}
		}
	}
	for label := range want {
		if !seen[label] {
			t.Errorf("%s: the test expects a step %q the job does not have", job, label)
		}
	}
}

// newReplayer makes the origin of a repository holding files (the
// example's, as a user's repository would), with one commit on main.
func newReplayer(t *testing.T, wf *replayWorkflow, files map[string][]byte, table map[string]string, machineEnv []string) *replayer {
	t.Helper()
	root := t.TempDir()
	r := &replayer{t: t, wf: wf, origin: filepath.Join(root, "origin.git"), root: root, table: table, cacheAt: map[string]string{}}
	home := filepath.Join(root, "home")
	if err := os.MkdirAll(home, 0o755); err != nil {
		t.Fatal(err)
	}
	// The runner's environment: no imgform on PATH (the install step puts
	// it there), the fake curl first.
	var path []string
	for _, dir := range filepath.SplitList(os.Getenv("PATH")) {
		if _, err := lookPathIn("imgform", dir); err == nil || dir == "" {
			continue
		}
		path = append(path, dir)
	}
	fakeBin := filepath.Join(root, "fakebin")
	r.base = append([]string{
		"PATH=" + fakeBin + string(filepath.ListSeparator) + strings.Join(path, string(filepath.ListSeparator)),
		"HOME=" + home, "GIT_CONFIG_NOSYSTEM=1", "LANG=C.UTF-8",
		"CI=true", "GITHUB_ACTIONS=true", "RUNNER_OS=Linux", "RUNNER_ARCH=X64",
		"GITHUB_REPOSITORY=" + table["github.repository"],
	}, machineEnv...)
	r.git("", "init", "-q", "--bare", "-b", "main", r.origin)
	dev := filepath.Join(root, "dev")
	r.git("", "clone", "-q", r.origin, dev)
	for name, data := range files {
		p := filepath.Join(dev, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	r.git(dev, "checkout", "-q", "-b", "main")
	r.git(dev, "add", "-A")
	r.git(dev, "commit", "-q", "-m", "The images of the site")
	r.git(dev, "push", "-q", "origin", "main")
	return r
}

// git runs git in dir ("" for none) as a developer would, and returns
// its output.
func (r *replayer) git(dir string, args ...string) string {
	r.t.Helper()
	if dir != "" {
		args = append([]string{"-C", dir}, args...)
	}
	cmd := exec.Command("git", append([]string{"-c", "user.name=A developer", "-c", "user.email=dev@example.com", "-c", "commit.gpgsign=false", "-c", "init.defaultBranch=main"}, args...)...)
	cmd.Env = r.base
	out, err := cmd.CombinedOutput()
	if err != nil {
		r.t.Fatalf("git %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	return strings.TrimSpace(string(out))
}

// pullRequest pushes a branch from main with change applied to the
// developer's clone, and the merge ref GitHub makes of it; it returns
// the pull request's event.
func (r *replayer) pullRequest(branch string, change func(dir string)) ghEvent {
	r.t.Helper()
	dev := filepath.Join(r.root, "dev")
	r.git(dev, "fetch", "-q", "origin")
	r.git(dev, "checkout", "-q", "-B", branch, "origin/main")
	change(dev)
	r.git(dev, "add", "-A")
	r.git(dev, "commit", "-q", "-m", "Change an image")
	r.git(dev, "push", "-q", "-f", "origin", branch)
	r.git(dev, "checkout", "-q", "--detach", "origin/main")
	r.git(dev, "merge", "-q", "--no-ff", "-m", "Merge "+branch+" into main", branch)
	r.git(dev, "push", "-q", "-f", "origin", "HEAD:refs/pull/1/merge")
	return ghEvent{name: "pull_request", ref: "refs/pull/1/merge", sha: r.git(dev, "rev-parse", "HEAD")}
}

// merge merges the pull request into main, as its merge button does, and
// returns the push event.
func (r *replayer) merge() ghEvent {
	r.t.Helper()
	dev := filepath.Join(r.root, "dev")
	r.git(dev, "fetch", "-q", "origin")
	r.git(dev, "checkout", "-q", "--detach", "origin/main")
	r.git(dev, "fetch", "-q", "origin", "refs/pull/1/merge")
	r.git(dev, "merge", "-q", "--ff-only", "FETCH_HEAD")
	r.git(dev, "push", "-q", "origin", "HEAD:refs/heads/main")
	return r.push()
}

// push is the event of the tip of main.
func (r *replayer) push() ghEvent {
	return ghEvent{name: "push", ref: "refs/heads/main", sha: r.git(r.origin, "rev-parse", "refs/heads/main")}
}

// jobsFor returns the jobs whose if: holds for ev.
func (r *replayer) jobsFor(ev ghEvent) []string {
	r.t.Helper()
	var names []string
	for name, job := range r.wf.Jobs {
		e := r.expr(ev, nil, nil, "")
		ok, err := e.condition(job.If)
		if err != nil {
			r.t.Fatalf("job %s: if: %v", name, err)
		}
		if ok {
			names = append(names, name)
		}
	}
	sort.Strings(names)
	return names
}

// expr is the expression evaluator of a step: the table, the event, the
// job's env and its steps so far.
func (r *replayer) expr(ev ghEvent, env map[string]string, steps map[string]*stepResult, temp string) *ghExpr {
	return &ghExpr{lookup: func(name string) (string, error) {
		switch {
		case name == "github.event_name":
			return ev.name, nil
		case name == "github.ref":
			return ev.ref, nil
		case name == "github.sha":
			return ev.sha, nil
		case name == "github.event.pull_request.head.repo.full_name":
			if ev.name != "pull_request" {
				return "", nil
			}
		case name == "runner.temp":
			if temp == "" {
				return "", fmt.Errorf("runner.temp outside a job")
			}
			return temp, nil
		case strings.HasPrefix(name, "env."):
			return env[strings.TrimPrefix(name, "env.")], nil
		case strings.HasPrefix(name, "steps."):
			parts := strings.SplitN(name, ".", 4)
			s, ok := steps[parts[1]]
			if !ok {
				return "", fmt.Errorf("no step with id %q before this one", parts[1])
			}
			switch {
			case len(parts) == 3 && parts[2] == "outcome":
				return s.outcome, nil
			case len(parts) == 4 && parts[2] == "outputs":
				return s.outputs[parts[3]], nil
			}
			return "", fmt.Errorf("the replay does not read %s", name)
		}
		v, ok := r.table[name]
		if !ok {
			return "", fmt.Errorf("the test's table has no value for %s", name)
		}
		return v, nil
	}}
}

// runJob runs one job of the workflow for ev, and returns what each step
// did.
func (r *replayer) runJob(name string, ev ghEvent) *jobResult {
	r.t.Helper()
	t := r.t
	job, ok := r.wf.Jobs[name]
	if !ok {
		t.Fatalf("the workflow has no job %s", name)
	}
	r.runs++
	run := filepath.Join(r.root, fmt.Sprintf("run%d", r.runs))
	res := &jobResult{workspace: filepath.Join(run, "workspace"), temp: filepath.Join(run, "temp")}
	for _, d := range []string{res.workspace, res.temp} {
		if err := os.MkdirAll(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	// The env context: the workflow's, then the job's, each evaluated;
	// then what steps add through GITHUB_ENV.
	env := map[string]string{}
	steps := map[string]*stepResult{}
	for _, level := range []map[string]string{r.wf.Env, job.Env} {
		for k, v := range level {
			val, err := r.expr(ev, env, steps, res.temp).interpolate(v)
			if err != nil {
				t.Fatalf("env %s: %v", k, err)
			}
			env[k] = val
		}
	}
	// The event's payload, as GitHub writes it for GITHUB_EVENT_PATH:
	// of a pull request, the repositories it comes from and goes to.
	eventPath := filepath.Join(run, "event.json")
	payload := "{}"
	if ev.name == "pull_request" {
		head := cmpOr(r.table["github.event.pull_request.head.repo.full_name"], r.table["github.repository"])
		payload = fmt.Sprintf(`{"pull_request": {"head": {"repo": {"full_name": %q}}, "base": {"repo": {"full_name": %q}}}}`, head, r.table["github.repository"])
	}
	if err := os.WriteFile(eventPath, []byte(payload), 0o644); err != nil {
		t.Fatal(err)
	}
	var extraPath []string
	failed := false
	for i, step := range job.Steps {
		sr := &stepResult{label: step.label(), outputs: map[string]string{}}
		res.steps = append(res.steps, sr)
		if step.ID != "" {
			steps[step.ID] = sr
		}
		e := r.expr(ev, env, steps, res.temp)
		e.failed = failed
		ok, err := e.condition(step.If)
		if err != nil {
			t.Fatalf("%s: step %q: if: %v", name, sr.label, err)
		}
		if !ok {
			sr.outcome = "skipped"
			continue
		}
		stepEnv := map[string]string{}
		for k, v := range env {
			stepEnv[k] = v
		}
		for k, v := range step.Env {
			val, err := e.interpolate(v)
			if err != nil {
				t.Fatalf("%s: step %q: env %s: %v", name, sr.label, k, err)
			}
			stepEnv[k] = val
		}
		with := map[string]string{}
		for k, v := range step.With {
			val, err := e.interpolate(fmt.Sprint(v))
			if err != nil {
				t.Fatalf("%s: step %q: with %s: %v", name, sr.label, k, err)
			}
			with[k] = val
		}
		files := map[string]string{}
		for _, f := range []string{"GITHUB_OUTPUT", "GITHUB_ENV", "GITHUB_PATH", "GITHUB_STEP_SUMMARY"} {
			files[f] = filepath.Join(run, fmt.Sprintf("step%d_%s", i, strings.ToLower(f)))
			if err := os.WriteFile(files[f], nil, 0o644); err != nil {
				t.Fatal(err)
			}
		}
		var stepErr error
		switch {
		case step.Run != "":
			script, err := e.interpolate(step.Run)
			if err != nil {
				t.Fatalf("%s: step %q: %v", name, sr.label, err)
			}
			shell := step.Shell
			if shell == "" {
				shell = r.wf.Defaults.Run.Shell
			}
			if shell != "bash" {
				t.Fatalf("%s: step %q: the replay runs bash steps only, not %q", name, sr.label, shell)
			}
			scriptFile := filepath.Join(run, fmt.Sprintf("step%d.sh", i))
			if err := os.WriteFile(scriptFile, []byte(script), 0o644); err != nil {
				t.Fatal(err)
			}
			vars := append([]string{}, r.base...)
			for k, v := range stepEnv {
				vars = append(vars, k+"="+v)
			}
			for k, f := range files {
				vars = append(vars, k+"="+f)
			}
			vars = append(vars, "RUNNER_TEMP="+res.temp, "GITHUB_WORKSPACE="+res.workspace, "GITHUB_EVENT_NAME="+ev.name,
				"GITHUB_REF="+ev.ref, "GITHUB_REF_NAME="+ev.refName(), "GITHUB_SHA="+ev.sha, "GITHUB_EVENT_PATH="+eventPath,
				"GITHUB_RUN_ID="+r.table["github.run_id"], "GITHUB_RUN_ATTEMPT="+r.table["github.run_attempt"])
			if len(extraPath) > 0 {
				vars = append(vars, "PATH="+strings.Join(extraPath, string(filepath.ListSeparator))+string(filepath.ListSeparator)+strings.TrimPrefix(r.base[0], "PATH="))
			}
			cmd := exec.Command("bash", "--noprofile", "--norc", "-eo", "pipefail", scriptFile)
			cmd.Dir = res.workspace
			cmd.Env = vars
			var stdout, stderr bytes.Buffer
			cmd.Stdout, cmd.Stderr = &stdout, &stderr
			stepErr = cmd.Run()
			if _, isExit := stepErr.(*exec.ExitError); stepErr != nil && !isExit {
				t.Fatalf("%s: step %q: %v", name, sr.label, stepErr)
			}
			sr.stdout, sr.stderr = stdout.String(), stderr.String()
		default:
			stepErr = r.uses(step, with, stepEnv, ev, res, sr)
		}
		// What the step said through its files.
		for k, v := range readKeyValues(t, files["GITHUB_OUTPUT"]) {
			sr.outputs[k] = v
		}
		for k, v := range readKeyValues(t, files["GITHUB_ENV"]) {
			env[k] = v
		}
		if data, err := os.ReadFile(files["GITHUB_PATH"]); err == nil {
			for _, line := range strings.Split(strings.TrimSpace(string(data)), "\n") {
				if line != "" {
					extraPath = append([]string{line}, extraPath...)
				}
			}
		}
		if data, err := os.ReadFile(files["GITHUB_STEP_SUMMARY"]); err == nil {
			sr.summary = string(data)
			res.summary += string(data)
		}
		sr.outcome = "success"
		if stepErr != nil {
			sr.outcome = "failure"
			if sr.stderr == "" {
				sr.stderr = stepErr.Error()
			}
			if !step.ContinueOnError {
				failed = true
			}
		}
	}
	return res
}

// readKeyValues reads a GITHUB_OUTPUT or GITHUB_ENV file: NAME=VALUE
// lines, and NAME<<DELIMITER blocks.
func readKeyValues(t *testing.T, path string) map[string]string {
	t.Helper()
	out := map[string]string{}
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	sc := bufio.NewScanner(bytes.NewReader(data))
	for sc.Scan() {
		line := sc.Text()
		if line == "" {
			continue
		}
		if k, delim, ok := strings.Cut(line, "<<"); ok && !strings.Contains(k, "=") {
			var lines []string
			for sc.Scan() && sc.Text() != delim {
				lines = append(lines, sc.Text())
			}
			out[k] = strings.Join(lines, "\n")
			continue
		}
		k, v, ok := strings.Cut(line, "=")
		if !ok {
			t.Fatalf("%s: a line that is neither NAME=VALUE nor NAME<<DELIMITER: %q", filepath.Base(path), line)
		}
		out[k] = v
	}
	return out
}

// uses stands in for the actions the examples use.
func (r *replayer) uses(step replayStep, with, env map[string]string, ev ghEvent, res *jobResult, sr *stepResult) error {
	t := r.t
	action, _, _ := strings.Cut(step.Uses, "@")
	paths := func() []string {
		var ps []string
		for _, p := range strings.Split(with["path"], "\n") {
			if p = strings.TrimSpace(p); p != "" {
				if !filepath.IsAbs(p) {
					p = filepath.Join(res.workspace, p)
				}
				ps = append(ps, p)
			}
		}
		return ps
	}
	switch action {
	case "actions/checkout":
		return r.checkout(res.workspace, cmpOr(with["ref"], ev.ref), cmpOr(with["fetch-depth"], "1"), sr)
	case "actions/cache/restore":
		keys := []string{with["key"]}
		for _, k := range strings.Split(with["restore-keys"], "\n") {
			if k = strings.TrimSpace(k); k != "" {
				keys = append(keys, k)
			}
		}
		hit := ""
		for i, k := range keys {
			for j := len(r.caches) - 1; j >= 0 && hit == ""; j-- {
				if r.caches[j] == k || (i > 0 && strings.HasPrefix(r.caches[j], k)) {
					hit = r.caches[j]
				}
			}
		}
		if hit == "" {
			sr.stdout = "Cache not found for input keys: " + strings.Join(keys, ", ")
			return nil
		}
		for i, p := range paths() {
			if err := copyDirIfExists(filepath.Join(r.cacheAt[hit], fmt.Sprint(i)), p); err != nil {
				return err
			}
		}
		sr.stdout = "Cache restored from key: " + hit
		return nil
	case "actions/cache/save":
		key := with["key"]
		if _, ok := r.cacheAt[key]; ok {
			sr.stdout = "Failed to save: cache entry with key " + key + " already exists"
			return nil
		}
		dir := filepath.Join(r.root, "actions-cache", fmt.Sprint(len(r.caches)))
		for i, p := range paths() {
			if err := copyDirIfExists(p, filepath.Join(dir, fmt.Sprint(i))); err != nil {
				return err
			}
		}
		r.caches = append(r.caches, key)
		r.cacheAt[key] = dir
		sr.stdout = "Cache saved with key: " + key
		return nil
	case "actions/upload-artifact":
		p := paths()
		if len(p) != 1 {
			return fmt.Errorf("upload-artifact of %d paths", len(p))
		}
		if _, err := os.Stat(p[0]); err != nil {
			if with["if-no-files-found"] == "error" {
				return err
			}
			sr.stdout = "No files were found with the provided path: " + p[0] + ". No artifacts will be uploaded."
			return nil
		}
		sr.uploaded = p[0]
		sr.outputs["artifact-url"] = "https://github.com/" + r.table["github.repository"] + "/actions/runs/" + r.table["github.run_id"] + "/artifacts/" + fmt.Sprint(r.runs)
		sr.stdout = "Artifact " + with["name"] + " uploaded"
		return nil
	case "actions/github-script":
		// GitHub-only: JavaScript against GitHub's API. What its script
		// reads is checked instead: the plan's exit code, and the plan's
		// markdown (or its errors) in RUNNER_TEMP.
		script := with["script"]
		for _, name := range regexp.MustCompile(`process\.env\.([A-Z_]+)`).FindAllStringSubmatch(script, -1) {
			if _, ok := env[name[1]]; !ok && name[1] != "RUNNER_TEMP" {
				return fmt.Errorf("the script reads process.env.%s, which the step does not set", name[1])
			}
		}
		file := "plan.err"
		if code := env["PLAN_EXITCODE"]; code == "0" || code == "2" {
			file = "plan.md"
		}
		if !strings.Contains(script, "'"+file+"'") {
			return fmt.Errorf("the script does not read %s", file)
		}
		data, err := os.ReadFile(filepath.Join(res.temp, file))
		if err != nil {
			return fmt.Errorf("the comment's %s: %w", file, err)
		}
		sr.stdout = string(data)
		// The review's markdown, which the script appends when preview
		// wrote it (a published page), else the artifact's link.
		if review, err := os.ReadFile(filepath.Join(res.temp, "review.md")); err == nil && strings.Contains(script, "'review.md'") {
			sr.stdout += "\n\n" + string(review)
		} else if env["REVIEW_URL"] != "" {
			sr.stdout += "\n[Review the new images](" + env["REVIEW_URL"] + ")"
		}
		return nil
	}
	t.Fatalf("the replay does not know the action %s", step.Uses)
	return nil
}

func cmpOr(a, b string) string {
	if a != "" {
		return a
	}
	return b
}

// checkout makes the workspace as actions/checkout does: a repository
// with origin, the ref fetched (with depth N, or the whole history and
// every branch and tag for 0), and checked out: a branch as that branch,
// a pull request's merge ref detached.
func (r *replayer) checkout(ws, ref, depth string, sr *stepResult) error {
	var out bytes.Buffer
	git := func(args ...string) error {
		cmd := exec.Command("git", append([]string{"-C", ws}, args...)...)
		cmd.Env = r.base
		cmd.Stdout, cmd.Stderr = &out, &out
		return cmd.Run()
	}
	local := "refs/remotes/origin/" + strings.TrimPrefix(ref, "refs/heads/")
	if !strings.HasPrefix(ref, "refs/heads/") {
		local = "refs/remotes/" + strings.TrimPrefix(ref, "refs/")
	}
	fetch := []string{"fetch", "-q", "--no-tags", "origin", "+" + ref + ":" + local}
	if depth == "0" {
		fetch = append(fetch, "+refs/heads/*:refs/remotes/origin/*", "+refs/tags/*:refs/tags/*")
	} else {
		fetch = append(fetch, "--depth="+depth)
	}
	checkout := []string{"checkout", "-q", "--force", "--detach", local}
	if b, ok := strings.CutPrefix(ref, "refs/heads/"); ok {
		checkout = []string{"checkout", "-q", "--force", "-B", b, local}
	}
	for _, args := range [][]string{{"init", "-q"}, {"remote", "add", "origin", "file://" + r.origin}, fetch, checkout} {
		if err := git(args...); err != nil {
			sr.stderr = out.String()
			return fmt.Errorf("git %s: %w", strings.Join(args, " "), err)
		}
	}
	sr.stdout = out.String()
	return nil
}

// copyDirIfExists copies the file or folder src to dst; a src that does
// not exist copies nothing.
func copyDirIfExists(src, dst string) error {
	if _, err := os.Stat(src); err != nil {
		return nil
	}
	return filepath.WalkDir(src, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, err := filepath.Rel(src, p)
		if err != nil {
			return err
		}
		target := filepath.Join(dst, rel)
		if d.IsDir() {
			return os.MkdirAll(target, 0o755)
		}
		data, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		if err := os.MkdirAll(filepath.Dir(target), 0o755); err != nil {
			return err
		}
		return os.WriteFile(target, data, 0o644)
	})
}

// fakeRelease builds the pinned release as the install step downloads it:
// imgform_VERSION_linux_amd64.tar.gz holding bin (the freshly built
// imgform) and the release's checksums file, listing it among the other
// five archives; and a fake curl that serves those two files for the
// release's URL only. It returns the folder the files are in.
func (r *replayer) fakeRelease(pin, bin string) string {
	r.t.Helper()
	t := r.t
	dir := filepath.Join(r.root, "release")
	fakeBin := filepath.Join(r.root, "fakebin")
	for _, d := range []string{dir, fakeBin} {
		if err := os.MkdirAll(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	version := strings.TrimPrefix(pin, "v")
	archive := "imgform_" + version + "_linux_amd64.tar.gz"
	data, err := os.ReadFile(bin)
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	gz, _ := gzip.NewWriterLevel(&buf, gzip.BestSpeed)
	tw := tar.NewWriter(gz)
	for _, f := range []struct {
		name string
		data []byte
		mode int64
	}{{"README.md", []byte("imgform\n"), 0o644}, {"imgform", data, 0o755}} {
		if err := tw.WriteHeader(&tar.Header{Name: f.name, Mode: f.mode, Size: int64(len(f.data)), Typeflag: tar.TypeReg}); err != nil {
			t.Fatal(err)
		}
		if _, err := tw.Write(f.data); err != nil {
			t.Fatal(err)
		}
	}
	if err := tw.Close(); err != nil {
		t.Fatal(err)
	}
	if err := gz.Close(); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, archive), buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	var sums strings.Builder
	for _, target := range []string{"darwin_amd64.tar.gz", "darwin_arm64.tar.gz", "linux_amd64.tar.gz", "linux_arm64.tar.gz", "windows_amd64.zip", "windows_arm64.zip"} {
		name := "imgform_" + version + "_" + target
		sum := sha256.Sum256([]byte("another archive: " + name))
		if name == archive {
			sum = sha256.Sum256(buf.Bytes())
		}
		fmt.Fprintf(&sums, "%s  %s\n", hex.EncodeToString(sum[:]), name)
	}
	if err := os.WriteFile(filepath.Join(dir, "imgform_"+version+"_checksums.txt"), []byte(sums.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	// curl -fsSL [--retry N] -o FILE URL, for the release's URLs only:
	// anything else is no network (exit 6) or not there (exit 22).
	curl := `#!/bin/sh
out= url=
while [ $# -gt 0 ]; do
  case "$1" in
    -o) out=$2; shift 2 ;;
    --retry) shift 2 ;;
    -fsSL) shift ;;
    -*) echo "the test's curl does not know $1" >&2; exit 2 ;;
    *) url=$1; shift ;;
  esac
done
echo "$url" >> "` + dir + `/requests"
base="https://github.com/imgform/imgform/releases/download/` + pin + `"
case "$url" in
  "$base"/*) file="` + dir + `/${url#"$base"/}" ;;
  *) echo "curl: (6) Could not resolve host (the test has no network): $url" >&2; exit 6 ;;
esac
if [ ! -f "$file" ] || [ -z "$out" ]; then echo "curl: (22) The requested URL returned error: 404" >&2; exit 22; fi
cp "$file" "$out"
`
	if err := os.WriteFile(filepath.Join(fakeBin, "curl"), []byte(curl), 0o755); err != nil {
		t.Fatal(err)
	}
	return dir
}

// latestRelease is the newest release CHANGELOG.md names: "## [0.4.0]".
func latestRelease(t *testing.T) string {
	t.Helper()
	m := regexp.MustCompile(`(?m)^## \[([0-9]+\.[0-9]+\.[0-9]+)\] - [0-9]{4}-[0-9]{2}-[0-9]{2}$`).FindStringSubmatch(readRepoFile(t, "CHANGELOG.md"))
	if m == nil {
		t.Fatal("CHANGELOG.md names no release (## [X.Y.Z] - YYYY-MM-DD)")
	}
	return "v" + m[1]
}

// imgformBinary is the imgform the tests run (this test binary, installed
// by testscript as imgform).
func imgformBinary(t *testing.T) string {
	t.Helper()
	bin, err := lookPathIn("imgform", os.Getenv("PATH"))
	if err != nil {
		t.Fatal(err)
	}
	return bin
}

// exampleFiles are the files of an example as a user's repository holds
// them: its specs at the root, its workflow under .github/, and the
// .gitignore its README asks for.
func exampleFiles(t *testing.T, example string, gitignore string) map[string][]byte {
	t.Helper()
	files := map[string][]byte{".gitignore": []byte(gitignore)}
	dir := filepath.Join("..", "..", "examples", example)
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		rel, _ := filepath.Rel(dir, p)
		rel = filepath.ToSlash(rel)
		if rel == "README.md" || (!strings.HasSuffix(rel, ".img.hcl") && !strings.HasPrefix(rel, ".github/")) {
			return nil
		}
		data, err := os.ReadFile(p)
		files[rel] = data
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return files
}

// requestsOf reads what the fake curl was asked for.
func requestsOf(t *testing.T, dir string) []string {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(dir, "requests"))
	if err != nil && !os.IsNotExist(err) {
		t.Fatal(err)
	}
	return strings.Fields(string(data))
}
