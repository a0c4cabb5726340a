package emulator

import (
	"math/rand/v2"
	"net/http"
	"slices"
	"strings"
	"sync"
	"unicode"
)

// faultInjector answers a fraction of requests with a random 500, 502 or
// 504. Its RNG is seeded, so the same sequence of requests meets the same
// faults on every run.
type faultInjector struct {
	rate float64

	mu  sync.Mutex
	rng *rand.Rand
}

func newFaultInjector(rate float64, seed int64) *faultInjector {
	rate = min(max(rate, 0), 1)
	return &faultInjector{rate: rate, rng: rand.New(rand.NewPCG(uint64(seed), 0x696d67666f726d))} // "imgform"
}

// draw reports whether this request meets a fault, and which status code
// it gets. Every call with a positive rate draws exactly two numbers, so
// the sequence of outcomes depends only on the seed and the call order.
func (f *faultInjector) draw() (int, bool) {
	if f.rate <= 0 {
		return 0, false
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	hit := f.rng.Float64() < f.rate
	codes := [...]int{http.StatusInternalServerError, http.StatusBadGateway, http.StatusGatewayTimeout}
	return codes[f.rng.IntN(len(codes))], hit
}

func injectedFaultMessage(code int) string {
	return http.StatusText(code) + " (fault injected by the imgform emulator's fail rate)"
}

// blocklist holds the words and phrases that make a prompt fail as a
// content-policy violation. A prompt matches when it contains an entry as
// whole words, ignoring case and punctuation: "gore" matches "(gore:1.3)"
// but not "gorey".
type blocklist [][]string

func newBlocklist(entries []string) blocklist {
	var b blocklist
	for _, e := range entries {
		if words := wordsOf(e); len(words) > 0 {
			b = append(b, words)
		}
	}
	return b
}

// match returns the entry the prompt contains, or "".
func (b blocklist) match(prompt string) string {
	if len(b) == 0 {
		return ""
	}
	words := wordsOf(prompt)
	for _, entry := range b {
		for i := 0; i+len(entry) <= len(words); i++ {
			if slices.Equal(words[i:i+len(entry)], entry) {
				return strings.Join(entry, " ")
			}
		}
	}
	return ""
}

func wordsOf(s string) []string {
	return strings.FieldsFunc(strings.ToLower(s), func(r rune) bool {
		return !unicode.IsLetter(r) && !unicode.IsDigit(r)
	})
}

// contentPolicyMessage is the error of a blocked prompt, on the v1 400 and
// in a FAILED job's body.
func contentPolicyMessage(word string) string {
	return "content_policy_violation: the prompt contains the blocked word " + `"` + word + `"`
}
