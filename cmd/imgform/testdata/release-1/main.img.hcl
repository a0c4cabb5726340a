# A configuration applied by the first release of imgform (commit ebe48de)
# and kept with the state and files it wrote: the current imgform must
# read that state and plan it clean. See README.md beside it.
variable "season" {
  default = "winter"
}

locals {
  style = "flat vector, game icon"
}

defaults {
  num_inference_steps = 8
  negative_prompt     = "blurry, low quality"
}

image "hero" {
  prompt         = "castle on a cliff at dusk, cinematic, highly detailed"
  seed           = 1220429729
  guidance_scale = 1.5
  scheduler      = "DPM++ 2M Karras"
  output         = "assets/hero.png"
}

image "icon" {
  for_each = toset(["sword", "shield"])
  prompt   = "a ${each.key}, ${local.style}"
  output   = "icons/${each.key}.png"
}

image "tile" {
  count  = 2
  prompt = "floor tile ${count.index} in ${var.season}"
  output = "tiles/${count.index}.jpg"
}

image "pair" {
  prompt  = "two shots of a lighthouse"
  samples = 2
  outputs = ["pair/1.png", "pair/2.png"]
}

image "chance" {
  prompt = "a surprise"
  seed   = -1
  output = "chance.png"
}

image "sketch" {
  prompt = "a rough sketch"
  output = "sketch.png"
}

image "adopted" {
  prompt = "a file someone made by hand"
  output = "adopted.png"
}
