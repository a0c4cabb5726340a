package spec

import "testing"

func TestParseRate(t *testing.T) {
	good := map[string]float64{"50/min": 50, "2/s": 120, " 120 / minute ": 120, "0.5/s": 30, "30/h": 0.5, "": 0, "0": 0}
	for in, want := range good {
		if got, err := ParseRate(in); err != nil || got != want {
			t.Errorf("ParseRate(%q) = %v, %v; want %v", in, got, err, want)
		}
	}
	for _, bad := range []string{"50", "-5/min", "fast/min", "5/fortnight", "NaN/s", "0/min"} {
		if _, err := ParseRate(bad); err == nil {
			t.Errorf("ParseRate(%q) succeeded", bad)
		}
	}
}
