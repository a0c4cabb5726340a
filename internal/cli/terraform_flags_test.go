package cli

import (
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/spf13/pflag"
)

// One-dash long flags, as Terraform writes them, are read as two-dash
// ones; shorthands, values, arguments and what follows "--" are not.
func TestTerraformFlags(t *testing.T) {
	fs := pflag.NewFlagSet("test", pflag.ContinueOnError)
	fs.Bool("input", true, "")
	fs.Bool("auto-approve", false, "")
	fs.StringP("chdir", "C", "", "")
	fs.Bool("v", false, "") // a one-letter long flag stays as it is written
	tests := map[string]struct {
		args         []string
		interspersed bool
		want         []string
	}{
		"one dash":           {args: []string{"-input=false", "-auto-approve"}, interspersed: true, want: []string{"--input=false", "--auto-approve"}},
		"two dashes already": {args: []string{"--input=false"}, interspersed: true, want: []string{"--input=false"}},
		"a shorthand":        {args: []string{"-C", "dir"}, interspersed: true, want: []string{"-C", "dir"}},
		"not a flag":         {args: []string{"-target=image.a", "-v"}, interspersed: true, want: []string{"-target=image.a", "-v"}},
		"after --":           {args: []string{"--", "-input"}, interspersed: true, want: []string{"--", "-input"}},
		"before the command": {args: []string{"-chdir=dir", "init", "-input=false"}, want: []string{"--chdir=dir", "init", "-input=false"}},
	}
	for name, tt := range tests {
		t.Run(name, func(t *testing.T) {
			if diff := cmp.Diff(tt.want, TerraformFlags(tt.args, fs, tt.interspersed)); diff != "" {
				t.Errorf("(-want +got)\n%s", diff)
			}
		})
	}
}
