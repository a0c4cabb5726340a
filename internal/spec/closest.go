package spec

import (
	"fmt"
	"slices"
	"strings"

	"github.com/agext/levenshtein"
)

// closestAddresses returns up to n of candidates, the closest to given
// first (edit distance, then name), each once, leaving out those much
// further than the closest. An instance's block
// address (image.NAME for image.NAME[0]) is a candidate too: it is what
// a target or a mistyped name most often means.
func closestAddresses(given string, candidates []string, n int) []string {
	seen := map[string]bool{}
	var all []string
	add := func(a string) {
		if !seen[a] {
			seen[a] = true
			all = append(all, a)
		}
	}
	for _, c := range candidates {
		add(c)
		if i := strings.IndexByte(c, '['); i > 0 {
			add(c[:i])
		}
	}
	dist := make(map[string]int, len(all))
	for _, a := range all {
		dist[a] = levenshtein.Distance(given, a, nil)
	}
	slices.SortFunc(all, func(a, b string) int {
		if d := dist[a] - dist[b]; d != 0 {
			return d
		}
		return strings.Compare(a, b)
	})
	out := all[:min(n, len(all))]
	for i, a := range out {
		if dist[a] > dist[out[0]]+2 {
			return out[:i]
		}
	}
	return out
}

// DidYouMeanAddress is "; did you mean image.a?" (or "image.a, image.b
// or image.c?") for the closest of candidates to given, or "; there is no
// image" when there is none to name.
func DidYouMeanAddress(given string, candidates []string) string {
	best := closestAddresses(given, candidates, 3)
	switch len(best) {
	case 0:
		return "; there is no image"
	case 1:
		return fmt.Sprintf("; did you mean %s?", best[0])
	}
	return fmt.Sprintf("; did you mean %s or %s?", strings.Join(best[:len(best)-1], ", "), best[len(best)-1])
}
