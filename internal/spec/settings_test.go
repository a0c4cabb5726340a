package spec

import (
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

const anImage = `
image "hero" {
  prompt = "castle"
  output = "hero.png"
}
`

func TestSettings(t *testing.T) {
	dir := writeArchive(t, `
-- main.img.hcl --
imgform {
  backend "pg" {
    conn_str    = "postgres://user@db.example.com/imgform"
    schema_name = "imgform"
  }
  cache "s3" {
    bucket   = "acme-image-cache"
    prefix   = "imgform/"
    endpoint = "https://minio.internal"
    publish  = true
    review_url    = "https://review.example.com/"
    review_expiry = "3d"
  }
}
`+anImage)
	want := Settings{
		Backend: &Setting{Type: "pg", Args: map[string]string{"conn_str": "postgres://user@db.example.com/imgform", "schema_name": "imgform"}},
		Cache: &Setting{Type: "s3", Args: map[string]string{"bucket": "acme-image-cache", "prefix": "imgform/", "endpoint": "https://minio.internal",
			"publish": "true", "review_url": "https://review.example.com/", "review_expiry": "3d"}},
	}
	ignoreRanges := cmp.FilterPath(func(p cmp.Path) bool { return p.Last().String() == ".DeclRange" }, cmp.Ignore())
	cfg, diags := Load(t.Context(), dir, Options{})
	if diags.HasErrors() {
		t.Fatal(diags)
	}
	if diff := cmp.Diff(want, cfg.Settings, ignoreRanges); diff != "" {
		t.Errorf("Load's settings (-want +got):\n%s", diff)
	}
	got, _, diags := LoadSettings(dir)
	if diags.HasErrors() {
		t.Fatal(diags)
	}
	if diff := cmp.Diff(&want, got, ignoreRanges); diff != "" {
		t.Errorf("LoadSettings (-want +got):\n%s", diff)
	}

	// No block: the zero value, from either.
	empty := writeArchive(t, "-- main.img.hcl --\n"+anImage)
	if got, _, diags := LoadSettings(empty); diags.HasErrors() || got.Backend != nil || got.Cache != nil {
		t.Errorf("LoadSettings without a block: %+v, %v", got, diags)
	}
}

func TestDiagnosticsSettings(t *testing.T) {
	runDiagCases(t, map[string]diagCase{
		"unknown backend": {src: `
-- main.img.hcl --
imgform {
  backend "s3" {
    bucket = "x"
  }
}
` + anImage, want: []diag{{Summary: "Unknown backend type", File: "main.img.hcl", Line: 2, Detail: `imgform has no backend of type "s3". Known: "pg".`}}},
		"unknown cache, near a known one": {src: `
-- main.img.hcl --
imgform {
  cache "s4" {
    bucket = "x"
  }
}
` + anImage, want: []diag{{Summary: "Unknown cache type", File: "main.img.hcl", Line: 2, Detail: `Did you mean "s3"?`}}},
		"two imgform blocks": {src: `
-- a.img.hcl --
imgform {}
-- b.img.hcl --
imgform {}
` + anImage, want: []diag{{Summary: "Duplicate imgform block", File: "b.img.hcl", Line: 1, Detail: "a.img.hcl:1"}}},
		"two backends": {src: `
-- main.img.hcl --
imgform {
  backend "pg" {}
  backend "pg" {}
}
` + anImage, want: []diag{{Summary: "Duplicate backend block", File: "main.img.hcl", Line: 3}}},
		"a variable in a backend": {src: `
-- main.img.hcl --
variable "db" { default = "postgres://x" }
imgform {
  backend "pg" {
    conn_str = var.db
  }
}
` + anImage, want: []diag{{Summary: "Variables not allowed", File: "main.img.hcl", Line: 4}}},
		"not a string": {src: `
-- main.img.hcl --
imgform {
  cache "s3" {
    bucket = ["a"]
  }
}
` + anImage, want: []diag{{Summary: "Invalid cache argument", File: "main.img.hcl", Line: 3, Detail: "bucket must be a string"}}},
		"publish not a bool": {src: `
-- main.img.hcl --
imgform {
  cache "s3" {
    bucket  = "x"
    publish = "yes"
  }
}
` + anImage, want: []diag{{Summary: "Invalid cache argument", File: "main.img.hcl", Line: 4, Detail: "publish is true or false"}}},
		"review_url not http": {src: `
-- main.img.hcl --
imgform {
  cache "s3" {
    bucket     = "x"
    review_url = "s3://x/reviews/"
  }
}
` + anImage, want: []diag{{Summary: "Invalid cache argument", File: "main.img.hcl", Line: 4, Detail: "review_url is the public address"}}},
		"review_expiry past 7 days": {src: `
-- main.img.hcl --
imgform {
  cache "s3" {
    bucket        = "x"
    review_expiry = "8d"
  }
}
` + anImage, want: []diag{{Summary: "Invalid cache argument", File: "main.img.hcl", Line: 4, Detail: "at most 7 days"}}},
		"no bucket": {src: `
-- main.img.hcl --
imgform {
  cache "s3" {
    prefix = "x/"
  }
}
` + anImage, want: []diag{{Summary: "Missing required argument", File: "main.img.hcl", Line: 2, Detail: `"bucket"`}}},
		"an unknown argument": {src: `
-- main.img.hcl --
imgform {
  backend "pg" {
    password = "hunter2"
  }
}
` + anImage, want: []diag{{Summary: "Unsupported argument", File: "main.img.hcl", Line: 3}}},
	})
}

func TestParseAge(t *testing.T) {
	for in, want := range map[string]time.Duration{"30d": 30 * 24 * time.Hour, "12h": 12 * time.Hour, "90m": 90 * time.Minute} {
		if got, err := ParseAge(in); err != nil || got != want {
			t.Errorf("ParseAge(%q) = %s, %v; want %s", in, got, err, want)
		}
	}
	for _, in := range []string{"", "0d", "-1d", "d", "1.5d", "0s", "-1h", "30 days"} {
		if _, err := ParseAge(in); err == nil {
			t.Errorf("ParseAge(%q) accepted it", in)
		}
	}
}
