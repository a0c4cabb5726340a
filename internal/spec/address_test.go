package spec

import (
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestAddressRoundTrip(t *testing.T) {
	cases := map[string]struct {
		addr Address
		text string
	}{
		"single":          {addr: Address{Name: "hero"}, text: `image.hero`},
		"dashes":          {addr: Address{Name: "hero-2_b"}, text: `image.hero-2_b`},
		"count":           {addr: Address{Name: "frame", Kind: IntKey, IntKey: 0}, text: `image.frame[0]`},
		"large index":     {addr: Address{Name: "frame", Kind: IntKey, IntKey: 999999}, text: `image.frame[999999]`},
		"string key":      {addr: Address{Name: "icon", Kind: StringKey, StrKey: "home"}, text: `image.icon["home"]`},
		"empty key":       {addr: Address{Name: "icon", Kind: StringKey, StrKey: ""}, text: `image.icon[""]`},
		"spaces":          {addr: Address{Name: "icon", Kind: StringKey, StrKey: "user profile"}, text: `image.icon["user profile"]`},
		"quotes":          {addr: Address{Name: "icon", Kind: StringKey, StrKey: `say "hi"`}, text: `image.icon["say \"hi\""]`},
		"backslashes":     {addr: Address{Name: "icon", Kind: StringKey, StrKey: `C:\art\x`}, text: `image.icon["C:\\art\\x"]`},
		"interpolation":   {addr: Address{Name: "icon", Kind: StringKey, StrKey: "${var.x}"}, text: `image.icon["$${var.x}"]`},
		"directive":       {addr: Address{Name: "icon", Kind: StringKey, StrKey: "%{ if x }"}, text: `image.icon["%%{ if x }"]`},
		"lone dollar":     {addr: Address{Name: "icon", Kind: StringKey, StrKey: "$5 {x} %"}, text: `image.icon["$5 {x} %"]`},
		"unicode":         {addr: Address{Name: "icon", Kind: StringKey, StrKey: "café ☕ 猫"}, text: `image.icon["café ☕ 猫"]`},
		"control":         {addr: Address{Name: "icon", Kind: StringKey, StrKey: "a\nb\tc\rd\x01"}, text: `image.icon["a\nb\tc\rd\u0001"]`},
		"digits as a key": {addr: Address{Name: "icon", Kind: StringKey, StrKey: "0"}, text: `image.icon["0"]`},
		"bracket in key":  {addr: Address{Name: "icon", Kind: StringKey, StrKey: `a"]["b`}, text: `image.icon["a\"][\"b"]`},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			if diff := cmp.Diff(tc.text, tc.addr.String()); diff != "" {
				t.Errorf("String (-want +got):\n%s", diff)
			}
			got, err := ParseAddress(tc.text)
			if err != nil {
				t.Fatalf("ParseAddress(%s): %v", tc.text, err)
			}
			if diff := cmp.Diff(tc.addr, got); diff != "" {
				t.Errorf("ParseAddress (-want +got):\n%s", diff)
			}
		})
	}
}

func TestParseAddressErrors(t *testing.T) {
	cases := map[string]struct {
		text string
		want string // a phrase of the error
	}{
		"empty":             {text: ``, want: "want image.NAME"},
		"no name":           {text: `image`, want: `starts with "image."`},
		"other type":        {text: `resource.hero`, want: `starts with "image."`},
		"index on type":     {text: `image[0]`, want: `starts with "image."`},
		"two keys":          {text: `image.a[0][1]`, want: "only one [KEY] or [INDEX]"},
		"attribute after":   {text: `image.a.b`, want: "only one [KEY] or [INDEX]"},
		"negative index":    {text: `image.a[-1]`, want: "want image.NAME"},
		"fractional index":  {text: `image.a[1.5]`, want: "whole number"},
		"huge index":        {text: `image.a[99999999999999]`, want: "whole number"},
		"bool key":          {text: `image.a[true]`, want: "want image.NAME"},
		"unterminated":      {text: `image.a["x`, want: "want image.NAME"},
		"interpolated key":  {text: `image.a["${x}"]`, want: "want image.NAME"},
		"trailing garbage":  {text: `image.a x`, want: "want image.NAME"},
		"splat":             {text: `image.a[*]`, want: "want image.NAME"},
		"spaces in the key": {text: `image.a[ "k" ] junk`, want: "want image.NAME"},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			got, err := ParseAddress(tc.text)
			if err == nil {
				t.Fatalf("ParseAddress(%q) = %v, want an error", tc.text, got)
			}
			if !strings.Contains(err.Error(), tc.want) {
				t.Errorf("ParseAddress(%q) error = %q, want it to contain %q", tc.text, err, tc.want)
			}
		})
	}
}

func TestAddressOrder(t *testing.T) {
	want := []string{
		`image.a`,
		`image.a["a"]`,
		`image.a["b"]`,
		`image.a["é"]`,
		`image.a[0]`,
		`image.a[2]`,
		`image.a[10]`,
		`image.b`,
		`image.b-c`,
		`image.b_c`,
	}
	var addrs []Address
	for _, s := range slices.Backward(want) {
		a, err := ParseAddress(s)
		if err != nil {
			t.Fatal(err)
		}
		addrs = append(addrs, a)
	}
	slices.SortFunc(addrs, Address.Compare)
	var got []string
	for _, a := range addrs {
		got = append(got, a.String())
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("order (-want +got):\n%s", diff)
	}
	for i := range addrs {
		if c := addrs[i].Compare(addrs[i]); c != 0 {
			t.Errorf("%s compared with itself = %d, want 0", addrs[i], c)
		}
	}
}

func TestAddressContains(t *testing.T) {
	block := Address{Name: "a"}
	cases := map[string]struct {
		target, addr Address
		want         bool
	}{
		"block selects itself":         {target: block, addr: block, want: true},
		"block selects its instances":  {target: block, addr: Address{Name: "a", Kind: StringKey, StrKey: "x"}, want: true},
		"block selects count":          {target: block, addr: Address{Name: "a", Kind: IntKey, IntKey: 3}, want: true},
		"block does not select others": {target: block, addr: Address{Name: "ab"}, want: false},
		"instance selects itself":      {target: Address{Name: "a", Kind: IntKey, IntKey: 1}, addr: Address{Name: "a", Kind: IntKey, IntKey: 1}, want: true},
		"instance not another":         {target: Address{Name: "a", Kind: IntKey, IntKey: 1}, addr: Address{Name: "a", Kind: IntKey, IntKey: 2}, want: false},
		"instance not the block":       {target: Address{Name: "a", Kind: StringKey, StrKey: "x"}, addr: block, want: false},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			if got := tc.target.Contains(tc.addr); got != tc.want {
				t.Errorf("%s.Contains(%s) = %v, want %v", tc.target, tc.addr, got, tc.want)
			}
		})
	}
}

func TestConfigLookup(t *testing.T) {
	dir := writeArchive(t, `-- main.img.hcl --
image "a" {
  for_each = toset(["x", "y"])
  prompt   = each.key
  output   = "${each.key}.png"
}
image "b" {
  prompt = "b"
  output = "b.png"
}
`)
	cfg, diags := Load(t.Context(), dir, Options{})
	if diags.HasErrors() {
		t.Fatal(diags)
	}
	for _, s := range []string{`image.a["x"]`, `image.a["y"]`, `image.b`} {
		a, _ := ParseAddress(s)
		img := cfg.Lookup(a)
		if img == nil || img.Addr != a {
			t.Errorf("Lookup(%s) = %v", s, img)
		}
	}
	for _, s := range []string{`image.a`, `image.a["z"]`, `image.b[0]`, `image.c`} {
		a, _ := ParseAddress(s)
		if img := cfg.Lookup(a); img != nil {
			t.Errorf("Lookup(%s) = %v, want nil", s, img.Addr)
		}
	}
}

func TestClosestAddresses(t *testing.T) {
	cands := []string{"image.hero", "image.icon[\"a\"]", "image.icon[\"b\"]", "image.banner[0]"}
	got := closestAddresses("image.nope", cands, 2)
	if want := []string{"image.hero", "image.icon"}; !slices.Equal(got, want) {
		t.Errorf("closestAddresses(image.nope) = %q, want %q", got, want)
	}
	if got := DidYouMeanAddress("image.baner", cands); got != "; did you mean image.banner?" {
		t.Errorf("DidYouMeanAddress(image.baner) = %q", got)
	}
	if got := DidYouMeanAddress("image.x", nil); got != "; there is no image" {
		t.Errorf("DidYouMeanAddress with no candidates = %q", got)
	}
}
