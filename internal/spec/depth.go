package spec

import (
	"fmt"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclsyntax"
)

// maxNesting is how deeply brackets, braces, parentheses, blocks and
// templates may nest in a file or a value. No configuration needs
// anything near it; a file that nests deeper (100,000 opening brackets,
// say) would exhaust the parser's stack, so it is refused before parsing.
const maxNesting = 256

func nestingDiag(rng hcl.Range) *hcl.Diagnostic {
	return &hcl.Diagnostic{
		Severity: hcl.DiagError,
		Summary:  "Nesting too deep",
		Detail: fmt.Sprintf("Brackets, braces, parentheses, blocks and templates nest here deeper than %d levels. imgform refuses such input before reading it further; write the value with less nesting.",
			maxNesting),
		Subject: rng.Ptr(),
	}
}

// checkNesting reads the tokens of HCL source (a configuration file when
// expr is false, a lone expression when true) and reports the first place
// where they nest deeper than maxNesting.
func checkNesting(src []byte, filename string, expr bool) hcl.Diagnostics {
	var tokens hclsyntax.Tokens
	if expr {
		tokens, _ = hclsyntax.LexExpression(src, filename, hcl.InitialPos)
	} else {
		tokens, _ = hclsyntax.LexConfig(src, filename, hcl.InitialPos)
	}
	depth := 0
	for _, tok := range tokens {
		switch tok.Type {
		case hclsyntax.TokenOBrace, hclsyntax.TokenOBrack, hclsyntax.TokenOParen,
			hclsyntax.TokenTemplateInterp, hclsyntax.TokenTemplateControl,
			hclsyntax.TokenOQuote, hclsyntax.TokenOHeredoc:
			depth++
			if depth > maxNesting {
				return hcl.Diagnostics{nestingDiag(tok.Range)}
			}
		case hclsyntax.TokenCBrace, hclsyntax.TokenCBrack, hclsyntax.TokenCParen,
			hclsyntax.TokenTemplateSeqEnd, hclsyntax.TokenCQuote, hclsyntax.TokenCHeredoc:
			depth = max(depth-1, 0)
		}
	}
	return nil
}

// checkJSONNesting is checkNesting for JSON source: objects and arrays,
// outside strings.
func checkJSONNesting(src []byte, filename string) hcl.Diagnostics {
	depth, inString, escaped := 0, false, false
	pos := hcl.InitialPos
	for i, c := range src {
		switch {
		case inString:
			switch {
			case escaped:
				escaped = false
			case c == '\\':
				escaped = true
			case c == '"':
				inString = false
			}
		case c == '"':
			inString = true
		case c == '{' || c == '[':
			depth++
			if depth > maxNesting {
				end := pos
				end.Byte, end.Column = i+1, pos.Column+1
				return hcl.Diagnostics{nestingDiag(hcl.Range{Filename: filename, Start: pos, End: end})}
			}
		case c == '}' || c == ']':
			depth = max(depth-1, 0)
		}
		pos.Byte = i + 1
		if c == '\n' {
			pos.Line, pos.Column = pos.Line+1, 1
		} else if c < 0x80 || c >= 0xC0 {
			pos.Column++
		}
	}
	return nil
}
