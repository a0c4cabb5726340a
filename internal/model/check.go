package model

import (
	"fmt"
	"math"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/agext/levenshtein"
)

// ParamError says why one parameter value is not acceptable. Its Detail is
// a full sentence meant for a user; the spec language, the client and the
// emulator all show the same text.
type ParamError struct {
	Param  string
	Reason Reason
	Detail string
}

func (e *ParamError) Error() string { return e.Param + ": " + e.Detail }

// Reason classifies a ParamError, so that a caller can title it.
type Reason string

const (
	ReasonUnknown    Reason = "unknown_parameter"
	ReasonType       Reason = "wrong_type"
	ReasonEmpty      Reason = "empty"
	ReasonNotWhole   Reason = "not_whole"
	ReasonOutOfRange Reason = "out_of_range"
	ReasonNotAllowed Reason = "not_allowed"
	ReasonControl    Reason = "control_character"
	ReasonRequired   Reason = "required"
)

// Check validates a value of the named parameter.
func (s *Schema) Check(name string, v Value) *ParamError {
	p, ok := s.Param(name)
	if !ok {
		return &ParamError{Param: name, Reason: ReasonUnknown, Detail: fmt.Sprintf("%q is not a parameter of %s.", name, s.ID)}
	}
	switch {
	case v.Kind() == KindInteger && p.Kind == KindNumber:
		return p.checkNumber(float64(v.Integer()), formatNumber(float64(v.Integer())))
	case v.Kind() == KindNumber && p.Kind == KindInteger:
		return s.CheckNumber(name, v.Num())
	case v.Kind() != p.Kind:
		return &ParamError{Param: name, Reason: ReasonType, Detail: fmt.Sprintf("%s must be %s.", name, p.Kind.withArticle())}
	}
	switch p.Kind {
	case KindString:
		return p.checkString(v.Str())
	case KindInteger:
		return p.checkInteger(v.Integer())
	case KindNumber:
		return p.checkNumber(v.Num(), formatNumber(v.Num()))
	}
	return nil
}

// CheckNumber validates the named parameter given as a number, as a
// language without integers has it: an integer parameter accepts only
// whole numbers.
func (s *Schema) CheckNumber(name string, f float64) *ParamError {
	p, ok := s.Param(name)
	if !ok {
		return &ParamError{Param: name, Reason: ReasonUnknown, Detail: fmt.Sprintf("%q is not a parameter of %s.", name, s.ID)}
	}
	switch p.Kind {
	case KindInteger:
		if f != math.Trunc(f) || math.IsInf(f, 0) || math.IsNaN(f) {
			return &ParamError{Param: name, Reason: ReasonNotWhole, Detail: fmt.Sprintf("%s must be a whole number (got %s).", name, formatNumber(f))}
		}
		if math.Abs(f) > 1<<53 {
			return p.checkRange(f, formatNumber(f))
		}
		return p.checkInteger(int64(f))
	case KindNumber:
		return p.checkNumber(f, formatNumber(f))
	}
	return &ParamError{Param: name, Reason: ReasonType, Detail: fmt.Sprintf("%s must be %s.", name, p.Kind.withArticle())}
}

func (p *Param) checkInteger(v int64) *ParamError {
	if len(p.AllowedInts) > 0 {
		for _, a := range p.AllowedInts {
			if a == v {
				return nil
			}
		}
		return &ParamError{Param: p.Name, Reason: ReasonNotAllowed, Detail: fmt.Sprintf("%s must be %s for this model (got %d).", p.Name, formatAllowedInts(p.AllowedInts), v)}
	}
	return p.checkRange(float64(v), strconv.FormatInt(v, 10))
}

func (p *Param) checkNumber(v float64, shown string) *ParamError {
	if math.IsInf(v, 0) || math.IsNaN(v) {
		return &ParamError{Param: p.Name, Reason: ReasonType, Detail: fmt.Sprintf("%s must be a finite number.", p.Name)}
	}
	return p.checkRange(v, shown)
}

func (p *Param) checkRange(v float64, shown string) *ParamError {
	if !p.Ranged || (v >= p.Min && v <= p.Max) {
		return nil
	}
	return &ParamError{Param: p.Name, Reason: ReasonOutOfRange, Detail: fmt.Sprintf("%s must be between %s and %s (got %s).",
		p.Name, formatNumber(p.Min), formatNumber(p.Max), shown)}
}

func (p *Param) checkString(v string) *ParamError {
	if p.Required && strings.TrimSpace(v) == "" {
		return &ParamError{Param: p.Name, Reason: ReasonEmpty, Detail: fmt.Sprintf("%s must not be empty.", p.Name)}
	}
	if len(p.Allowed) > 0 {
		return p.checkAllowed(v)
	}
	if i := strings.IndexFunc(v, isForbiddenControl); i >= 0 {
		r, _ := utf8.DecodeRuneInString(v[i:])
		return &ParamError{Param: p.Name, Reason: ReasonControl, Detail: fmt.Sprintf(
			"%s contains the control character %U at byte %d. The text is recorded in every image's metadata (the PNG text chunk), which cannot hold it; remove it (tabs and line breaks are fine).", p.Name, r, i)}
	}
	if !utf8.ValidString(v) {
		return &ParamError{Param: p.Name, Reason: ReasonControl, Detail: fmt.Sprintf("%s is not valid UTF-8 text.", p.Name)}
	}
	return nil
}

// checkAllowed accepts one of the allowed values, exactly (matching is
// case-sensitive), suggesting the closest when it is not.
func (p *Param) checkAllowed(v string) *ParamError {
	for _, a := range p.Allowed {
		if a == v {
			return nil
		}
	}
	if best := p.Closest(v); best != "" {
		return &ParamError{Param: p.Name, Reason: ReasonNotAllowed, Detail: fmt.Sprintf("%q is not a %s this model accepts. Did you mean %q?", v, p.Name, best)}
	}
	return &ParamError{Param: p.Name, Reason: ReasonNotAllowed, Detail: fmt.Sprintf("%q is not a %s this model accepts. Accepted: %s.", v, p.Name, formatAllowed(p.Allowed))}
}

// Closest returns the allowed value nearest to v, or "" when none is near
// enough to be a likely typo.
func (p *Param) Closest(v string) string {
	want := strings.ToLower(strings.TrimSpace(v))
	best, bestDist := "", 1<<30
	for _, a := range p.Allowed {
		if strings.ToLower(a) == want {
			return a // differs only in case or surrounding space
		}
		d := levenshtein.Distance(want, strings.ToLower(a), nil)
		if d < bestDist {
			best, bestDist = a, d
		}
	}
	if bestDist <= 3 || bestDist*3 <= len(want) {
		return best
	}
	return ""
}

// isForbiddenControl reports a control character text parameters may not
// hold: NUL and the rest of C0 but tab, line feed and carriage return,
// DEL, and C1.
func isForbiddenControl(r rune) bool {
	switch {
	case r == '\t', r == '\n', r == '\r':
		return false
	case r < 0x20, r == 0x7f, r >= 0x80 && r <= 0x9f:
		return true
	}
	return false
}

func formatNumber(v float64) string { return strconv.FormatFloat(v, 'f', -1, 64) }

func formatAllowedInts(vs []int64) string {
	parts := make([]string, len(vs))
	for i, v := range vs {
		parts[i] = strconv.FormatInt(v, 10)
	}
	if len(parts) == 1 {
		return parts[0]
	}
	return "one of " + strings.Join(parts, ", ")
}
