package derive

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"testing"
)

// referenceTool returns the path of a reference program the quality
// tests compare with (vipsthumbnail, vips, cwebp, dwebp). When it is
// missing the test is skipped, saying which Debian package has it,
// except under CI (CI non-empty), where it fails: CI must run every
// check, as internal/testsvc does for servers.
func referenceTool(t testing.TB, name, debianPackage string) string {
	t.Helper()
	p, err := exec.LookPath(name)
	if err == nil {
		return p
	}
	how := fmt.Sprintf("install Debian's %s (apt-get install -y %s)", debianPackage, debianPackage)
	if os.Getenv("CI") != "" {
		t.Fatalf("%s is not available under CI: %v (%s)", name, err, how)
	}
	t.Skipf("%s is not available (%v); %s", name, err, how)
	return ""
}

// run runs a reference program and fails the test with its output if it
// fails.
func run(t testing.TB, name string, args ...string) {
	t.Helper()
	cmd := exec.Command(name, args...)
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Run(); err != nil {
		t.Fatalf("%s %v: %v\n%s", name, args, err, out.String())
	}
}
