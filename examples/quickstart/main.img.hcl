# The smallest useful imgform project: three images, no variables.
# Try it without a key:   imgform apply --offline
# With the real API:      SEGMIND_API_KEY=... imgform apply

image "hero" {
  prompt          = "castle on a cliff at dusk, cinematic lighting, highly detailed"
  negative_prompt = "blurry, low quality"
  seed            = 1220429729
  output          = "assets/hero.png"
}

image "logo" {
  prompt              = "minimal flat logo of a paper crane, vector style, white background"
  num_inference_steps = 8
  output              = "assets/logo.png"
}

image "background" {
  prompt         = "soft abstract gradient of teal and orange, smooth, wallpaper"
  guidance_scale = 2
  output         = "assets/background.jpg"
}
