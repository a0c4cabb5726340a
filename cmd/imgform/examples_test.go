package main

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"go.yaml.in/yaml/v3"
)

// workflow is what the tests read of a GitHub Actions workflow.
type workflow struct {
	Name string            `yaml:"name"`
	On   map[string]any    `yaml:"on"`
	Env  map[string]string `yaml:"env"`
	Jobs map[string]struct {
		RunsOn string `yaml:"runs-on"`
		If     string `yaml:"if"`
		Steps  []struct {
			Uses string            `yaml:"uses"`
			Run  string            `yaml:"run"`
			With map[string]any    `yaml:"with"`
			Env  map[string]string `yaml:"env"`
		} `yaml:"steps"`
	} `yaml:"jobs"`
}

func readWorkflow(t *testing.T, example string) *workflow {
	t.Helper()
	data, err := os.ReadFile(filepath.Join("..", "..", "examples", example, ".github", "workflows", "imgform.yml"))
	if err != nil {
		t.Fatal(err)
	}
	var wf workflow
	dec := yaml.NewDecoder(strings.NewReader(string(data)))
	dec.KnownFields(false)
	if err := dec.Decode(&wf); err != nil {
		t.Fatalf("the workflow is not valid YAML: %v", err)
	}
	if _, ok := wf.On["pull_request"]; !ok {
		t.Error("the workflow does not run on pull requests")
	}
	if _, ok := wf.On["push"]; !ok {
		t.Error("the workflow does not run on pushes")
	}
	if len(wf.Jobs) == 0 {
		t.Fatal("the workflow has no jobs")
	}
	return &wf
}

// checkWorkflowCommands checks that every imgform command the workflow
// runs exists with the flags it uses, and returns them.
func checkWorkflowCommands(t *testing.T, wf *workflow) []string {
	t.Helper()
	var commandsRun []string
	for name, job := range wf.Jobs {
		if job.RunsOn == "" {
			t.Errorf("job %s has no runs-on", name)
		}
		for _, step := range job.Steps {
			if step.Uses == "" && step.Run == "" {
				t.Errorf("job %s has a step with neither uses nor run", name)
			}
			commandsRun = append(commandsRun, imgformCommands(step.Run)...)
		}
	}
	if len(commandsRun) < 3 {
		t.Fatalf("found only %d imgform commands in the workflow: %q", len(commandsRun), commandsRun)
	}
	for _, line := range commandsRun {
		if err := checkCommandLine(line); err != nil {
			t.Errorf("%q: %v", line, err)
		}
	}
	return commandsRun
}

// The CI example's workflow is valid YAML with the shape GitHub Actions
// wants, and every imgform command it runs exists with the flags it uses.
func TestCIWorkflow(t *testing.T) {
	wf := readWorkflow(t, "ci")
	checkWorkflowCommands(t, wf)
	usesCache, usesSecret := false, false
	for _, job := range wf.Jobs {
		for _, step := range job.Steps {
			if strings.HasPrefix(step.Uses, "actions/cache") {
				usesCache = true
			}
			if strings.Contains(step.Env["SEGMIND_API_KEY"], "secrets.SEGMIND_API_KEY") {
				usesSecret = true
			}
		}
	}
	if !usesCache || !usesSecret {
		t.Errorf("the workflow should restore the cache with actions/cache (%v) and take the key from a secret (%v)", usesCache, usesSecret)
	}
	// The check itself catches what it is there for.
	for _, bad := range []string{"plan --no-such-flag", "deploy", "apply --json a b", "state mv image.a"} {
		if checkCommandLine(bad) == nil {
			t.Errorf("checkCommandLine accepted %q", bad)
		}
	}
}

// The team's workflow takes the database, the bucket's keys and the API
// key from secrets, checks out the whole history, keeps no state file and
// no Actions cache, and previews on pull requests.
func TestCITeamWorkflow(t *testing.T) {
	wf := readWorkflow(t, "ci-team")
	commandsRun := checkWorkflowCommands(t, wf)
	for name, want := range map[string]string{
		"PG_CONN_STR": "secrets.PG_CONN_STR", "AWS_ACCESS_KEY_ID": "secrets.AWS_ACCESS_KEY_ID",
		"AWS_SECRET_ACCESS_KEY": "secrets.AWS_SECRET_ACCESS_KEY", "AWS_ENDPOINT_URL_S3": "vars.AWS_ENDPOINT_URL_S3",
	} {
		if !strings.Contains(wf.Env[name], want) {
			t.Errorf("env %s = %q, want it from %s", name, wf.Env[name], want)
		}
	}
	previews, keyed := false, 0
	for name, job := range wf.Jobs {
		for _, step := range job.Steps {
			if strings.HasPrefix(step.Uses, "actions/cache") {
				t.Errorf("job %s keeps an Actions cache: the team's cache is the bucket", name)
			}
			if strings.HasPrefix(step.Uses, "actions/checkout") && fmt.Sprint(step.With["fetch-depth"]) != "0" {
				t.Errorf("job %s checks out a shallow clone: a plan needs the history to leave newer images alone", name)
			}
			if strings.Contains(step.Run, "imgform.state.json") {
				t.Errorf("job %s touches a state file, which the pg backend does not have", name)
			}
			if strings.Contains(step.Env["SEGMIND_API_KEY"], "secrets.SEGMIND_API_KEY") {
				keyed++
			}
		}
	}
	for _, line := range commandsRun {
		if strings.HasPrefix(line, "preview") {
			previews = true
		}
	}
	if !previews || keyed < 2 {
		t.Errorf("the workflow should preview on pull requests (%v) and take the key from a secret in preview and apply (%d)", previews, keyed)
	}
}

// imgform, then its arguments on the same line: an imgform that ends a
// line (tar ... imgform) is a file name, not a command.
var imgformLine = regexp.MustCompile(`(?m)(?:^|[\s;|&(])imgform[ \t]+([^\n;|&>]*)`)

// imgformCommands finds the imgform invocations in a shell script.
func imgformCommands(script string) []string {
	var out []string
	for _, m := range imgformLine.FindAllStringSubmatch(script, -1) {
		out = append(out, strings.TrimSpace(m[1]))
	}
	return out
}

// checkCommandLine parses an imgform command line the way imgform does.
func checkCommandLine(line string) error {
	var g globals
	call, err := program().Resolve(strings.Fields(line), g.AddFlags, io.Discard, io.Discard)
	if err != nil {
		return err
	}
	return call.CheckArgs()
}
