package view

import (
	"encoding/json"
	"strings"

	"github.com/imgform/imgform/internal/plan"
)

// Segment is a run of words of a value diff: unchanged (Op '='), only in
// the old value ('-'), or only in the new one ('+').
type Segment struct {
	Op   byte
	Text string
}

// wordDiff compares two texts word by word (words are separated by
// spaces, which stay with the word before them) and returns the segments
// of the new text with the removed words in place, as a reviewer reads a
// changed prompt. Texts too long to compare word by word (over a thousand
// words each) are compared by their common start and end.
func wordDiff(old, new string) []Segment {
	a, b := splitWords(old), splitWords(new)
	if len(a)*len(b) > 1_000_000 {
		return edgeDiff(a, b)
	}
	// lcs[i][j] is the longest common subsequence of a[i:] and b[j:].
	lcs := make([][]int32, len(a)+1)
	for i := range lcs {
		lcs[i] = make([]int32, len(b)+1)
	}
	for i := len(a) - 1; i >= 0; i-- {
		for j := len(b) - 1; j >= 0; j-- {
			if a[i] == b[j] {
				lcs[i][j] = lcs[i+1][j+1] + 1
			} else {
				lcs[i][j] = max(lcs[i+1][j], lcs[i][j+1])
			}
		}
	}
	var out []Segment
	add := func(op byte, w string) {
		if n := len(out); n > 0 && out[n-1].Op == op {
			out[n-1].Text += w
			return
		}
		out = append(out, Segment{Op: op, Text: w})
	}
	i, j := 0, 0
	for i < len(a) || j < len(b) {
		switch {
		case i < len(a) && j < len(b) && a[i] == b[j]:
			add('=', a[i])
			i, j = i+1, j+1
		case i < len(a) && (j == len(b) || lcs[i+1][j] >= lcs[i][j+1]):
			add('-', a[i])
			i++
		default:
			add('+', b[j])
			j++
		}
	}
	return out
}

// edgeDiff is the diff of two long word lists by their common start and end.
func edgeDiff(a, b []string) []Segment {
	pre := 0
	for pre < len(a) && pre < len(b) && a[pre] == b[pre] {
		pre++
	}
	suf := 0
	for suf < len(a)-pre && suf < len(b)-pre && a[len(a)-1-suf] == b[len(b)-1-suf] {
		suf++
	}
	var out []Segment
	for _, s := range []Segment{
		{'=', strings.Join(a[:pre], "")},
		{'-', strings.Join(a[pre:len(a)-suf], "")},
		{'+', strings.Join(b[pre:len(b)-suf], "")},
		{'=', strings.Join(a[len(a)-suf:], "")},
	} {
		if s.Text != "" {
			out = append(out, s)
		}
	}
	return out
}

// splitWords cuts s into words and the runs of spaces between them, so
// that joining them gives s back.
func splitWords(s string) []string {
	var out []string
	start := 0
	for i := 1; i <= len(s); i++ {
		if i == len(s) || (s[i] == ' ') != (s[i-1] == ' ') {
			out = append(out, s[start:i])
			start = i
		}
	}
	return out
}

// longText is how many characters a value may have before a changed one
// is shown as a word diff rather than old -> new.
const longText = 60

// textOf returns the text of a canonical JSON string value, and whether
// it is one.
func textOf(value string) (string, bool) {
	if !strings.HasPrefix(value, `"`) {
		return "", false
	}
	var s string
	if json.Unmarshal([]byte(value), &s) != nil {
		return "", false
	}
	return s, true
}

// WordDiffOf returns the word diff of a changed parameter when both values
// are texts and one is long; nil otherwise.
func WordDiffOf(d plan.ParamDiff) []Segment {
	old, ok1 := textOf(d.Old)
	new, ok2 := textOf(d.New)
	if !ok1 || !ok2 || (len([]rune(old)) <= longText && len([]rune(new)) <= longText) {
		return nil
	}
	return wordDiff(old, new)
}

// elide shortens the unchanged segments of a diff to a few words around
// each change, so that a one-word change in a long prompt is what shows.
func elide(segs []Segment, context int) []Segment {
	out := make([]Segment, 0, len(segs))
	for k, s := range segs {
		if s.Op != '=' {
			out = append(out, s)
			continue
		}
		words := splitWords(s.Text)
		keepHead := context // words kept after the previous change
		keepTail := context // words kept before the next change
		if k == 0 {
			keepHead = 0
		}
		if k == len(segs)-1 {
			keepTail = 0
		}
		if len(words) <= keepHead+keepTail {
			out = append(out, s)
			continue
		}
		text := strings.Join(words[:keepHead], "") + "… " + strings.Join(words[len(words)-keepTail:], "")
		if keepHead == 0 {
			text = "…" + strings.Join(words[len(words)-keepTail:], "")
		}
		if keepTail == 0 {
			text = strings.Join(words[:keepHead], "") + "…"
		}
		out = append(out, Segment{Op: '=', Text: text})
	}
	return out
}
