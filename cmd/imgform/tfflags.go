package main

import (
	"strings"

	"github.com/spf13/pflag"
)

// terraformFlags lets a flag be written with one dash, as Terraform's
// are (-input=false, -auto-approve, -chdir=DIR): an argument -NAME or
// -NAME=VALUE whose NAME, longer than one letter, is a long flag of fs
// is read as --NAME. Shorthand flags (-C, -v) are left as they are, and
// so is everything after "--". When interspersed is false (the flags
// before the command name), the first argument that is not a flag ends
// them.
func terraformFlags(args []string, fs *pflag.FlagSet, interspersed bool) []string {
	out := make([]string, len(args))
	copy(out, args)
	for i, a := range out {
		switch {
		case a == "--":
			return out
		case !strings.HasPrefix(a, "-"):
			if !interspersed {
				return out
			}
			continue
		case strings.HasPrefix(a, "--"):
			continue
		}
		name, _, _ := strings.Cut(a[1:], "=")
		if len(name) > 1 && fs.Lookup(name) != nil {
			out[i] = "-" + a
		}
	}
	return out
}
