defaults {
  negative_prompt     = "blurry, low quality"
  scheduler           = "Euler a"
  num_inference_steps = 12
  guidance_scale      = 2.5
}

# Inherits every default.
image "inherits" {
  prompt = "a quiet harbour"
  output = "inherits.png"
}

# Sets its own values, which win over the defaults.
image "overrides" {
  prompt              = "a busy market"
  negative_prompt     = "text, watermark"
  scheduler           = "DPM++ 2M Karras"
  num_inference_steps = 20
  output              = "overrides.jpg"
}

# null means "not set": the defaults block's value, and where that sets
# nothing, the model's default (and a derived seed).
image "null_is_unset" {
  prompt         = "an empty road"
  scheduler      = null
  guidance_scale = null
  samples        = null
  seed           = null
  img_width      = null
  output         = "null.png"
}
