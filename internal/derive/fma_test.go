package derive

import (
	"os"
	"os/exec"
	"regexp"
	"strings"
	"testing"
)

// fusedOp matches the fused multiply-add instructions of the GOARCHes
// where Go may fuse x*y + z: arm64 (FMADDD, FMSUBD, FNMADDD, FNMSUBD; integer MADD is exact and allowed),
// ppc64le (FMADD, FMSUB, FNMADD, FNMSUB), s390x (FMADD, FMSUB, WFMADB,
// WFMSDB), riscv64 (FMADDD, FMSUBD, FNMADDD, FNMSUBD; integer MADD is exact and allowed).
var fusedOp = regexp.MustCompile(`\b(FN?M(ADD|SUB)[DS]?|WFM[AS]DB)\b`)

// TestNoFusedMultiplyAdd compiles this package for each GOARCH that
// fuses and fails if the compiler emitted a fused multiply-add in it: the
// kernel weights must round the same everywhere (kernel.go). The probe
// checks that the pattern does find a fused instruction where one is.
func TestNoFusedMultiplyAdd(t *testing.T) {
	if testing.Short() {
		t.Skip("compiles the package four times; not with -short")
	}
	dir := t.TempDir()
	probe := dir + "/probe.go"
	if err := os.WriteFile(probe, []byte("package probe\n\nfunc F(a, b, c float64) float64 { return a*b + c }\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	asm := func(goarch string, args ...string) string {
		cmd := exec.Command("go", append([]string{"build", "-o", os.DevNull}, args...)...)
		cmd.Env = append(os.Environ(), "GOARCH="+goarch, "GOOS=linux", "CGO_ENABLED=0")
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Fatalf("GOARCH=%s go build %v: %v\n%s", goarch, args, err, out)
		}
		return string(out)
	}
	for _, goarch := range []string{"arm64", "ppc64le", "s390x", "riscv64"} {
		if !fusedOp.MatchString(asm(goarch, "-gcflags=-S", probe)) {
			t.Errorf("GOARCH=%s: the probe's a*b + c shows no fused instruction: the pattern is wrong", goarch)
		}
		for _, line := range strings.Split(asm(goarch, "-gcflags=github.com/imgform/imgform/internal/derive=-S", "."), "\n") {
			if strings.Contains(line, "internal/derive/") && fusedOp.MatchString(line) {
				t.Errorf("GOARCH=%s: a fused multiply-add in derive: %s", goarch, strings.TrimSpace(line))
			}
		}
	}
}
