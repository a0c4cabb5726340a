package atomicfile

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"slices"
	"strings"
)

// AddGitignoreEntries adds to the .gitignore at path the entries it does
// not have (written as they are, or with a leading or trailing slash),
// under the comment, and returns those it added. It writes nothing when
// none is missing.
func AddGitignoreEntries(path, comment string, entries []string) ([]string, error) {
	data, err := os.ReadFile(path)
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("reading %s: %w", path, err)
	}
	have := map[string]bool{}
	for _, line := range strings.Split(string(data), "\n") {
		have[strings.Trim(strings.TrimSpace(line), "/")] = true
	}
	var missing []string
	for _, entry := range entries {
		if !have[strings.Trim(entry, "/")] {
			missing = append(missing, entry)
		}
	}
	if len(missing) == 0 {
		return nil, nil
	}
	out := slices.Clone(data)
	if len(out) > 0 && out[len(out)-1] != '\n' {
		out = append(out, '\n')
	}
	if len(out) > 0 {
		out = append(out, '\n')
	}
	out = append(out, "# "+comment+"\n"...)
	for _, m := range missing {
		out = append(out, m+"\n"...)
	}
	if err := WriteFile(path, out, 0o644); err != nil {
		return nil, fmt.Errorf("writing %s: %w", path, err)
	}
	return missing, nil
}
