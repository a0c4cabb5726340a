package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/imgform/imgform/internal/testsvc"
	"github.com/imgform/imgform/internal/waitfor"
	"github.com/jackc/pgx/v5"
	"github.com/rogpeppe/go-internal/testscript"
)

// TestMain lets the test binary act as the imgform binary: testscript
// installs it in $PATH as "imgform", and the scripts run it as a real
// process, against a real "imgform emulate" over loopback.
func TestMain(m *testing.M) {
	testscript.Main(stopServices{m}, map[string]func(){
		"imgform": func() { os.Exit(Main()) },
	})
}

// stopServices stops the services the tests started (testsvc) once they
// have run.
type stopServices struct{ m *testing.M }

func (s stopServices) Run() int {
	defer testsvc.Stop()
	return s.m.Run()
}

// TestScripts runs the scripts in testdata/script: the CLI end to end.
func TestScripts(t *testing.T) {
	testscript.Run(t, scriptParams("testdata/script"))
}

func scriptParams(dir string) testscript.Params {
	return testscript.Params{
		Dir:                 dir,
		RequireExplicitExec: true,
		UpdateScripts:       *update,
		Condition:           scriptCondition,
		Setup: func(env *testscript.Env) error {
			env.Setenv("SEGMIND_API_KEY", "test-key")
			env.Setenv("NO_COLOR", "1")
			// The examples' sources, for scripts that copy one.
			root, err := filepath.Abs(filepath.Join("..", ".."))
			if err != nil {
				return err
			}
			env.Setenv("REPO", root)
			return nil
		},
		Cmds: map[string]func(ts *testscript.TestScript, neg bool, args []string){
			"emulator":  cmdEmulator,
			"stats":     cmdStats,
			"await":     cmdAwait,
			"cpdir":     cmdCopyDir,
			"filecmp":   cmdFileCmp,
			"code":      cmdExitCode,
			"journaled": cmdJournaled,
			"waitfile":  cmdWaitFile,
			"kept":      cmdKept,
			"subst":     cmdSubst,
			"hang":      cmdHang,
			"replace":   cmdReplace,
			"decodes":   cmdDecodes,
		},
	}
}

// emulator [FLAGS...] starts "imgform emulate" on a free loopback port with
// the given flags, and points SEGMIND_BASE_URL at it. It is stopped when
// the script ends.
func cmdEmulator(ts *testscript.TestScript, neg bool, args []string) {
	if neg {
		ts.Fatalf("unsupported: ! emulator")
	}
	url, stop, err := launchEmulator(ts.Getenv("PATH"), ts.MkAbs("."), args)
	if err != nil {
		ts.Fatalf("%v", err)
	}
	ts.Defer(stop)
	ts.Setenv("SEGMIND_BASE_URL", url)
	ts.Setenv("EMULATOR_ADDR", strings.TrimPrefix(url, "http://"))
}

// launchEmulator runs the imgform binary found in path as "imgform
// emulate" on a free port, logging to dir/emulator.log, and returns its
// base URL and a function that stops it.
func launchEmulator(path, dir string, args []string) (string, func(), error) {
	bin, err := lookPathIn("imgform", path)
	if err != nil {
		return "", nil, err
	}
	addrFile := filepath.Join(dir, "emulator.url")
	os.Remove(addrFile)
	logFile, err := os.Create(filepath.Join(dir, "emulator.log"))
	if err != nil {
		return "", nil, err
	}
	cmd := exec.Command(bin, append([]string{"emulate", "--addr", "127.0.0.1:0", "--addr-file", addrFile}, args...)...)
	cmd.Env = []string{"PATH=" + path}
	cmd.Stdout, cmd.Stderr = logFile, logFile
	if err := cmd.Start(); err != nil {
		logFile.Close()
		return "", nil, err
	}
	stop := func() {
		cmd.Process.Signal(os.Interrupt)
		done := make(chan struct{})
		go func() { cmd.Wait(); close(done) }()
		select {
		case <-done:
		case <-time.After(5 * time.Second):
			cmd.Process.Kill()
			<-done
		}
		logFile.Close()
	}
	var addr []byte
	if !waitfor.Until(10*time.Second, func() bool {
		data, err := os.ReadFile(addrFile)
		addr = data
		return err == nil && bytes.HasSuffix(data, []byte("\n"))
	}) {
		stop()
		log, _ := os.ReadFile(filepath.Join(dir, "emulator.log"))
		return "", nil, fmt.Errorf("the emulator did not start; its log:\n%s", log)
	}
	return strings.TrimSpace(string(addr)), stop, nil
}

func lookPathIn(name, path string) (string, error) {
	for _, dir := range filepath.SplitList(path) {
		p := filepath.Join(dir, name)
		if fi, err := os.Stat(p); err == nil && fi.Mode().IsRegular() && fi.Mode()&0o111 != 0 {
			return p, nil
		}
	}
	return "", fmt.Errorf("%s is not in $PATH", name)
}

func emulatorStats(ts *testscript.TestScript) map[string]json.RawMessage {
	base := ts.Getenv("SEGMIND_BASE_URL")
	if base == "" {
		ts.Fatalf("no emulator is running")
	}
	resp, err := http.Get(base + "/_emulator/stats")
	ts.Check(err)
	defer resp.Body.Close()
	var stats map[string]json.RawMessage
	ts.Check(json.NewDecoder(resp.Body).Decode(&stats))
	return stats
}

// statCounter reads a counter of the emulator's stats: a top-level name
// such as "generated", or a path into "requests" such as
// "requests|POST /v2/{model}|429" (absent counts as 0).
func statCounter(ts *testscript.TestScript, name string) int64 {
	path := strings.Split(name, "|")
	raw, ok := emulatorStats(ts)[path[0]]
	if !ok {
		ts.Fatalf("the emulator's stats have no %q", path[0])
	}
	for _, key := range path[1:] {
		var obj map[string]json.RawMessage
		ts.Check(json.Unmarshal(raw, &obj))
		if raw, ok = obj[key]; !ok {
			return 0
		}
	}
	n, err := strconv.ParseInt(string(raw), 10, 64)
	ts.Check(err)
	return n
}

// stats COUNTER [OP] N checks a counter of /_emulator/stats: OP is one of
// == (the default), <=, >=.
func cmdStats(ts *testscript.TestScript, neg bool, args []string) {
	name, op, want := parseComparison(ts, args)
	got := statCounter(ts, name)
	ok := compare(got, op, want)
	if ok == neg {
		ts.Fatalf("emulator stats: %s is %d, want %s %d (all: %s)", name, got, op, want, statsJSON(ts))
	}
}

func statsJSON(ts *testscript.TestScript) string {
	data, _ := json.Marshal(emulatorStats(ts))
	return string(data)
}

// await COUNTER [OP] N waits, up to 60 seconds, until the counter
// compares true. COUNTER is one of the emulator's (see stats),
// "journal": the jobs in the job journal (.imgform/jobs), or "pending":
// the journal's pending records, of requests sent or about to be whose
// job the client has not recorded yet. A script that is about to kill a
// client waits for the client's own record, not for the server's count
// of what it received: a job the server took is safe to kill only once
// the client journaled it (await jobs_submitted >= N, then await
// pending <= 0).
func cmdAwait(ts *testscript.TestScript, neg bool, args []string) {
	name, op, want := parseComparison(ts, args)
	if op == "==" {
		op = ">="
	}
	counter := func() int64 { return statCounter(ts, name) }
	switch name {
	case "journal":
		counter = func() int64 { return int64(journalCount(ts)) }
	case "pending":
		counter = func() int64 { return int64(pendingCount(ts)) }
	}
	if !waitfor.Until(60*time.Second, func() bool { return compare(counter(), op, want) }) {
		if name == "journal" {
			ts.Fatalf("waited 60s for the journal to hold %s %d jobs; it holds %d", op, want, journalCount(ts))
		}
		ts.Fatalf("waited 60s for %s %s %d; stats: %s", name, op, want, statsJSON(ts))
	}
}

// waitfile FILE REGEXP waits, up to 60 seconds, until FILE exists and
// holds a match of REGEXP: a line a background command logged (run it
// as sh -c 'exec imgform ... >FILE 2>&1' to have its output in a file
// while it runs).
func cmdWaitFile(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 2 {
		ts.Fatalf("usage: waitfile FILE REGEXP")
	}
	re, err := regexp.Compile(args[1])
	ts.Check(err)
	var data []byte
	if !waitfor.Until(60*time.Second, func() bool {
		var err error
		data, err = os.ReadFile(ts.MkAbs(args[0]))
		return err == nil && re.Match(data)
	}) {
		ts.Fatalf("waited 60s for %s to match %q; it holds:\n%s", args[0], args[1], data)
	}
}

func parseComparison(ts *testscript.TestScript, args []string) (string, string, int64) {
	op := "=="
	switch len(args) {
	case 2:
	case 3:
		op = args[1]
		args = []string{args[0], args[2]}
	default:
		ts.Fatalf("usage: COUNTER [==|<=|>=] N")
	}
	switch op {
	case "==", "<=", ">=":
	default:
		ts.Fatalf("%q is not a comparison: use ==, <= or >= (quote a counter name that holds a space)", op)
	}
	want, err := strconv.ParseInt(args[1], 10, 64)
	ts.Check(err)
	return args[0], op, want
}

func compare(got int64, op string, want int64) bool {
	switch op {
	case "<=":
		return got <= want
	case ">=":
		return got >= want
	}
	return got == want
}

// cpdir SRC DST copies an example's sources into the script's work
// directory: everything but what imgform makes (images, the state and its
// backup and lock, .imgform/, saved plans), so that a script starts from
// the example as git holds it even after someone applied it in place.
func cmdCopyDir(ts *testscript.TestScript, neg bool, args []string) {
	if len(args) != 2 {
		ts.Fatalf("usage: cpdir SRC DST")
	}
	src, dst := ts.MkAbs(args[0]), ts.MkAbs(args[1])
	ts.Check(filepath.WalkDir(src, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, err := filepath.Rel(src, path)
		if err != nil {
			return err
		}
		if generatedByImgform(d.Name()) {
			if d.IsDir() {
				return filepath.SkipDir
			}
			return nil
		}
		target := filepath.Join(dst, rel)
		if d.IsDir() {
			return os.MkdirAll(target, 0o755)
		}
		data, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		return os.WriteFile(target, data, 0o644)
	}))
}

func generatedByImgform(name string) bool {
	switch {
	case name == ".imgform", strings.HasPrefix(name, "imgform.state.json"), strings.HasSuffix(name, ".plan"):
		return true
	}
	switch strings.ToLower(filepath.Ext(name)) {
	case ".png", ".jpg", ".jpeg":
		return true
	}
	return false
}

// filecmp [!] A B checks that two files are byte-identical (for binary
// files, which cmp would print).
func cmdFileCmp(ts *testscript.TestScript, neg bool, args []string) {
	if len(args) != 2 {
		ts.Fatalf("usage: filecmp A B")
	}
	a, err := os.ReadFile(ts.MkAbs(args[0]))
	ts.Check(err)
	b, err := os.ReadFile(ts.MkAbs(args[1]))
	ts.Check(err)
	if bytes.Equal(a, b) == neg {
		ts.Fatalf("%s and %s: identical = %v, want %v", args[0], args[1], !neg, neg)
	}
}

// code N PROGRAM [ARGS...] runs a program like exec and checks its exit
// code (exec only knows success from failure). stdout and stderr apply to
// it afterwards.
func cmdExitCode(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) < 2 {
		ts.Fatalf("usage: code N PROGRAM [ARGS...]")
	}
	want, err := strconv.Atoi(args[0])
	ts.Check(err)
	err = ts.Exec(args[1], args[2:]...)
	got := 0
	if err != nil {
		var exitErr *exec.ExitError
		if !errors.As(err, &exitErr) {
			ts.Fatalf("%s: %v", args[1], err)
		}
		got = exitErr.ExitCode()
	}
	if got != want {
		ts.Fatalf("%s exited with %d, want %d", args[1], got, want)
	}
}

// journaled N checks that the job journal (.imgform/jobs) holds N
// submitted jobs (pending records, of requests whose answer has not come,
// are not jobs).
func cmdJournaled(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 1 {
		ts.Fatalf("usage: journaled N")
	}
	want, err := strconv.Atoi(args[0])
	ts.Check(err)
	if got := journalCount(ts); got != want {
		ts.Fatalf("the journal holds %d jobs, want %d", got, want)
	}
}

// journalCount is the number of submitted jobs in the job journal (a
// pending record, of a request whose answer has not come, is not a job):
// the files of .imgform/jobs, or in a team script (whose state is in
// PostgreSQL, in the schema $SCHEMA) the rows of its jobs table.
func journalCount(ts *testscript.TestScript) int {
	if schema, conn := ts.Getenv("SCHEMA"), ts.Getenv("PG_CONN_STR"); schema != "" && conn != "" {
		return pgJournalCount(ts, conn, schema)
	}
	files, err := filepath.Glob(ts.MkAbs(filepath.Join(".imgform", "jobs", "*.json")))
	ts.Check(err)
	n := 0
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			continue // removed meanwhile
		}
		var rec struct {
			Pending bool `json:"pending"`
		}
		if json.Unmarshal(data, &rec) == nil && !rec.Pending {
			n++
		}
	}
	return n
}

// pendingCount is the number of pending records in .imgform/jobs.
func pendingCount(ts *testscript.TestScript) int {
	files, err := filepath.Glob(ts.MkAbs(filepath.Join(".imgform", "jobs", "*.json")))
	ts.Check(err)
	n := 0
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			continue // removed meanwhile
		}
		var rec struct {
			Pending bool `json:"pending"`
		}
		if json.Unmarshal(data, &rec) == nil && rec.Pending {
			n++
		}
	}
	return n
}

// pgJournalCount counts the jobs journaled in a schema, in every
// workspace (0 before the schema exists), pending records left out.
func pgJournalCount(ts *testscript.TestScript, conn, schema string) int {
	ctx := context.Background()
	c, err := pgx.Connect(ctx, conn)
	ts.Check(err)
	defer c.Close(ctx)
	var exists bool
	ts.Check(c.QueryRow(ctx, `SELECT to_regclass($1) IS NOT NULL`, pgx.Identifier{schema, "jobs"}.Sanitize()).Scan(&exists))
	if !exists {
		return 0
	}
	var n int
	ts.Check(c.QueryRow(ctx, `SELECT count(*) FROM `+pgx.Identifier{schema, "jobs"}.Sanitize()+` WHERE NOT coalesce((record->>'pending')::boolean, false)`).Scan(&n))
	return n
}

// kept PATH WANT checks that the one run folder under .imgform/kept holds
// PATH with the content of the file WANT.
func cmdKept(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 2 {
		ts.Fatalf("usage: kept PATH WANT")
	}
	matches, err := filepath.Glob(ts.MkAbs(filepath.Join(".imgform", "kept", "*", filepath.FromSlash(args[0]))))
	ts.Check(err)
	if len(matches) != 1 {
		ts.Fatalf("%d kept copies of %s, want 1: %v", len(matches), args[0], matches)
	}
	got, err := os.ReadFile(matches[0])
	ts.Check(err)
	want, err := os.ReadFile(ts.MkAbs(args[1]))
	ts.Check(err)
	if !bytes.Equal(got, want) {
		ts.Fatalf("the kept %s holds %q, want %q", args[0], got, want)
	}
}

// subst FILE... replaces ${NAME} in each file, NAME in capitals, with the
// script's variable NAME: for what a file must spell out, such as the
// schema and bucket of a backend block, which cannot refer to variables.
// HCL's own ${...} (lower case) is left alone.
func cmdSubst(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) == 0 {
		ts.Fatalf("usage: subst FILE...")
	}
	for _, name := range args {
		data, err := os.ReadFile(ts.MkAbs(name))
		ts.Check(err)
		out := scriptVariable.ReplaceAllStringFunc(string(data), func(m string) string { return ts.Getenv(m[2 : len(m)-1]) })
		ts.Check(os.WriteFile(ts.MkAbs(name), []byte(out), 0o644))
	}
}

var scriptVariable = regexp.MustCompile(`\$\{[A-Z][A-Z0-9_]*\}`)

// hang NAME starts a server on a free loopback port that accepts
// connections and never answers, and sets $NAME to its host:port. It
// stops when the script ends.
func cmdHang(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 1 {
		ts.Fatalf("usage: hang NAME")
	}
	addr, stop, err := testsvc.Hanging()
	ts.Check(err)
	ts.Defer(stop)
	ts.Setenv(args[0], addr)
}

// replace FILE OLD NEW replaces every OLD in FILE with NEW, and fails when
// there is none: for an example's file that names a bucket or a schema of
// its own.
func cmdReplace(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 3 {
		ts.Fatalf("usage: replace FILE OLD NEW")
	}
	data, err := os.ReadFile(ts.MkAbs(args[0]))
	ts.Check(err)
	if !strings.Contains(string(data), args[1]) {
		ts.Fatalf("%s holds no %q", args[0], args[1])
	}
	ts.Check(os.WriteFile(ts.MkAbs(args[0]), []byte(strings.ReplaceAll(string(data), args[1], args[2])), 0o644))
}
