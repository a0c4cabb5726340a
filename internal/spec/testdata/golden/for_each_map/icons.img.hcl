# for_each over a map: each.key names the instance, each.value holds its
# settings. Keys may hold any text; the addresses quote them.
locals {
  icons = {
    home           = { subject = "a house", steps = 8 }
    "user profile" = { subject = "a person", steps = 9 }
    "café"         = { subject = "a coffee cup", steps = 10 }
    "say \"hi\""   = { subject = "a speech bubble", steps = 11 }
    "$${literal}"  = { subject = "a dollar sign", steps = 12 }
  }
}

image "icon" {
  for_each            = local.icons
  prompt              = "flat icon of ${each.value.subject}, key ${each.key}"
  num_inference_steps = each.value.steps
  output              = "icons/${replace(each.key, "/[^a-z]+/", "-")}.png"
}

# A map literal written in place, with string values.
image "banner" {
  for_each = {
    summer = "beach at noon"
    winter = "snowy forest"
  }
  prompt = each.value
  output = "banners/${each.key}.jpg"
}

# An empty map declares no image at all.
image "none" {
  for_each = {}
  prompt   = "never"
  output   = "never/${each.key}.png"
}
