package spec

import (
	"fmt"
	"math"
	"strconv"
	"strings"
)

// ParseRate reads a rate such as "50/min", "2/s" or "120/minute" into
// requests a minute. "" and "0" are no rate.
func ParseRate(s string) (float64, error) {
	s = strings.TrimSpace(s)
	if s == "" || s == "0" {
		return 0, nil
	}
	n, unit, ok := strings.Cut(s, "/")
	if !ok {
		return 0, fmt.Errorf("the rate %q is not N/min or N/s, as in 50/min", s)
	}
	v, err := strconv.ParseFloat(strings.TrimSpace(n), 64)
	if err != nil || v <= 0 || math.IsInf(v, 0) || math.IsNaN(v) {
		return 0, fmt.Errorf("the rate %q does not start with a positive number, as in 50/min", s)
	}
	switch strings.ToLower(strings.TrimSpace(unit)) {
	case "min", "m", "minute":
		return v, nil
	case "s", "sec", "second":
		return v * 60, nil
	case "h", "hour":
		return v / 60, nil
	}
	return 0, fmt.Errorf("the rate %q has the unit %q; use /min or /s", s, unit)
}

// FormatRate shows a rate for people: "120/min".
func FormatRate(perMinute float64) string {
	return strconv.FormatFloat(perMinute, 'f', -1, 64) + "/min"
}
