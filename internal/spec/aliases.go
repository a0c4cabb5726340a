package spec

import (
	"fmt"
	"strings"

	"github.com/hashicorp/hcl/v2"

	"github.com/imgform/imgform/internal/model"
)

// suggestAliases rewrites the "Unsupported argument" diagnostics of an
// image or defaults block whose argument is a name another tool uses for
// a model parameter (steps, cfg_scale, width, sampler: see
// model.Param.Aliases): the detail names the parameter, in place of the
// spelling suggestion HCL makes, which for such names is usually wrong or
// missing. Variant blocks do not come here: width and height are theirs.
func suggestAliases(diags hcl.Diagnostics, s *model.Schema) hcl.Diagnostics {
	for _, d := range diags {
		if d.Severity != hcl.DiagError || d.Summary != "Unsupported argument" {
			continue
		}
		name, ok := quotedName(d.Detail)
		if !ok {
			continue
		}
		p, ok := s.ParamByAlias(name)
		if !ok {
			continue
		}
		d.Detail = fmt.Sprintf("An argument named %q is not expected here. Did you mean %q? %s calls it %s%s.",
			name, p.Name, s.Title, p.Name, aliasSource(p))
	}
	return diags
}

// aliasSource says where the name comes from, when the parameter has a
// label in AUTOMATIC1111's "parameters" text.
func aliasSource(p *model.Param) string {
	if p.A1111 == "" {
		return ""
	}
	return fmt.Sprintf(" (AUTOMATIC1111's %q)", p.A1111)
}

// quotedName is the first double-quoted word of an HCL detail ("An
// argument named \"steps\" is not expected here.").
func quotedName(detail string) (string, bool) {
	i := strings.IndexByte(detail, '"')
	if i < 0 {
		return "", false
	}
	j := strings.IndexByte(detail[i+1:], '"')
	if j < 0 {
		return "", false
	}
	return detail[i+1 : i+1+j], true
}
