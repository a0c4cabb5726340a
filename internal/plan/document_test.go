package plan

import (
	"bytes"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	goldenfile "github.com/imgform/imgform/internal/golden"
	"github.com/imgform/imgform/internal/variant"

	"github.com/google/go-cmp/cmp"

	"github.com/imgform/imgform/internal/model"
	"github.com/imgform/imgform/internal/spec"
	"github.com/imgform/imgform/internal/state"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata")

// goldenPlan makes a plan with one change of each kind, a refresh, and
// values that markdown must escape.
func goldenPlan(t *testing.T) *Plan {
	t.Helper()
	dir := t.TempDir()
	st := newState()
	st.Serial = 3

	heroImg := hero(t)
	apply(t, dir, st, heroImg, state.GeneratorAPI)
	logo := newImage(t, "image.logo", "a fox, flat vector logo", "brand/logo.png")
	apply(t, dir, st, logo, state.GeneratorAPI)
	sword := newImage(t, `image.icon["sword"]`, "a steel sword, game icon", "icons/sword.png")
	apply(t, dir, st, sword, state.GeneratorAPI)
	remove(t, dir, "icons/sword.png")
	apply(t, dir, st, gone(t), state.GeneratorAPI)
	pair := twoShots(t)
	apply(t, dir, st, pair, state.GeneratorAPI)
	remove(t, dir, "pair/2.png")
	piped := newImage(t, `image.icon["a|b"]`, "old | prompt", "icons/a|b.png")
	apply(t, dir, st, piped, state.GeneratorOffline)
	odd := newImage(t, "image.odd", "an odd name", "odd|name\nwith a newline.png")
	apply(t, dir, st, odd, state.GeneratorAPI)
	remove(t, dir, "odd|name\nwith a newline.png")
	unchanged := newImage(t, "image.still", "a still life", "still.png")
	apply(t, dir, st, unchanged, state.GeneratorAPI)
	touch(t, dir, "still.png", time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC))

	thumb := variant.Spec{Width: 256, Quality: 82, Format: variant.WebP}
	gallery := newImage(t, "image.gallery", "a gallery wall", "gallery.png")
	gallery.Variants = []spec.Variant{{Name: "thumb", Spec: thumb, Outputs: []string{"gallery-256.webp"}}}
	ge := apply(t, dir, st, gallery, state.GeneratorAPI)
	writeFile(t, dir, "gallery-256.webp", []byte("a thumbnail"))
	tf := recordOutput(t, dir, "gallery-256.webp")
	ge.Variants = []state.Variant{{AttrHash: state.Hash(thumb.Hash()), Attributes: attributeMap(thumb), ModTime: tf.ModTime,
		Name: "thumb", Path: "gallery-256.webp", SHA256: tf.SHA256, Size: tf.Size, SourceSHA256: state.Hash{1}}}

	writeFile(t, dir, "new/banner.png", []byte("a file nobody recorded"))
	images := []*spec.Image{
		with(heroImg, func(i *spec.Image) {
			i.Request = i.Request.WithPrompt("castle at dawn")
			i.Request = i.Request.With("guidance_scale", model.Number(2))
		}),
		moved(logo, "brand/fox.png"),
		sword,
		pair,
		with(piped, func(i *spec.Image) { i.Request = i.Request.WithPrompt("line one\nline | two `code`") }),
		with(newImage(t, "image.banner", "a summer sale banner", "new/banner.png"), func(i *spec.Image) {
			i.Variants = []spec.Variant{{Name: "social", Spec: variant.Spec{Width: 1200, Height: 630, Anchor: variant.Top, Upscale: true, Format: variant.JPEG}, Outputs: []string{"new/banner-social.jpg"}}}
		}),
		odd,
		unchanged,
		with(newImage(t, "image.poster", "a film poster", "poster.png"), func(i *spec.Image) { i.Candidates = 3 }),
		with(gallery, func(i *spec.Image) {
			i.Variants = []spec.Variant{
				{Name: "thumb", Spec: variant.Spec{Width: 256, Quality: 60, Format: variant.WebP}, Outputs: []string{"gallery-256.webp"}},
				{Name: "square", Spec: variant.Spec{Width: 512, Height: 512, Fit: variant.Contain, Background: "#ffffff", Format: variant.AVIF}, Outputs: []string{"gallery-512.avif"}},
			}
		}),
	}
	cache := mapCache{hashOf(t, sword): 1, hashOf(t, gallery): 1}
	p, err := Make(t.Context(), images, st, Options{Dir: dir, Cache: cache})
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// noChangePlan is a plan with nothing to do but one refresh.
func noChangePlan(t *testing.T) *Plan {
	t.Helper()
	dir := t.TempDir()
	st := newState()
	apply(t, dir, st, hero(t), state.GeneratorAPI)
	touch(t, dir, "assets/hero.png", time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC))
	p, err := Make(t.Context(), []*spec.Image{hero(t)}, st, Options{Dir: dir})
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// golden compares got with testdata/name, or rewrites it with -update.
func golden(t *testing.T, name string, got []byte) { goldenfile.Check(t, name, got, *update) }

func TestGoldenPlanHasEveryAction(t *testing.T) {
	p := goldenPlan(t)
	var got []Action
	for _, c := range p.Changes {
		got = append(got, c.Action)
	}
	for _, a := range []Action{Create, Replace, Move, Restore, Delete} {
		if !slices.Contains(got, a) {
			t.Errorf("the golden plan has no %s: %v", a, got)
		}
	}
	if len(p.Refresh) != 1 {
		t.Errorf("the golden plan has %d refreshes, want 1", len(p.Refresh))
	}
}

// TestNoSecretInPlan: no field of a plan document can hold an API key,
// and a key in the environment shows up in none. (The one endpoint a plan
// may show is the origin that made a recorded image: a scheme and a host,
// never credentials; the client strips them, see segmind's tests.)
func TestNoSecretInPlan(t *testing.T) {
	const key = "SG_0123456789abcdef-secret"
	t.Setenv("SEGMIND_API_KEY", key)
	t.Setenv("SEGMIND_BASE_URL", "https://secret.example/")

	var names []string
	jsonFieldNames(reflect.TypeFor[Document](), map[reflect.Type]bool{}, &names)
	for _, n := range names {
		for _, bad := range []string{"key", "token", "secret", "url", "auth"} {
			if strings.Contains(strings.ToLower(n), bad) {
				t.Errorf("a plan has a field named %q", n)
			}
		}
	}
	if !slices.Contains(names, "input_hash") || !slices.Contains(names, "sha256") {
		t.Fatalf("the walk missed fields: %v", names)
	}

	all, err := json.Marshal(goldenPlan(t).Document())
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range []string{key, "secret.example"} {
		if strings.Contains(string(all), s) {
			t.Errorf("the plan's document holds %q", s)
		}
	}
}

// jsonFieldNames collects the JSON names of every field reachable from t.
func jsonFieldNames(t reflect.Type, seen map[reflect.Type]bool, out *[]string) {
	for t.Kind() == reflect.Pointer || t.Kind() == reflect.Slice || t.Kind() == reflect.Map || t.Kind() == reflect.Array {
		if t.Kind() == reflect.Map {
			jsonFieldNames(t.Key(), seen, out)
		}
		t = t.Elem()
	}
	if t.Kind() != reflect.Struct || seen[t] || t == reflect.TypeFor[time.Time]() {
		return
	}
	seen[t] = true
	for i := range t.NumField() {
		f := t.Field(i)
		name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
		if name == "-" || !f.IsExported() {
			continue
		}
		if name == "" {
			name = f.Name
		}
		*out = append(*out, name)
		jsonFieldNames(f.Type, seen, out)
	}
}

// documented reads docs/plan-json.md: the fields of its top-level and change
// tables, and the values its change table lists for action, reasons and
// generator.
type documented struct {
	top, change           []string
	actions, kinds, gens  []string
	summary, requestNames []string
}

func readJSONDoc(t *testing.T) documented {
	t.Helper()
	data, err := os.ReadFile(filepath.Join("..", "..", "docs", "plan-json.md"))
	if err != nil {
		t.Fatal(err)
	}
	code := regexp.MustCompile("`([^`]+)`")
	names := func(s string) []string {
		var out []string
		for _, m := range code.FindAllStringSubmatch(s, -1) {
			out = append(out, m[1])
		}
		return out
	}
	var d documented
	var table *[]string
	for _, line := range strings.Split(string(data), "\n") {
		switch {
		case line == "Top level:":
			table = &d.top
		case line == "A change:":
			table = &d.change
		case table != nil && strings.HasPrefix(line, "| `"):
			cells := strings.Split(line, " | ")
			fields := names(cells[0])
			*table = append(*table, fields...)
			if table == &d.change {
				switch fields[0] {
				case "action":
					d.actions = names(cells[1])
				case "reasons":
					_, kinds, _ := strings.Cut(cells[1], "Kinds:")
					d.kinds = names(kinds)
				case "generator":
					d.gens = names(cells[1])
				}
			}
		}
	}
	// The summary's keys are those of the example.
	var example struct {
		Summary map[string]any `json:"summary"`
		Changes []struct {
			Request map[string]any `json:"request"`
		} `json:"changes"`
	}
	_, rest, _ := strings.Cut(string(data), "```json\n")
	block, _, _ := strings.Cut(rest, "```")
	if err := json.Unmarshal([]byte(block), &example); err != nil {
		t.Fatalf("the example in docs/plan-json.md is not JSON: %v", err)
	}
	for k := range example.Summary {
		d.summary = append(d.summary, k)
	}
	for k := range example.Changes[0].Request {
		d.requestNames = append(d.requestNames, k)
	}
	sort.Strings(d.summary)
	sort.Strings(d.requestNames)
	if len(d.top) < 6 || len(d.change) < 10 || len(d.actions) != 6 || len(d.kinds) < 10 || len(d.gens) != 3 {
		t.Fatalf("could not read docs/plan-json.md: %+v", d)
	}
	return d
}

// shapeChecker reports where a decoded plan departs from docs/plan-json.md.
type shapeChecker struct {
	t   *testing.T
	doc documented
}

func (s shapeChecker) errorf(where, format string, args ...any) {
	s.t.Helper()
	s.t.Errorf(where+": "+format, args...)
}

func typeName(v any) string {
	switch v.(type) {
	case string:
		return "string"
	case float64:
		return "number"
	case bool:
		return "boolean"
	case []any:
		return "array"
	case map[string]any:
		return "object"
	case nil:
		return "null"
	}
	return "?"
}

// fields checks an object's keys: each must be documented, each required
// one present, and each of the given type.
func (s shapeChecker) fields(where string, obj map[string]any, documented []string, types map[string]string, required ...string) {
	s.t.Helper()
	for k, v := range obj {
		if !slices.Contains(documented, k) {
			s.errorf(where, "field %q is not documented in docs/plan-json.md", k)
			continue
		}
		if want, ok := types[k]; ok && typeName(v) != want {
			s.errorf(where, "%s is a %s, want a %s", k, typeName(v), want)
		}
	}
	for _, k := range required {
		if _, ok := obj[k]; !ok {
			s.errorf(where, "no %q", k)
		}
	}
}

func (s shapeChecker) plan(v map[string]any) {
	s.t.Helper()
	s.fields("plan", v, s.doc.top, map[string]string{
		"format_version": "string", "lineage": "string", "serial": "number", "offline": "boolean",
		"changes": "array", "refresh": "array", "summary": "object",
	}, "format_version", "lineage", "serial", "offline", "changes", "summary")
	if v["format_version"] != FormatVersion {
		s.errorf("plan", "format_version %v", v["format_version"])
	}
	summary, _ := v["summary"].(map[string]any)
	var keys []string
	for k, n := range summary {
		keys = append(keys, k)
		if f, ok := n.(float64); !ok || f < 0 || f != float64(int(f)) {
			s.errorf("summary", "%s is %v, want a count", k, n)
		}
	}
	sort.Strings(keys)
	if diff := cmp.Diff(s.doc.summary, keys); diff != "" {
		s.errorf("summary", "keys (-documented +got):\n%s", diff)
	}
	refresh, _ := v["refresh"].([]any)
	for _, r := range refresh {
		obj, _ := r.(map[string]any)
		s.fields("refresh", obj, []string{"address", "index", "path"},
			map[string]string{"address": "string", "index": "number", "path": "string"}, "address", "index", "path")
	}
	changes, _ := v["changes"].([]any)
	for _, c := range changes {
		obj, ok := c.(map[string]any)
		if !ok {
			s.errorf("changes", "a change is a %s", typeName(c))
			continue
		}
		s.change(obj)
	}
}

var hexHash = regexp.MustCompile(`^[0-9a-f]{64}$`)

func (s shapeChecker) change(c map[string]any) {
	s.t.Helper()
	where, _ := c["address"].(string)
	required := []string{"address", "action", "reasons", "input_hash", "outputs", "cost", "cached"}
	if c["action"] != "delete" {
		required = append(required, "request", "seed_origin", "generator")
	} else if _, ok := c["request"]; ok {
		s.errorf(where, "a delete has a request")
	}
	unknown, _ := c["after_unknown"].(map[string]any)
	hashType := "string"
	if unknown["input_hash"] == true {
		hashType = "null"
	}
	s.fields(where, c, s.doc.change, map[string]string{
		"address": "string", "action": "string", "reasons": "array", "diff": "array", "request": "object",
		"input_hash": hashType, "seed_origin": "string", "generator": "string", "outputs": "array",
		"write": "array", "moves": "array", "remove": "array", "cost": "number", "cached": "boolean",
		"resumes": "boolean", "prior": "object", "after_unknown": "object", "seed_chosen_at_apply": "boolean",
	}, required...)
	if unknown != nil {
		s.fields(where+" after_unknown", unknown, []string{"input_hash", "request"}, map[string]string{"input_hash": "boolean", "request": "object"})
		if unknown["input_hash"] != true || c["seed_chosen_at_apply"] != true {
			s.errorf(where, "after_unknown %v without an unknown input hash and seed_chosen_at_apply", unknown)
		}
	}
	unknownParams, _ := unknown["request"].(map[string]any)
	if _, err := spec.ParseAddress(where); err != nil {
		s.errorf(where, "address: %v", err)
	}
	if a, _ := c["action"].(string); !slices.Contains(s.doc.actions, a) {
		s.errorf(where, "action %q is not documented", a)
	}
	if g, ok := c["generator"].(string); ok && !slices.Contains(s.doc.gens, g) {
		s.errorf(where, "generator %q is not documented", g)
	}
	if h, _ := c["input_hash"].(string); hashType == "string" && !hexHash.MatchString(h) {
		s.errorf(where, "input_hash %q", h)
	}
	reasons, _ := c["reasons"].([]any)
	if len(reasons) == 0 {
		s.errorf(where, "no reasons")
	}
	for _, r := range reasons {
		obj, _ := r.(map[string]any)
		s.fields(where+" reason", obj, []string{"kind", "message", "path"},
			map[string]string{"kind": "string", "message": "string", "path": "string"}, "kind", "message")
		if k, _ := obj["kind"].(string); !slices.Contains(s.doc.kinds, k) {
			s.errorf(where, "reason kind %q is not documented", k)
		}
	}
	diffs, _ := c["diff"].([]any)
	for _, d := range diffs {
		obj, _ := d.(map[string]any)
		s.fields(where+" diff", obj, []string{"name", "old", "new", "new_unknown"},
			map[string]string{"name": "string", "new_unknown": "boolean"}, "name", "old", "new")
		name, _ := obj["name"].(string)
		p, ok := model.NewRealityLightning.Param(name)
		if !ok {
			s.errorf(where, "diff of %q, not a parameter", name)
			continue
		}
		for _, k := range []string{"old", "new"} {
			want := "number"
			if p.Kind == model.KindString {
				want = "string"
			}
			if k == "new" && obj["new_unknown"] == true {
				want = "null"
			}
			if typeName(obj[k]) != want {
				s.errorf(where, "diff %s: %s is a %s, want a %s (a JSON value, not a string holding one)", name, k, typeName(obj[k]), want)
			}
		}
	}
	moves, _ := c["moves"].([]any)
	for _, m := range moves {
		obj, _ := m.(map[string]any)
		s.fields(where+" move", obj, []string{"from", "to"}, map[string]string{"from": "string", "to": "string"}, "from", "to")
	}
	s.strings(where+" outputs", c["outputs"])
	s.strings(where+" remove", c["remove"])
	outputs, _ := c["outputs"].([]any)
	write, _ := c["write"].([]any)
	for _, w := range write {
		if i, ok := w.(float64); !ok || i < 0 || int(i) >= len(outputs) {
			s.errorf(where, "write holds %v, not an index into outputs", w)
		}
	}
	if req, ok := c["request"].(map[string]any); ok {
		var keys []string
		for k, v := range req {
			keys = append(keys, k)
			want := "number"
			if p, ok := model.NewRealityLightning.Param(k); (ok && p.Kind == model.KindString) || k == "model" {
				want = "string"
			}
			if unknownParams[k] == true {
				want = "null"
			}
			if typeName(v) != want {
				s.errorf(where, "request.%s is a %s, want a %s", k, typeName(v), want)
			}
		}
		sort.Strings(keys)
		if diff := cmp.Diff(s.doc.requestNames, keys); diff != "" {
			s.errorf(where, "request keys (-documented +got):\n%s", diff)
		}
	}
	if prior, ok := c["prior"].(map[string]any); ok {
		s.fields(where+" prior", prior, []string{"generator", "input_hash", "outputs", "request", "seed_origin", "variants"},
			map[string]string{"generator": "string", "input_hash": "string", "outputs": "array", "request": "object", "seed_origin": "string", "variants": "array"},
			"generator", "input_hash", "outputs", "request", "seed_origin")
	} else if c["action"] != "create" {
		s.errorf(where, "no prior")
	}
}

func (s shapeChecker) strings(where string, v any) {
	s.t.Helper()
	if v == nil {
		return
	}
	list, ok := v.([]any)
	if !ok {
		s.errorf(where, "a %s, want an array of strings", typeName(v))
		return
	}
	for _, e := range list {
		if _, ok := e.(string); !ok {
			s.errorf(where, "holds a %s", typeName(e))
		}
	}
}

func TestJSONShape(t *testing.T) {
	doc := readJSONDoc(t)
	tests := map[string]func(*testing.T) *Plan{
		"every action": goldenPlan,
		"no changes":   noChangePlan,
		"empty": func(t *testing.T) *Plan {
			p, err := Make(t.Context(), nil, newState(), Options{Dir: t.TempDir()})
			if err != nil {
				t.Fatal(err)
			}
			return p
		},
		"a random seed": func(t *testing.T) *Plan {
			dir := t.TempDir()
			st := newState()
			apply(t, dir, st, hero(t), state.GeneratorAPI)
			random := with(hero(t), func(i *spec.Image) { i.SeedOrigin = spec.SeedRandom; i.Request = i.Request.WithSeed(-1) })
			p, err := Make(t.Context(), []*spec.Image{random, with(iconA(t), func(i *spec.Image) { i.SeedOrigin = spec.SeedRandom; i.Request = i.Request.WithSeed(-1) })}, st, Options{Dir: dir})
			if err != nil {
				t.Fatal(err)
			}
			return p
		},
		"offline with resumes": func(t *testing.T) *Plan {
			dir := t.TempDir()
			st := newState()
			apply(t, dir, st, hero(t), state.GeneratorAPI)
			remove(t, dir, "assets/hero.png")
			p, err := Make(t.Context(), []*spec.Image{hero(t), iconA(t)}, st, Options{Dir: dir, Submitted: func(state.Hash, bool) bool { return true }})
			if err != nil {
				t.Fatal(err)
			}
			return p
		},
	}
	for name, mk := range tests {
		t.Run(name, func(t *testing.T) {
			p := mk(t)
			var buf bytes.Buffer
			enc := json.NewEncoder(&buf)
			enc.SetIndent("", "  ")
			if err := enc.Encode(p.Document()); err != nil {
				t.Fatal(err)
			}
			var v map[string]any
			dec := json.NewDecoder(bytes.NewReader(buf.Bytes()))
			if err := dec.Decode(&v); err != nil {
				t.Fatalf("not one JSON document: %v\n%s", err, buf.String())
			}
			if dec.More() {
				t.Errorf("more than one JSON document")
			}
			shapeChecker{t: t, doc: doc}.plan(v)
			if !p.HasChanges() && !strings.Contains(buf.String(), `"changes": []`) {
				t.Errorf("an empty plan's changes are not []:\n%s", buf.String())
			}
			if changes, _ := v["changes"].([]any); len(changes) != len(p.Changes) {
				t.Errorf("%d changes in JSON, %d in the plan", len(changes), len(p.Changes))
			}
			// The document decodes back into the plan; one with a seed
			// apply chooses is refused (plan --out fixes it).
			var doc Document
			if err := json.Unmarshal(buf.Bytes(), &doc); err != nil {
				t.Fatal(err)
			}
			back, err := doc.Plan()
			if unknown := slices.ContainsFunc(p.Changes, func(c *Change) bool { return c.SeedChosenAtApply }); unknown {
				if err == nil || !strings.Contains(err.Error(), "plan --out") {
					t.Errorf("a document with a seed not chosen decodes: %v", err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(p, back, cmpPlans); diff != "" {
				t.Errorf("decoded (-plan +decoded):\n%s", diff)
			}
		})
	}
	// The prompt is in the JSON in full: a reviewer sees what a variable
	// change does.
	data, err := json.Marshal(goldenPlan(t).Document())
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(data), `"prompt":"line one\nline | two `+"`code`"+`"`) {
		t.Errorf("the resolved prompt is not in the JSON:\n%s", data)
	}
}

// The golden plans, saved as plan files in testdata, are the input of the
// renderers' tests in package view: whatever renders a plan renders a
// saved one. Times that vary from run to run are fixed; -update rewrites
// the files.
func TestGoldenPlanFiles(t *testing.T) {
	plans := map[string]func(*testing.T) *Plan{"golden": goldenPlan, "noop": noChangePlan}
	for name, mk := range plans {
		t.Run(name, func(t *testing.T) {
			p := mk(t)
			for _, c := range p.Changes {
				if c.Prior != nil {
					c.Prior = c.Prior.Clone()
					for i := range c.Prior.Outputs {
						c.Prior.Outputs[i].ModTime = time.Date(2026, 11, 25, 10, 41, 7, 0, time.UTC)
					}
					for i := range c.Prior.Variants {
						c.Prior.Variants[i].ModTime = time.Date(2026, 11, 25, 10, 41, 7, 0, time.UTC)
					}
				}
			}
			path := filepath.Join(t.TempDir(), name+".plan")
			if err := Save(path, p, Saved{ConfigDigest: "sha256:golden", Sources: []string{"images.img.hcl"}}); err != nil {
				t.Fatal(err)
			}
			got, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			golden(t, name+".plan", got)
		})
	}
}
