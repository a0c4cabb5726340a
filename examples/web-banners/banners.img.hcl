# Seasonal web banners. The prompts live in prompts/*.txt; the brand and
# season come from a variables file per environment:
#
#   imgform plan --var-file staging.vars.hcl
#   imgform apply --var-file prod.vars.hcl
#
# Changing the season replaces every banner; changing it back costs
# nothing, because the content cache still holds the earlier images.
#
# What the site ships is derived from the banners, for free: a social card
# per sample, and the banner as WebP at two widths for srcset (a dynamic
# block, one variant per width). Changing a width or a quality derives
# those files again and asks the API for nothing.

locals {
  palette = {
    spring = "fresh greens and blossom pinks"
    summer = "bright sunlit yellows and ocean blues"
    autumn = "warm oranges and deep reds"
    winter = "cool blues and crisp whites"
  }
  look = "${lookup(local.palette, var.season, "natural colours")}, ${var.season} mood"

  # The widths the site's srcset asks for.
  widths = [480, 960]
}

image "hero_banner" {
  prompt          = format("%s, for the brand %s, %s", trimspace(file("prompts/hero.txt")), var.brand, local.look)
  negative_prompt = "text, letters, watermark"
  samples         = 2
  outputs = [
    "banners/${var.season}/hero-a.png",
    "banners/${var.season}/hero-b.png",
  ]

  variant "social" {
    output  = "banners/${var.season}/hero-${sample}-social.jpg"
    width   = 1200
    height  = 630
    upscale = true
  }

  dynamic "variant" {
    for_each = local.widths
    labels   = ["w${variant.value}"]
    content {
      output  = "banners/${var.season}/hero-${sample}-${variant.value}w.webp"
      width   = variant.value
      quality = 80
    }
  }
}

image "sidebar" {
  prompt  = format("%s, for the brand %s, %s", trimspace(file("prompts/sidebar.txt")), var.brand, local.look)
  samples = 2
  outputs = [
    "banners/${var.season}/sidebar-a.jpg",
    "banners/${var.season}/sidebar-b.jpg",
  ]
}
