package main

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
)

// opensFileUnder reports whether process pid has a file under dir open,
// from the links in /proc/PID/fd: a sign that it has started reading the
// files there.
func opensFileUnder(pid int, dir string) (bool, error) {
	fds := fmt.Sprintf("/proc/%d/fd", pid)
	entries, err := os.ReadDir(fds)
	if err != nil {
		return false, err
	}
	prefix := filepath.Clean(dir) + string(filepath.Separator)
	for _, e := range entries {
		target, err := os.Readlink(filepath.Join(fds, e.Name()))
		if err == nil && strings.HasPrefix(target, prefix) {
			return true, nil
		}
	}
	return false, nil
}
