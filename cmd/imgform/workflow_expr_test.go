package main

import (
	"fmt"
	"regexp"
	"strings"
	"unicode"
)

// ghExpr evaluates the part of GitHub Actions' expression language the
// example workflows use: context names (github.ref, steps.plan.outputs.x,
// secrets.X, vars.X, env.X, runner.temp), string literals, ==, !=, !,
// &&, || (which, as GitHub's, give the deciding operand, not a bool),
// parentheses, and the status functions success(), failure(), always()
// and cancelled(). Anything else is an error, so that a workflow that
// grows past it fails the replay instead of being misread.
type ghExpr struct {
	// lookup gives a context name's value, or an error when the replay
	// has none for it.
	lookup func(name string) (string, error)
	// failed says whether an earlier step of the job failed.
	failed bool
}

type exprToken struct {
	kind string // "(", ")", "!", "&&", "||", "==", "!=", "str", "name", "call"
	text string
}

func tokenizeExpr(src string) ([]exprToken, error) {
	var toks []exprToken
	for i := 0; i < len(src); {
		c := src[i]
		switch {
		case c == ' ' || c == '\t' || c == '\n':
			i++
		case c == '(' || c == ')':
			toks = append(toks, exprToken{kind: string(c)})
			i++
		case strings.HasPrefix(src[i:], "&&"), strings.HasPrefix(src[i:], "||"), strings.HasPrefix(src[i:], "=="), strings.HasPrefix(src[i:], "!="):
			toks = append(toks, exprToken{kind: src[i : i+2]})
			i += 2
		case c == '!':
			toks = append(toks, exprToken{kind: "!"})
			i++
		case c == '\'':
			var b strings.Builder
			j := i + 1
			for {
				if j >= len(src) {
					return nil, fmt.Errorf("unterminated string in %q", src)
				}
				if src[j] == '\'' {
					if j+1 < len(src) && src[j+1] == '\'' {
						b.WriteByte('\'')
						j += 2
						continue
					}
					break
				}
				b.WriteByte(src[j])
				j++
			}
			toks = append(toks, exprToken{kind: "str", text: b.String()})
			i = j + 1
		case unicode.IsLetter(rune(c)) || c == '_':
			j := i
			for j < len(src) && (unicode.IsLetter(rune(src[j])) || unicode.IsDigit(rune(src[j])) || strings.ContainsRune("_.-", rune(src[j]))) {
				j++
			}
			name := src[i:j]
			if strings.HasPrefix(src[j:], "()") {
				toks = append(toks, exprToken{kind: "call", text: name})
				j += 2
			} else {
				toks = append(toks, exprToken{kind: "name", text: name})
			}
			i = j
		default:
			return nil, fmt.Errorf("the replay does not read %q in the expression %q", src[i:], src)
		}
	}
	return toks, nil
}

// eval evaluates src; the value is a string or a bool.
func (e *ghExpr) eval(src string) (any, error) {
	toks, err := tokenizeExpr(src)
	if err != nil {
		return nil, err
	}
	p := &exprParser{e: e, toks: toks}
	v, err := p.or()
	if err != nil {
		return nil, err
	}
	if p.pos != len(toks) {
		return nil, fmt.Errorf("unexpected %q in the expression %q", toks[p.pos].kind, src)
	}
	return v, nil
}

type exprParser struct {
	e    *ghExpr
	toks []exprToken
	pos  int
}

func (p *exprParser) peek(kind string) bool {
	return p.pos < len(p.toks) && p.toks[p.pos].kind == kind
}

func (p *exprParser) or() (any, error) {
	v, err := p.and()
	for err == nil && p.peek("||") {
		p.pos++
		var r any
		r, err = p.and()
		if !truthy(v) {
			v = r
		}
	}
	return v, err
}

func (p *exprParser) and() (any, error) {
	v, err := p.unary()
	for err == nil && p.peek("&&") {
		p.pos++
		var r any
		r, err = p.unary()
		if truthy(v) {
			v = r
		}
	}
	return v, err
}

func (p *exprParser) unary() (any, error) {
	if p.peek("!") {
		p.pos++
		v, err := p.unary()
		return !truthy(v), err
	}
	return p.comparison()
}

func (p *exprParser) comparison() (any, error) {
	l, err := p.primary()
	if err != nil {
		return nil, err
	}
	if p.peek("==") || p.peek("!=") {
		op := p.toks[p.pos].kind
		p.pos++
		r, err := p.primary()
		if err != nil {
			return nil, err
		}
		eq := strings.EqualFold(exprString(l), exprString(r))
		return eq == (op == "=="), nil
	}
	return l, nil
}

func (p *exprParser) primary() (any, error) {
	if p.pos >= len(p.toks) {
		return nil, fmt.Errorf("the expression ends too soon")
	}
	t := p.toks[p.pos]
	p.pos++
	switch t.kind {
	case "(":
		v, err := p.or()
		if err != nil {
			return nil, err
		}
		if !p.peek(")") {
			return nil, fmt.Errorf("a ( is not closed")
		}
		p.pos++
		return v, nil
	case "str":
		return t.text, nil
	case "name":
		switch t.text {
		case "true":
			return true, nil
		case "false":
			return false, nil
		}
		return p.e.lookup(t.text)
	case "call":
		switch t.text {
		case "success":
			return !p.e.failed, nil
		case "failure":
			return p.e.failed, nil
		case "always":
			return true, nil
		case "cancelled":
			return false, nil // the replay cancels nothing
		}
		return nil, fmt.Errorf("the replay has no function %s()", t.text)
	}
	return nil, fmt.Errorf("unexpected %q", t.kind)
}

func truthy(v any) bool {
	switch v := v.(type) {
	case bool:
		return v
	case string:
		return v != ""
	}
	return false
}

func exprString(v any) string {
	switch v := v.(type) {
	case bool:
		if v {
			return "true"
		}
		return "false"
	case string:
		return v
	}
	return ""
}

var exprPattern = regexp.MustCompile(`(?s)\$\{\{(.*?)\}\}`)

// interpolate replaces every ${{ ... }} of s by its value, as GitHub does
// in env values, with: inputs and run scripts.
func (e *ghExpr) interpolate(s string) (string, error) {
	var firstErr error
	out := exprPattern.ReplaceAllStringFunc(s, func(m string) string {
		v, err := e.eval(exprPattern.FindStringSubmatch(m)[1])
		if err != nil && firstErr == nil {
			firstErr = fmt.Errorf("%s: %w", strings.TrimSpace(m), err)
		}
		return exprString(v)
	})
	return out, firstErr
}

// condition evaluates a job's or a step's if: the ${{ }} around it is
// optional, and one that calls no status function means
// success() && (it), as GitHub has it.
func (e *ghExpr) condition(cond string) (bool, error) {
	cond = strings.TrimSpace(cond)
	if m := exprPattern.FindStringSubmatch(cond); m != nil && m[0] == cond {
		cond = strings.TrimSpace(m[1])
	}
	if cond == "" {
		cond = "success()"
	}
	if !regexp.MustCompile(`\b(success|failure|always|cancelled)\(\)`).MatchString(cond) {
		cond = "success() && (" + cond + ")"
	}
	v, err := e.eval(cond)
	return truthy(v), err
}
