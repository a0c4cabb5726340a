package view

import (
	"bytes"
	"encoding/json"
	"flag"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	goldenfile "github.com/imgform/imgform/internal/golden"

	"github.com/google/go-cmp/cmp"

	"github.com/imgform/imgform/internal/plan"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata")

// loadPlan reads a golden plan that package plan's tests saved (see
// plan.TestGoldenPlanFiles).
func loadPlan(t *testing.T, name string) *plan.Plan {
	t.Helper()
	p, _, err := plan.Load(filepath.Join("..", "plan", "testdata", name+".plan"))
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func goldenPlan(t *testing.T) *plan.Plan { return loadPlan(t, "golden") }

// golden compares got with testdata/name, or rewrites it with -update.
func golden(t *testing.T, name string, got []byte) { goldenfile.Check(t, name, got, *update) }

func TestGoldenRendering(t *testing.T) {
	plans := map[string]string{"plan": "golden", "noop": "noop"}
	for name, file := range plans {
		t.Run(name, func(t *testing.T) {
			p := loadPlan(t, file)
			var text, md bytes.Buffer
			if err := WriteText(&text, p, TextOptions{}); err != nil {
				t.Fatal(err)
			}
			if err := WriteMarkdown(&md, p, TextOptions{}); err != nil {
				t.Fatal(err)
			}
			golden(t, name+".txt", text.Bytes())
			golden(t, name+".md", md.Bytes())
			if bytes.Contains(text.Bytes(), []byte("\x1b")) {
				t.Errorf("text without colour holds an escape sequence")
			}
		})
	}
}

func TestTextColor(t *testing.T) {
	p := goldenPlan(t)
	var buf bytes.Buffer
	if err := WriteText(&buf, p, TextOptions{Color: true}); err != nil {
		t.Fatal(err)
	}
	out := buf.String()
	for action, style := range actionStyle {
		if !strings.Contains(out, style.color+ansiBold+style.symbol+ansiReset) {
			t.Errorf("the %s symbol is not coloured", action)
		}
	}
	plain := regexp.MustCompile("\x1b\\[[0-9;]*m").ReplaceAllString(out, "")
	var noColor bytes.Buffer
	if err := WriteText(&noColor, p, TextOptions{}); err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(noColor.String(), plain); diff != "" {
		t.Errorf("the coloured text is not the plain text painted (-plain +stripped):\n%s", diff)
	}
}

func TestMarkdownEscapes(t *testing.T) {
	p := goldenPlan(t)
	var buf bytes.Buffer
	if err := WriteMarkdown(&buf, p, TextOptions{}); err != nil {
		t.Fatal(err)
	}
	var rows []string
	for _, line := range strings.Split(buf.String(), "\n") {
		if strings.HasPrefix(line, "|") {
			rows = append(rows, line)
		}
	}
	if len(rows) != 2+len(p.Changes) {
		t.Fatalf("%d table lines for %d changes: a value broke a row\n%s", len(rows), len(p.Changes), buf.String())
	}
	unescapedPipe := regexp.MustCompile(`(^|[^\\])\|`)
	for _, row := range rows {
		// Count cell separators: pipes not escaped with a backslash.
		n := 0
		for i := range len(row) {
			if row[i] == '|' && (i == 0 || row[i-1] != '\\') {
				n++
			}
		}
		if n != 6 {
			t.Errorf("%d cell separators, want 6: %s", n, row)
		}
	}
	if !unescapedPipe.MatchString(rows[0]) {
		t.Fatal("the pattern finds no separator")
	}
	if !strings.Contains(buf.String(), `old \| prompt`) || !strings.Contains(buf.String(), `odd\|name with a newline.png is missing`) {
		t.Errorf("a | in a value is not escaped:\n%s", buf.String())
	}
}

func TestMarkdownShortensLongValues(t *testing.T) {
	long := strings.Repeat("very ", 60) + "long"
	p := &plan.Plan{FormatVersion: plan.FormatVersion, Changes: []*plan.Change{{
		Address: "image.long", Action: plan.Replace,
		Reasons: []plan.Reason{{Kind: plan.ReasonParams, Message: "changed: prompt"}},
		Diff:    []plan.ParamDiff{{Name: "prompt", Old: `"short"`, New: `"` + long + `"`}},
	}}}
	p.Summary.Replace = 1
	var buf bytes.Buffer
	if err := WriteMarkdown(&buf, p, TextOptions{}); err != nil {
		t.Fatal(err)
	}
	if strings.Contains(buf.String(), long) || !strings.Contains(buf.String(), "…`") {
		t.Errorf("a long value is not shortened:\n%s", buf.String())
	}
}

func TestPrintable(t *testing.T) {
	tests := map[string]struct{ in, want string }{
		"plain":        {in: "icons/sword.png", want: "icons/sword.png"},
		"non-ASCII":    {in: "icônes/épée ☕.png", want: "icônes/épée ☕.png"},
		"newline":      {in: "a\nb.png", want: `a\nb.png`},
		"escape":       {in: "\x1b[31mred.png", want: `\x1b[31mred.png`},
		"tab and null": {in: "a\tb\x00", want: `a\tb\x00`},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			if got := printable(tc.in); got != tc.want {
				t.Errorf("printable(%q) = %q, want %q", tc.in, got, tc.want)
			}
		})
	}
}

func TestMarkdownCode(t *testing.T) {
	tests := map[string]struct{ in, want string }{
		"plain":            {in: "image.hero", want: "`image.hero`"},
		"a pipe":           {in: `image.icon["a|b"]`, want: "`image.icon[\"a\\|b\"]`"},
		"a newline":        {in: "a\nb", want: "`a b`"},
		"a backtick":       {in: "say `hi`", want: "`` say `hi` ``"},
		"a run of two":     {in: "a``b", want: "``` a``b ```"},
		"starts with one":  {in: "`x", want: "`` `x ``"},
		"carriage returns": {in: "a\r\nb", want: "`a b`"},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			if got := mdCode(tc.in); got != tc.want {
				t.Errorf("mdCode(%q) = %s, want %s", tc.in, got, tc.want)
			}
		})
	}
}

// A changed long prompt shows its changed words, with a little context,
// not one whole line of old and one of new.
func TestTextShowsChangedWordsOfLongPrompt(t *testing.T) {
	long := "castle on a cliff at dusk, cinematic, highly detailed, dramatic lighting, volumetric fog, 8k, trending on artstation"
	changed := strings.Replace(long, "at dusk", "at night", 1)
	p := &plan.Plan{FormatVersion: plan.FormatVersion, Changes: []*plan.Change{{
		Address: "image.hero", Action: plan.Replace,
		Reasons: []plan.Reason{{Kind: plan.ReasonParams, Message: "changed: prompt"}},
		Diff:    []plan.ParamDiff{{Name: "prompt", Old: strconv.Quote(long), New: strconv.Quote(changed)}},
	}}}
	p.Summary.Replace = 1
	var buf bytes.Buffer
	if err := WriteText(&buf, p, TextOptions{}); err != nil {
		t.Fatal(err)
	}
	want := `~ prompt = "…a cliff at [-dusk,-]{+night,+} cinematic, highly detailed,…"`
	if !strings.Contains(buf.String(), want) {
		t.Errorf("the plan does not show the changed words %q:\n%s", want, buf.String())
	}
	if strings.Contains(buf.String(), long) {
		t.Errorf("the plan shows the whole old prompt:\n%s", buf.String())
	}
}

func TestWordDiff(t *testing.T) {
	tests := map[string]struct {
		old, new string
		want     []Segment
	}{
		"one word": {"a red fox", "a blue fox", []Segment{{'=', "a "}, {'-', "red"}, {'+', "blue"}, {'=', " fox"}}},
		"appended": {"a fox", "a fox at night", []Segment{{'=', "a fox"}, {'+', " at night"}}},
		"same":     {"a fox", "a fox", []Segment{{'=', "a fox"}}},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			got := wordDiff(tc.old, tc.new)
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("wordDiff (-want +got):\n%s", diff)
			}
			var rebuiltOld, rebuiltNew string
			for _, s := range got {
				if s.Op != '+' {
					rebuiltOld += s.Text
				}
				if s.Op != '-' {
					rebuiltNew += s.Text
				}
			}
			if rebuiltOld != tc.old || rebuiltNew != tc.new {
				t.Errorf("the segments give back %q and %q", rebuiltOld, rebuiltNew)
			}
		})
	}
}

// WriteJSON writes the plan's document byte for byte as one encoding of
// the whole document writes it (although it streams the changes), and an
// empty plan's changes as [], never null.
func TestWriteJSON(t *testing.T) {
	for _, name := range []string{"golden", "noop"} {
		p := loadPlan(t, name)
		var buf bytes.Buffer
		if err := WriteJSON(&buf, p); err != nil {
			t.Fatal(err)
		}
		var want bytes.Buffer
		enc := json.NewEncoder(&want)
		enc.SetEscapeHTML(false)
		enc.SetIndent("", "  ")
		if err := enc.Encode(p.Document()); err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(want.String(), buf.String()); diff != "" {
			t.Errorf("%s: WriteJSON is not the plan's document (-want +got):\n%s", name, diff)
		}
		if !p.HasChanges() && !strings.Contains(buf.String(), `"changes": []`) {
			t.Errorf("%s: an empty plan's changes are not []:\n%s", name, buf.String())
		}
		if strings.Contains(buf.String(), `\u003c`) || strings.Contains(buf.String(), `\u0026`) {
			t.Errorf("%s: HTML is escaped in the JSON", name)
		}
	}
}

// No rendering holds a key or a base URL from the environment.
func TestNoSecretInRenderings(t *testing.T) {
	const key = "SG_0123456789abcdef-secret"
	t.Setenv("SEGMIND_API_KEY", key)
	t.Setenv("SEGMIND_BASE_URL", "https://secret.example/")
	p := goldenPlan(t)
	var all bytes.Buffer
	if err := WriteJSON(&all, p); err != nil {
		t.Fatal(err)
	}
	if err := WriteText(&all, p, TextOptions{Color: true}); err != nil {
		t.Fatal(err)
	}
	if err := WriteMarkdown(&all, p, TextOptions{}); err != nil {
		t.Fatal(err)
	}
	for _, s := range []string{key, "secret.example"} {
		if strings.Contains(all.String(), s) {
			t.Errorf("a rendering holds %q", s)
		}
	}
}
