# Locals may refer to locals of another file, in any order.
variable "theme" {
  default = "Winter"
}

locals {
  palette = lower("${var.theme} palette")
  medium  = title("watercolour")
  folder  = "art/${lower(var.theme)}"
  sizes   = { small = 6, large = 14 }
}

image "sized" {
  for_each            = local.sizes
  prompt              = "${local.subject}, ${each.key}"
  num_inference_steps = each.value
  output              = "${local.folder}/${each.key}.png"
}
