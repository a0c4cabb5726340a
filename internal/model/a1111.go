package model

import (
	"fmt"
	"strconv"
	"strings"
)

// A1111 is the AUTOMATIC1111 "parameters" text of a request, as tools
// that read A1111 metadata show it: the prompt, the negative prompt, then
// the settings on one line ("Steps: 7, Sampler: DPM++ SDE, CFG scale: 1.4,
// Seed: 1, Size: 1024x1024, Model: …").
func (r Request) A1111() string {
	var b strings.Builder
	b.WriteString(r.Prompt())
	if neg := r.NegativePrompt(); neg != "" {
		b.WriteString("\nNegative prompt: ")
		b.WriteString(neg)
	}
	var settings []string
	for _, name := range r.schema.A1111Order {
		p, ok := r.schema.Param(name)
		if !ok || p.A1111 == "" {
			continue
		}
		settings = append(settings, p.A1111+": "+a1111Value(r.Get(name)))
	}
	if r.schema.ByRole(RoleWidth) != nil && r.schema.ByRole(RoleHeight) != nil {
		settings = append(settings, fmt.Sprintf("Size: %dx%d", r.Width(), r.Height()))
	}
	settings = append(settings, "Model: "+r.Model())
	b.WriteString("\n")
	b.WriteString(strings.Join(settings, ", "))
	return b.String()
}

// a1111Value formats a value as A1111 does: numbers with at most four
// decimals, trailing zeros dropped.
func a1111Value(v Value) string {
	switch v.Kind() {
	case KindString:
		return v.Str()
	case KindInteger:
		return strconv.FormatInt(v.Integer(), 10)
	case KindNumber:
		return strings.TrimRight(strings.TrimRight(fmt.Sprintf("%.4f", v.Num()), "0"), ".")
	case KindBool:
		return strconv.FormatBool(v.Truth())
	}
	return ""
}
