package layering

import (
	"encoding/json"
	"os/exec"
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
	"internal/generate":              {"internal/model"},
	"internal/spec":                  {"internal/model"},
	"internal/state":                 {"internal/model"},
	"internal/state/local":           {"internal/state", "internal/model"},
	"internal/state/backendtest":     {"internal/state", "internal/model"},
	"internal/state/pg":              {"internal/state", "internal/model"},
	"internal/testsvc":               {},
	"internal/cache":                 {"internal/model"},
	"internal/cache/dir":             {"internal/cache", "internal/model"},
	"internal/cache/cachetest":       {"internal/cache", "internal/model"},
	"internal/cache/s3":              {"internal/cache", "internal/model"},
	"internal/plan":                  {"internal/spec", "internal/state", "internal/cache", "internal/model"},
	"internal/view":                  {"internal/plan", "internal/apply", "internal/state", "internal/model"},
	"internal/review":                {"internal/plan", "internal/view", "internal/cache", "internal/model"},
	"internal/apply":                 {"internal/plan", "internal/spec", "internal/state", "internal/cache", "internal/generate", "internal/model"},
	"internal/segmind":               {"internal/generate", "internal/model", "internal/segmind/internal/wire"},
	"internal/segmind/internal/wire": {"internal/model"},
	"internal/segmind/emulator":      {"internal/model", "internal/segmind/internal/wire", "internal/placeholder"},
	"internal/placeholder":           {"internal/model", "internal/generate"},
	"internal/layering":              {},
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
	"internal/imagetest":             {}, // for tests only
	"internal/golden":                {}, // for tests only
}

// helpers are the leaf packages any package may import.
var helpers = []string{"internal/atomicfile", "internal/imagecheck", "internal/jsonsplit", "internal/outputfile", "internal/parallel", "internal/pngtext", "internal/proc", "internal/provenance", "internal/safepath"}

// engine are the packages that must not link the HTTP stack, the client
// or the emulator, even through a dependency.
var engine = []string{"internal/model", "internal/generate", "internal/spec", "internal/state", "internal/state/local", "internal/cache", "internal/cache/dir", "internal/plan", "internal/view", "internal/apply"}

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
