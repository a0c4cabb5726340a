package model

import (
	"strings"
	"testing"
)

func TestHashText(t *testing.T) {
	h := SumBytes([]byte("imgform"))
	text, err := h.MarshalText()
	if err != nil {
		t.Fatal(err)
	}
	var back Hash
	if err := back.UnmarshalText(text); err != nil {
		t.Fatal(err)
	}
	if back != h || len(text) != 64 || h.Short() != string(text[:12]) || h.IsZero() || !(Hash{}).IsZero() {
		t.Errorf("hash text round trip: %s -> %s (short %s)", h, back, h.Short())
	}
	for _, bad := range []string{"", "abc", strings.Repeat("g", 64), strings.Repeat("a", 63)} {
		if _, err := ParseHash(bad); err == nil {
			t.Errorf("ParseHash(%q) accepted it", bad)
		}
	}
	sum, n, err := SumReader(strings.NewReader("imgform"))
	if err != nil || sum != h || n != 7 {
		t.Errorf("SumReader = %s, %d, %v; want %s, 7", sum, n, err, h)
	}
}
