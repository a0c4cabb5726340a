# An RPG item set: one image per entry of local.items. Adding an item to
# the map plans exactly one new image; nothing else is regenerated.

locals {
  style = "game item icon, centered, isometric, hand-painted, soft rim light, dark vignette background"

  items = {
    sword  = "a steel longsword with a leather-wrapped hilt"
    shield = "a round wooden shield with an iron boss"
    potion = "a glass potion bottle of glowing red liquid"
    bow    = "a recurve bow of pale yew with a linen string"
    helmet = "a horned bronze helmet"
  }
}

# Every image inherits these unless it sets its own.
defaults {
  scheduler           = "DPM++ 2M Karras"
  num_inference_steps = 8
  guidance_scale      = 1.5
  negative_prompt     = "text, watermark, blurry, cropped"
}

image "icon" {
  for_each = local.items

  prompt = "${each.value}, ${local.style}"
  output = "icons/${each.key}.png"
}
