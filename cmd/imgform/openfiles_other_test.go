//go:build !linux

package main

import "errors"

// opensFileUnder needs /proc, which only Linux has.
func opensFileUnder(pid int, dir string) (bool, error) {
	return false, errors.ErrUnsupported
}
