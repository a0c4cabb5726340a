package spec

import (
	"fmt"
	"math"
	"sort"
	"strings"
	"time"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclparse"
	"github.com/zclconf/go-cty/cty"
)

// Settings is the imgform block: where a team keeps the state and the
// content cache. The zero value keeps both beside the configuration.
type Settings struct {
	// Backend is the backend block; nil keeps the state in the state file.
	Backend *Setting
	// Cache is the cache block; nil keeps the cache in .imgform/cache
	// only.
	Cache *Setting
	// Rate is the account's rate limit on billable requests, as written
	// ("50/min"); "" when not set.
	Rate string
	// MaxCost is the budget of a run in dollars; nil when not set (no
	// limit), 0 when nothing may be paid.
	MaxCost *float64
	// DeclRange is where the imgform block is, when there is one.
	DeclRange hcl.Range
}

// Setting is a backend or cache block: its type label and its arguments,
// which are literal strings (like Terraform's backend blocks, they cannot
// refer to variables: they decide where the state is before anything is
// evaluated).
type Setting struct {
	Type      string
	Args      map[string]string
	DeclRange hcl.Range
}

// knownSettings are the backend and cache types and their arguments,
// required or not.
var knownSettings = map[string]map[string]map[string]bool{
	"backend": {"pg": {"conn_str": false, "schema_name": false, "connect_timeout": false, "request_timeout": false}},
	"cache": {"s3": {"bucket": true, "prefix": false, "region": false, "endpoint": false, "connect_timeout": false, "request_timeout": false,
		"publish": false, "review_url": false, "review_expiry": false}},
}

// Timeout reads a *_timeout argument of a backend or cache block: 0 when
// it is not set. The value was checked when the block was read.
func (s *Setting) Timeout(name string) time.Duration {
	d, _ := time.ParseDuration(s.Args[name])
	return d
}

var settingsSchema = &hcl.BodySchema{
	Attributes: []hcl.AttributeSchema{{Name: "rate"}, {Name: "max_cost"}},
	Blocks: []hcl.BlockHeaderSchema{
		{Type: "backend", LabelNames: []string{"type"}},
		{Type: "cache", LabelNames: []string{"type"}},
	},
}

// addSettings decodes an imgform block. There is at most one in a
// configuration, with at most one backend and one cache.
func (m *module) addSettings(block *hcl.Block) hcl.Diagnostics {
	if m.settings != nil {
		return hcl.Diagnostics{{
			Severity: hcl.DiagError,
			Summary:  "Duplicate imgform block",
			Detail:   fmt.Sprintf("An imgform block was already declared at %s. A configuration has at most one; put the backend and the cache in it.", posString(m.settings.DeclRange)),
			Subject:  block.DefRange.Ptr(),
		}}
	}
	m.settings = &Settings{DeclRange: block.DefRange}
	content, diags := block.Body.Content(settingsSchema)
	diags = append(diags, m.settings.decodeLimits(content.Attributes)...)
	for _, b := range content.Blocks {
		s, moreDiags := decodeSetting(b)
		diags = append(diags, moreDiags...)
		if s == nil {
			continue
		}
		slot := &m.settings.Backend
		if b.Type == "cache" {
			slot = &m.settings.Cache
		}
		if *slot != nil {
			diags = append(diags, &hcl.Diagnostic{
				Severity: hcl.DiagError,
				Summary:  fmt.Sprintf("Duplicate %s block", b.Type),
				Detail:   fmt.Sprintf("A %s block was already declared at %s; an imgform block has at most one.", b.Type, posString((*slot).DeclRange)),
				Subject:  b.DefRange.Ptr(),
			})
			continue
		}
		*slot = s
	}
	return diags
}

// decodeLimits reads rate and max_cost: literal values, checked here so
// that a mistake is reported with its line.
func (s *Settings) decodeLimits(attrs hcl.Attributes) hcl.Diagnostics {
	var diags hcl.Diagnostics
	if attr, ok := attrs["rate"]; ok {
		val, moreDiags := attr.Expr.Value(nil)
		diags = append(diags, moreDiags...)
		switch {
		case moreDiags.HasErrors():
		case val.IsNull() || !val.Type().Equals(cty.String):
			diags = append(diags, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "Invalid rate",
				Detail: `rate is a string such as "50/min" or "2/s": the account's limit on billable requests.`, Subject: attr.Expr.Range().Ptr()})
		default:
			if _, err := ParseRate(val.AsString()); err != nil {
				diags = append(diags, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "Invalid rate", Detail: upperFirst(err.Error()) + ".", Subject: attr.Expr.Range().Ptr()})
			} else {
				s.Rate = val.AsString()
			}
		}
	}
	if attr, ok := attrs["max_cost"]; ok {
		val, moreDiags := attr.Expr.Value(nil)
		diags = append(diags, moreDiags...)
		if !moreDiags.HasErrors() {
			f, ok := dollars(val)
			if !ok {
				diags = append(diags, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "Invalid max_cost",
					Detail: "max_cost is a number of dollars, such as 5.00: the most one run may spend (0: nothing may be paid).", Subject: attr.Expr.Range().Ptr()})
			} else {
				s.MaxCost = &f
			}
		}
	}
	return diags
}

// dollars reads a finite number, 0 or more.
func dollars(v cty.Value) (float64, bool) {
	if v.IsNull() || !v.IsKnown() || !v.Type().Equals(cty.Number) {
		return 0, false
	}
	f, _ := v.AsBigFloat().Float64()
	return f, f >= 0 && !math.IsInf(f, 0)
}

func upperFirst(s string) string {
	if s == "" {
		return s
	}
	return strings.ToUpper(s[:1]) + s[1:]
}

func decodeSetting(b *hcl.Block) (*Setting, hcl.Diagnostics) {
	kinds := knownSettings[b.Type]
	args, known := kinds[b.Labels[0]]
	if !known {
		var names []string
		for n := range kinds {
			names = append(names, fmt.Sprintf("%q", n))
		}
		sort.Strings(names)
		return nil, hcl.Diagnostics{{
			Severity: hcl.DiagError,
			Summary:  fmt.Sprintf("Unknown %s type", b.Type),
			Detail:   fmt.Sprintf("imgform has no %s of type %q. Known: %s.%s", b.Type, b.Labels[0], strings.Join(names, ", "), didYouMean(b.Labels[0], keysOf(kinds))),
			Subject:  b.LabelRanges[0].Ptr(),
		}}
	}
	schema := &hcl.BodySchema{}
	for name, required := range args {
		schema.Attributes = append(schema.Attributes, hcl.AttributeSchema{Name: name, Required: required})
	}
	sort.Slice(schema.Attributes, func(i, j int) bool { return schema.Attributes[i].Name < schema.Attributes[j].Name })
	content, diags := b.Body.Content(schema)
	s := &Setting{Type: b.Labels[0], Args: map[string]string{}, DeclRange: b.DefRange}
	for name, attr := range content.Attributes {
		val, moreDiags := attr.Expr.Value(nil)
		diags = append(diags, moreDiags...)
		if moreDiags.HasErrors() {
			continue
		}
		if name == "publish" {
			if val.IsNull() || !val.Type().Equals(cty.Bool) {
				diags = append(diags, &hcl.Diagnostic{
					Severity: hcl.DiagError,
					Summary:  "Invalid " + b.Type + " argument",
					Detail:   "publish is true or false: whether imgform preview publishes its review page in the bucket (as --publish).",
					Subject:  attr.Expr.Range().Ptr(),
				})
				continue
			}
			s.Args[name] = fmt.Sprint(val.True())
			continue
		}
		if val.IsNull() || !val.Type().Equals(cty.String) {
			diags = append(diags, &hcl.Diagnostic{
				Severity: hcl.DiagError,
				Summary:  "Invalid " + b.Type + " argument",
				Detail:   fmt.Sprintf("%s must be a string, written out: a %s block is read before any variable.", name, b.Type),
				Subject:  attr.Expr.Range().Ptr(),
			})
			continue
		}
		if strings.HasSuffix(name, "_timeout") {
			if d, err := time.ParseDuration(val.AsString()); err != nil || d <= 0 {
				diags = append(diags, &hcl.Diagnostic{
					Severity: hcl.DiagError,
					Summary:  "Invalid " + b.Type + " argument",
					Detail:   fmt.Sprintf("%s is a positive duration such as \"10s\" or \"1m\".", name),
					Subject:  attr.Expr.Range().Ptr(),
				})
				continue
			}
		}
		if d := checkReviewArg(name, val.AsString()); d != "" {
			diags = append(diags, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "Invalid " + b.Type + " argument", Detail: d, Subject: attr.Expr.Range().Ptr()})
			continue
		}
		s.Args[name] = val.AsString()
	}
	if diags.HasErrors() {
		return nil, diags
	}
	return s, diags
}

// LoadSettings reads only the imgform block of the configuration in dir:
// what commands that do not evaluate images (state, cache, force-unlock)
// need to find the state and the cache. A directory without
// configuration files has the zero Settings.
func LoadSettings(dir string) (*Settings, map[string]*hcl.File, hcl.Diagnostics) {
	parser := hclparse.NewParser()
	files, err := ConfigFiles(dir)
	if err != nil {
		return nil, parser.Files(), hcl.Diagnostics{{Severity: hcl.DiagError, Summary: "Cannot read the configuration directory", Detail: err.Error() + "."}}
	}
	m := newModule(nil)
	var diags hcl.Diagnostics
	for _, name := range files {
		f, moreDiags := parseFile(parser, name)
		diags = append(diags, moreDiags...)
		if f == nil || moreDiags.HasErrors() {
			continue
		}
		content, _, moreDiags := f.Body.PartialContent(&hcl.BodySchema{Blocks: []hcl.BlockHeaderSchema{{Type: "imgform"}}})
		diags = append(diags, moreDiags...)
		for _, b := range content.Blocks {
			diags = append(diags, m.addSettings(b)...)
		}
	}
	settings := m.settings
	if settings == nil {
		settings = &Settings{}
	}
	return settings, parser.Files(), sortDiags(dedupe(diags))
}
