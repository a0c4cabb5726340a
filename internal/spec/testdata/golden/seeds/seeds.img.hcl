# An explicit seed is kept.
image "explicit" {
  prompt = "x"
  seed   = 1220429729
  output = "explicit.png"
}

# No seed: one is derived from the address, so the image is reproducible.
image "derived" {
  prompt = "x"
  output = "derived.png"
}

# -1 asks for a random seed, chosen and recorded when the image is made.
image "random" {
  prompt = "x"
  seed   = -1
  output = "random.png"
}

# The largest seed the model accepts, and 0.
image "edges" {
  for_each = { max = 999999999999999, zero = 0 }
  prompt   = "x"
  seed     = each.value
  output   = "edges/${each.key}.png"
}

# Derived seeds differ per instance.
image "derived_each" {
  count  = 2
  prompt = "x"
  output = "derived/${count.index}.png"
}
