package layering

import (
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
)

const module = "github.com/imgform/imgform/"

// allowed lists, for each package, the project packages it may import
// directly (beside internal/* helpers that import no layer above them,
// listed in helpers). A package missing here fails the test: a new
// package needs its place in the layers.
var allowed = map[string][]string{
	"internal/model":                 {},
	"internal/variant":               {},
	"internal/generate":              {"internal/model"},
	"internal/spec":                  {"internal/model", "internal/variant"},
	"internal/state":                 {"internal/model"},
	"internal/state/local":           {"internal/state", "internal/model"},
	"internal/state/backendtest":     {"internal/state", "internal/model"},
	"internal/state/pg":              {"internal/state", "internal/model"},
	"internal/testsvc":               {},
	"internal/cache":                 {"internal/model"},
	"internal/cache/dir":             {"internal/cache", "internal/model"},
	"internal/cache/cachetest":       {"internal/cache", "internal/model"},
	"internal/cache/s3":              {"internal/cache", "internal/model"},
	"internal/plan":                  {"internal/spec", "internal/state", "internal/cache", "internal/model", "internal/variant"},
	"internal/view":                  {"internal/plan", "internal/apply", "internal/spec", "internal/state", "internal/cache", "internal/model"},
	"internal/view/progress":         {"internal/view", "internal/apply"},
	"internal/review":                {"internal/plan", "internal/view", "internal/spec", "internal/cache", "internal/derive", "internal/model", "internal/variant"},
	"internal/apply":                 {"internal/plan", "internal/spec", "internal/state", "internal/cache", "internal/generate", "internal/model", "internal/variant"},
	"internal/segmind":               {"internal/generate", "internal/model", "internal/segmind/internal/wire"},
	"internal/segmind/internal/wire": {"internal/model"},
	"internal/segmind/emulator":      {"internal/model", "internal/segmind/internal/wire", "internal/placeholder"},
	"internal/placeholder":           {"internal/model", "internal/generate"},
	"internal/layering":              {},
	"internal/cli":                   {},
	"internal/workspace":             {"internal/apply", "internal/plan", "internal/spec", "internal/state", "internal/cache", "internal/generate", "internal/gitrev"},
	"cmd/imgform":                    nil, // the wiring: anything
	"internal/atomicfile":            {},
	"internal/imagecheck":            {},
	"internal/pngtext":               {},
	"internal/provenance":            {"internal/pngtext"},
	"internal/outputfile":            {"internal/pngtext", "internal/provenance", "internal/imagecheck"},
	"internal/safepath":              {},
	"internal/jsonsplit":             {},
	"internal/proc":                  {},
	"internal/parallel":              {},
	"internal/gitrev":                {},
	"internal/version":               {},
	"internal/picks":                 {"internal/atomicfile"},
	"internal/derive":                {"internal/variant", "internal/pngtext", "internal/imagecheck"},
	"internal/imagetest":             {}, // for tests only
	"internal/golden":                {}, // for tests only
	"internal/waitfor":               {}, // for tests only
}

// helpers are the leaf packages any package may import.
var helpers = []string{"internal/atomicfile", "internal/imagecheck", "internal/jsonsplit", "internal/outputfile", "internal/parallel", "internal/picks", "internal/pngtext", "internal/proc", "internal/provenance", "internal/safepath"}

// engine are the packages that must not link the HTTP stack, the client
// or the emulator, even through a dependency.
var engine = []string{"internal/model", "internal/generate", "internal/spec", "internal/state", "internal/state/local", "internal/cache", "internal/cache/dir", "internal/plan", "internal/view", "internal/apply", "internal/workspace", "internal/cli"}

var forbiddenInEngine = []string{"net/http", module + "internal/segmind", module + "internal/segmind/emulator"}

type pkg struct {
	ImportPath string
	Imports    []string
	Deps       []string
}

func listPackages(t *testing.T) []pkg {
	t.Helper()
	out, err := exec.Command("go", "list", "-json", module+"...").Output()
	if err != nil {
		t.Fatalf("go list: %v", err)
	}
	var pkgs []pkg
	dec := json.NewDecoder(strings.NewReader(string(out)))
	for dec.More() {
		var p pkg
		if err := dec.Decode(&p); err != nil {
			t.Fatal(err)
		}
		pkgs = append(pkgs, p)
	}
	if len(pkgs) < len(engine) {
		t.Fatalf("go list found %d packages", len(pkgs))
	}
	return pkgs
}

// Nothing is public by accident: every package but the command is under
// internal/, with no stability promise to anyone who would import it.
func TestEverythingIsInternal(t *testing.T) {
	for _, p := range listPackages(t) {
		name := strings.TrimPrefix(p.ImportPath, module)
		if name != "cmd/imgform" && !strings.HasPrefix(name, "internal/") {
			t.Errorf("%s is importable by anyone: move it under internal/", name)
		}
	}
}

func TestImportsFollowTheLayers(t *testing.T) {
	for _, p := range listPackages(t) {
		name := strings.TrimPrefix(p.ImportPath, module)
		rules, known := allowed[name]
		if !known {
			t.Errorf("%s has no place in the layers: add it to allowed (and to the README's table)", name)
			continue
		}
		if rules == nil {
			continue
		}
		for _, imp := range p.Imports {
			dep, ok := strings.CutPrefix(imp, module)
			if !ok {
				continue
			}
			if !slices.Contains(rules, dep) && !(slices.Contains(helpers, dep) && !slices.Contains(helpers, name)) {
				t.Errorf("%s imports %s, which its layer does not allow (allowed: %v and the internal helpers)", name, dep, rules)
			}
		}
	}
}

func TestEngineLinksNoClient(t *testing.T) {
	byName := map[string]pkg{}
	for _, p := range listPackages(t) {
		byName[strings.TrimPrefix(p.ImportPath, module)] = p
	}
	for _, name := range engine {
		p, ok := byName[name]
		if !ok {
			t.Errorf("no package %s", name)
			continue
		}
		for _, bad := range forbiddenInEngine {
			if slices.Contains(p.Deps, bad) {
				t.Errorf("%s depends on %s", name, bad)
			}
		}
	}
	// The check can fail: the client itself depends on net/http.
	if !slices.Contains(byName["internal/segmind"].Deps, "net/http") {
		t.Error("segmind does not depend on net/http: the check looks at the wrong list")
	}
}

// codecFree are the packages that must not link a codec, even through a
// dependency: they name, check and show variants (internal/variant), and
// internal/derive makes the bytes.
var codecFree = []string{"internal/variant", "internal/spec", "internal/plan", "internal/view"}

var codecs = []string{"github.com/tetratelabs/wazero", module + "internal/derive"}

func TestNoCodecInSpecPlanView(t *testing.T) {
	byName := map[string]pkg{}
	for _, p := range listPackages(t) {
		byName[strings.TrimPrefix(p.ImportPath, module)] = p
	}
	for _, name := range codecFree {
		p, ok := byName[name]
		if !ok {
			t.Errorf("no package %s", name)
			continue
		}
		for _, bad := range codecs {
			if slices.Contains(p.Deps, bad) {
				t.Errorf("%s depends on %s", name, bad)
			}
		}
	}
	// The check can fail: derive itself depends on wazero, and the
	// command on derive.
	if !slices.Contains(byName["internal/derive"].Deps, codecs[0]) || !slices.Contains(byName["cmd/imgform"].Deps, codecs[1]) {
		t.Error("derive does not depend on wazero, or cmd/imgform on derive: the check looks at the wrong list")
	}
}

// The README's table is the rules as people read them: each of its rows
// says what allowed says, and every package that imports another layer
// has a row.
func TestReadmeTableIsTheRules(t *testing.T) {
	rows := readmeTable(t)
	for name, may := range rows {
		rules, known := allowed[name]
		switch {
		case !known:
			t.Errorf("README row %s: no such package in allowed", name)
		case rules == nil || may == nil:
			if (rules == nil) != (may == nil) {
				t.Errorf("README row %s says %v, allowed says %v", name, may, rules)
			}
		case !sameSet(rules, may):
			t.Errorf("README row %s allows %v, allowed says %v", name, may, rules)
		}
	}
	for name, rules := range allowed {
		if _, ok := rows[name]; !ok && len(withoutHelpers(rules)) > 0 {
			t.Errorf("%s imports other layers (%v) but has no row in the README's table", name, rules)
		}
	}
}

// readmeTable reads the package table of the README's Development
// section: package → the packages it may import (nil: anything). The row
// of the leaf helpers, internal/…, is left out.
func readmeTable(t *testing.T) map[string][]string {
	t.Helper()
	data, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	_, table, ok := strings.Cut(string(data), "| package | holds | may import |\n")
	if !ok {
		t.Fatal("README.md has no package table")
	}
	rows := map[string][]string{}
	for line := range strings.Lines(table) {
		if !strings.HasPrefix(line, "|") {
			break
		}
		cells := strings.Split(strings.Trim(strings.TrimSpace(line), "|"), "|")
		if len(cells) != 3 || strings.HasPrefix(strings.TrimSpace(cells[0]), "---") {
			continue
		}
		name := strings.TrimSuffix(strings.Trim(strings.TrimSpace(cells[0]), "`"), "/")
		if name == "internal/…" {
			continue
		}
		may := strings.TrimSpace(cells[2])
		switch {
		case may == "all":
			rows[name] = nil
		case may == "nothing of imgform":
			rows[name] = []string{}
		default:
			var names []string
			for _, item := range strings.Split(may, ",") {
				names = append(names, strings.TrimSuffix(strings.Trim(strings.TrimSpace(item), "`"), "/"))
			}
			rows[name] = names
		}
	}
	if len(rows) < len(engine) {
		t.Fatalf("read %d rows of the README's table", len(rows))
	}
	return rows
}

// Each package's doc.go says what it imports of imgform, in a sentence
// "<name> imports A, B and C" (or "It imports …", or "… nothing of
// imgform"), where "internal helpers" stands for any of the helpers. The
// sentence is held to what go list reports, so that it stays true.
func TestDocSaysWhatItImports(t *testing.T) {
	for _, p := range listPackages(t) {
		name := strings.TrimPrefix(p.ImportPath, module)
		if allowed[name] == nil {
			continue // the command: it wires everything
		}
		named, anyHelper, err := docImports(name)
		if err != nil {
			t.Errorf("%s: %v", name, err)
			continue
		}
		var imports []string
		for _, imp := range p.Imports {
			if dep, ok := strings.CutPrefix(imp, module); ok {
				imports = append(imports, dep)
			}
		}
		for _, dep := range imports {
			if !slices.Contains(named, dep) && !(anyHelper && slices.Contains(helpers, dep)) {
				t.Errorf("%s imports %s; its doc.go does not say so", name, dep)
			}
		}
		for _, dep := range named {
			if !slices.Contains(imports, dep) {
				t.Errorf("%s's doc.go says it imports %s; it does not", name, dep)
			}
		}
		if anyHelper && !slices.ContainsFunc(imports, func(dep string) bool { return slices.Contains(helpers, dep) }) {
			t.Errorf("%s's doc.go says it imports internal helpers; it imports none", name)
		}
	}
}

// docImports reads the imports sentence of a package's doc.go.
func docImports(name string) (named []string, anyHelper bool, err error) {
	data, err := os.ReadFile(filepath.Join("../..", name, "doc.go"))
	if err != nil {
		return nil, false, err
	}
	var text strings.Builder
	for line := range strings.Lines(string(data)) {
		if c, ok := strings.CutPrefix(line, "//"); ok {
			text.WriteString(strings.TrimSpace(c) + " ")
		}
	}
	prose := parenthesis.ReplaceAllString(text.String(), "")
	var m []string
	for _, s := range importsSentence.FindAllStringSubmatch(prose, -1) {
		if s[1] == path.Base(name) || s[1] == "It" || s[1] == "it" {
			m = s
			break
		}
	}
	if m == nil {
		return nil, false, fmt.Errorf(`doc.go has no sentence "%s imports …"`, path.Base(name))
	}
	list := strings.TrimSpace(m[2])
	if list == "nothing of imgform" {
		return []string{}, false, nil
	}
	for _, item := range listSeparator.Split(list, -1) {
		switch item = strings.TrimSpace(item); {
		case item == "internal helpers":
			anyHelper = true
		case strings.HasPrefix(item, "internal/"):
			named = append(named, item)
		default:
			named = append(named, "internal/"+item)
		}
	}
	return named, anyHelper, nil
}

var (
	parenthesis     = regexp.MustCompile(` \([^)]*\)`)
	importsSentence = regexp.MustCompile(`(?:^|[.:]\s+)(\w+) imports ([^.;:]+)`)
	listSeparator   = regexp.MustCompile(`, | and `)
)

func sameSet(a, b []string) bool {
	a, b = slices.Sorted(slices.Values(a)), slices.Sorted(slices.Values(b))
	return slices.Equal(a, b)
}

func withoutHelpers(names []string) []string {
	return slices.DeleteFunc(slices.Clone(names), func(n string) bool { return slices.Contains(helpers, n) })
}
