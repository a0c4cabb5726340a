package spec

import (
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/imgform/imgform/internal/variant"
)

func TestVariants(t *testing.T) {
	dir := writeArchive(t, `
-- main.img.hcl --
image "hero" {
  prompt = "castle on a cliff at dusk"
  output = "assets/hero.png"

  variant "thumb" {
    output  = "assets/hero-256.webp"
    width   = 256
    quality = 82
  }
  variant "social" {
    output  = "assets/hero-social.jpg"
    width   = 1200
    height  = 630
    fit     = "cover"
    anchor  = "top"
    upscale = true
  }
  dynamic "variant" {
    for_each = [1, 2]
    labels   = ["x${variant.value}"]
    content {
      output = "assets/hero@${variant.value}x.webp"
      width  = 400 * variant.value
    }
  }
}

image "icon" {
  for_each = toset(["sword", "shield"])
  prompt   = "a ${each.key} icon"
  samples  = 2

  variant "small" {
    output   = "icons/${each.key}-${sample}.png"
    width    = 64
  }
  variant "large" {
    outputs  = ["icons/${each.key}-a.avif", "icons/${each.key}-b.avif"]
    width    = 512
    height   = 256
    fit      = "contain"
    background = "#112233"
  }
}
`)
	cfg, diags := Load(t.Context(), dir, Options{})
	if diags.HasErrors() {
		t.Fatal(diags)
	}
	type got struct {
		Name    string
		Outputs []string
		Spec    variant.Spec
	}
	variantsOf := func(addr string) []got {
		a, err := ParseAddress(addr)
		if err != nil {
			t.Fatal(err)
		}
		img := cfg.Lookup(a)
		if img == nil {
			t.Fatalf("no %s", addr)
		}
		var out []got
		for _, v := range img.Variants {
			out = append(out, got{v.Name, v.Outputs, v.Spec})
		}
		return out
	}
	want := []got{
		{"thumb", []string{"assets/hero-256.webp"}, variant.Spec{Width: 256, Quality: 82, Format: variant.WebP}},
		{"social", []string{"assets/hero-social.jpg"}, variant.Spec{Width: 1200, Height: 630, Fit: variant.Cover, Anchor: variant.Top, Upscale: true, Format: variant.JPEG}},
		{"x1", []string{"assets/hero@1x.webp"}, variant.Spec{Width: 400, Format: variant.WebP}},
		{"x2", []string{"assets/hero@2x.webp"}, variant.Spec{Width: 800, Format: variant.WebP}},
	}
	if diff := cmp.Diff(want, variantsOf("image.hero")); diff != "" {
		t.Errorf("image.hero's variants (-want +got):\n%s", diff)
	}
	want = []got{
		{"small", []string{"icons/sword-0.png", "icons/sword-1.png"}, variant.Spec{Width: 64, Format: variant.PNG}},
		{"large", []string{"icons/sword-a.avif", "icons/sword-b.avif"}, variant.Spec{Width: 512, Height: 256, Fit: variant.Contain, Background: "#112233", Format: variant.AVIF}},
	}
	if diff := cmp.Diff(want, variantsOf(`image.icon["sword"]`)); diff != "" {
		t.Errorf("image.icon[\"sword\"]'s variants (-want +got):\n%s", diff)
	}
	// An image with variants needs no output of its own.
	a, _ := ParseAddress(`image.icon["shield"]`)
	if img := cfg.Lookup(a); len(img.Outputs) != 0 || len(img.Variants) != 2 {
		t.Errorf("image.icon[\"shield\"]: outputs %v, %d variants", img.Outputs, len(img.Variants))
	}
}

func TestVariantDiagnostics(t *testing.T) {
	for name, tc := range map[string]struct {
		src  string
		want []diag
	}{
		"unknown fit": {`
image "a" {
  prompt = "x"
  variant "v" {
    output = "a.webp"
    width  = 200
    height = 100
    fit    = "squash"
  }
}`, []diag{{Summary: "Invalid variant", File: "main.img.hcl", Line: 8, Detail: `"squash" is not a fit`}}},
		"anchor without cover": {`
image "a" {
  prompt = "x"
  variant "v" {
    output = "a.webp"
    width  = 200
    height = 100
    fit    = "contain"
    anchor = "top"
  }
}`, []diag{{Summary: "Invalid variant", File: "main.img.hcl", Line: 9, Detail: `anchor applies only to fit = "cover"`}}},
		"width out of range": {`
image "a" {
  prompt = "x"
  variant "v" {
    output = "a.png"
    width  = 8
  }
}`, []diag{{Summary: "Invalid variant", File: "main.img.hcl", Line: 6, Detail: "8 is out of range"}}},
		"larger than the image without upscale": {`
image "a" {
  prompt = "x"
  variant "v" {
    output = "a.jpg"
    width  = 1200
  }
}`, []diag{{Summary: "Invalid variant", File: "main.img.hcl", Line: 6, Detail: "set upscale = true"}}},
		"two variants writing one path": {`
image "a" {
  prompt = "x"
  output = "a.png"
  variant "v" {
    output = "a-small.webp"
    width  = 100
  }
  variant "w" {
    output = "a-small.webp"
    width  = 200
  }
}`, []diag{{Summary: "Duplicate output path", File: "main.img.hcl", Line: 10, Detail: `image.a variant "w" writes "a-small.webp", the output of image.a variant "v"`}}},
		"a variant writing the image's output": {`
image "a" {
  prompt = "x"
  output = "a.png"
  variant "v" {
    output = "a.png"
    width  = 100
  }
}`, []diag{{Summary: "Duplicate output path", File: "main.img.hcl", Line: 6, Detail: `the output of image.a declared at`}}},
		"unsupported extension": {`
image "a" {
  prompt = "x"
  variant "v" {
    output = "a.gif"
    width  = 100
  }
}`, []diag{{Summary: "Unsupported output format", File: "main.img.hcl", Line: 5, Detail: ".avif, .jpeg, .jpg, .png, .webp"}}},
		"duplicate variant names": {`
image "a" {
  prompt = "x"
  variant "v" {
    output = "a.webp"
  }
  variant "v" {
    output = "b.webp"
  }
}`, []diag{{Summary: "Duplicate variant", File: "main.img.hcl", Line: 7, Detail: `already has a variant named "v"`}}},
		"samples without sample in the path": {`
image "a" {
  prompt  = "x"
  samples = 2
  variant "v" {
    output = "a.webp"
  }
}`, []diag{{Summary: "Too few output paths", File: "main.img.hcl", Line: 6, Detail: "${sample}"}}},
		"dynamic block of another type": {`
image "a" {
  prompt = "x"
  output = "a.png"
  dynamic "lifecycle" {
    for_each = [1]
    content {}
  }
}`, []diag{{Summary: "Unsupported dynamic block", File: "main.img.hcl", Line: 5, Detail: `"lifecycle" is not a block type`}}},
		"quality of a PNG": {`
image "a" {
  prompt = "x"
  variant "v" {
    output  = "a.png"
    quality = 80
  }
}`, []diag{{Summary: "Invalid variant", File: "main.img.hcl", Line: 6, Detail: "quality applies only to lossy formats"}}},
		"a WebP output for the image itself": {`
image "a" {
  prompt = "x"
  output = "a.webp"
}`, []diag{{Summary: "Unsupported output format", File: "main.img.hcl", Line: 4, Detail: "made from the image by a variant block"}}},
		"a dynamic variant's error names its line": {`
image "a" {
  prompt = "x"
  dynamic "variant" {
    for_each = [1, 2]
    labels   = ["x${variant.value}"]
    content {
      output = "a@${variant.value}x.webp"
      width  = 3000 * variant.value
    }
  }
}`, []diag{
			{Summary: "Invalid variant", File: "main.img.hcl", Line: 9, Detail: `Variant "x1": 3000 is wider than the source's 1024 pixels`},
			{Summary: "Invalid variant", File: "main.img.hcl", Line: 9, Detail: `Variant "x2": 6000 is out of range`},
		}},
	} {
		t.Run(name, func(t *testing.T) {
			dir := writeArchive(t, "-- main.img.hcl --\n"+tc.src+"\n") // the file starts with an empty line
			_, diags := Load(t.Context(), dir, Options{})
			if diff := cmp.Diff(tc.want, summarize(dir, diags, tc.want)); diff != "" {
				t.Errorf("diagnostics (-want +got):\n%s", diff)
			}
		})
	}
}
