package main

import (
	"bytes"
	"errors"
	"fmt"
	"image"
	_ "image/jpeg" // the variants a script decodes
	_ "image/png"
	"os"
	"os/exec"
	"path/filepath"
	"strings"

	"github.com/rogpeppe/go-internal/testscript"
)

// decodes FILE... decodes each file with a reference decoder: a WebP
// with dwebp (Debian's webp), a PNG or JPEG with Go's decoders. A script
// guards it with the dwebp condition: [dwebp] decodes out.webp.
func cmdDecodes(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) == 0 {
		ts.Fatalf("usage: decodes FILE...")
	}
	for _, f := range args {
		path := ts.MkAbs(f)
		switch strings.ToLower(filepath.Ext(f)) {
		case ".webp":
			dwebp, err := exec.LookPath("dwebp")
			if err != nil {
				ts.Fatalf("dwebp is not installed: apt-get install -y webp (guard the line with [dwebp])")
			}
			out, err := exec.Command(dwebp, path, "-o", filepath.Join(ts.MkAbs("."), "decoded.png")).CombinedOutput()
			if err != nil {
				ts.Fatalf("dwebp %s: %v\n%s", f, err, out)
			}
		default:
			data, err := os.ReadFile(path)
			ts.Check(err)
			if _, _, err := image.Decode(bytes.NewReader(data)); err != nil {
				ts.Fatalf("decoding %s: %v", f, err)
			}
		}
	}
}

// scriptCondition answers a script's own conditions: [dwebp] holds when
// dwebp is installed. Without it, a guarded line is left out locally, and
// the script fails under CI=true: CI must run everything.
func scriptCondition(cond string) (bool, error) {
	switch cond {
	case "dwebp":
		if _, err := exec.LookPath("dwebp"); err != nil {
			if os.Getenv("CI") == "true" {
				return false, errors.New("dwebp is not installed (CI must run everything): apt-get install -y webp")
			}
			return false, nil
		}
		return true, nil
	}
	return false, fmt.Errorf("unknown condition %q", cond)
}
