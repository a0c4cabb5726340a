# A starter imgform configuration, written by imgform init --example.
# Every *.img.hcl file in this folder is read; commit them and
# imgform.state.json.
#
#   imgform plan --offline    what would be made, with no key and no network
#   imgform apply --offline   placeholders from the built-in renderer, free
#   SEGMIND_API_KEY=... imgform apply
#                             the real images, from the API
#
# The parameters are the NewReality Lightning SDXL model's own (imgform
# validate names them if one is mistyped); these are the model page's
# example settings.

image "hero" {
  prompt              = "castle on a cliff at dusk, cinematic lighting, highly detailed"
  negative_prompt     = "blurry, low quality"
  scheduler           = "DPM++ SDE"
  num_inference_steps = 7
  guidance_scale      = 1
  seed                = 1220429729 # a fixed seed: the same image on every run
  output              = "assets/hero.png"

  # A variant is derived from the generated image at no API cost.
  variant "thumb" {
    output  = "assets/hero-256.webp"
    width   = 256
    quality = 82
  }
}
