//go:build linux || darwin

package main

import (
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/creack/pty"

	"github.com/imgform/imgform/internal/testsvc"
	"github.com/imgform/imgform/internal/waitfor"
)

// On a terminal, imgform init offers to move a local state left beside a
// configuration whose state is in PostgreSQL, as terraform init offers to
// migrate: "no" leaves it (and says how to move it later), "yes" moves it.
func TestInitOffersToMoveTheState(t *testing.T) {
	conn := testsvc.PostgreSQL(t)
	dir := writeConfig(t, map[string]string{"main.img.hcl": oneImageConfig})
	if out, code := runImgform(t, dir, nil, "apply", "--offline", "--auto-approve"); code != 0 {
		t.Fatalf("apply: exit %d\n%s", code, out)
	}
	backend := "imgform {\n  backend \"pg\" { schema_name = \"init_" + randomSuffix() + "\" }\n}\n"
	if err := os.WriteFile(filepath.Join(dir, "backend.img.hcl"), []byte(backend), 0o644); err != nil {
		t.Fatal(err)
	}

	initAnswering := func(answer string) (string, int) {
		t.Helper()
		cmd := exec.Command("imgform", "-C", dir, "init")
		cmd.Env = append(os.Environ(), "NO_COLOR=1", "PG_CONN_STR="+conn)
		tty, err := pty.Start(cmd)
		if err != nil {
			t.Fatal(err)
		}
		defer tty.Close()
		var scr screen
		copied := make(chan struct{})
		go func() { io.Copy(&scr, tty); close(copied) }()
		if !waitfor.Until(60*time.Second, func() bool { return strings.Contains(scr.String(), "Enter a value:") }) {
			cmd.Process.Kill()
			t.Fatalf("init asked nothing in 60s:\n%s", scr.String())
		}
		if !strings.Contains(scr.String(), "imgform.state.json holds a local state. Move it into the configured backend") {
			t.Errorf("the question is not about the local state:\n%s", scr.String())
		}
		tty.Write([]byte(answer + "\n"))
		cmd.Wait()
		<-copied
		return scr.String(), cmd.ProcessState.ExitCode()
	}

	out, code := initAnswering("no")
	if code != 1 || !strings.Contains(out, "the local state was not moved") || !strings.Contains(out, "imgform state push imgform.state.json") {
		t.Errorf("init answered no: exit %d\n%s", code, out)
	}
	if _, err := os.Stat(filepath.Join(dir, "imgform.state.json")); err != nil {
		t.Errorf("the local state is gone after no: %v", err)
	}

	out, code = initAnswering("yes")
	if code != 0 || !strings.Contains(out, "Pushed imgform.state.json") || !strings.Contains(out, "imgform is ready") {
		t.Errorf("init answered yes: exit %d\n%s", code, out)
	}
	if _, err := os.Stat(filepath.Join(dir, "imgform.state.json.pushed")); err != nil {
		t.Errorf("the local state was not renamed: %v", err)
	}
	out, code = runImgform(t, dir, []string{"PG_CONN_STR=" + conn}, "state", "list")
	if code != 0 || !strings.Contains(out, "image.a") {
		t.Errorf("the backend does not hold the moved state: exit %d\n%s", code, out)
	}
}
