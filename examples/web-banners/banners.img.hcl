# Seasonal web banners. The prompts live in prompts/*.txt; the brand and
# season come from a variables file per environment:
#
#   imgform plan --var-file staging.vars.hcl
#   imgform apply --var-file prod.vars.hcl
#
# Changing the season replaces every banner; changing it back costs
# nothing, because the content cache still holds the earlier images.

locals {
  palette = {
    spring = "fresh greens and blossom pinks"
    summer = "bright sunlit yellows and ocean blues"
    autumn = "warm oranges and deep reds"
    winter = "cool blues and crisp whites"
  }
  look = "${lookup(local.palette, var.season, "natural colours")}, ${var.season} mood"
}

image "hero_banner" {
  prompt          = format("%s, for the brand %s, %s", trimspace(file("prompts/hero.txt")), var.brand, local.look)
  negative_prompt = "text, letters, watermark"
  samples         = 2
  outputs = [
    "banners/${var.season}/hero-a.png",
    "banners/${var.season}/hero-b.png",
  ]
}

image "sidebar" {
  prompt  = format("%s, for the brand %s, %s", trimspace(file("prompts/sidebar.txt")), var.brand, local.look)
  samples = 2
  outputs = [
    "banners/${var.season}/sidebar-a.jpg",
    "banners/${var.season}/sidebar-b.jpg",
  ]
}
