# One path per sample, in order; the extension chooses the format.
image "four" {
  prompt  = "a set of four"
  samples = 4
  outputs = ["four/1.png", "four/2.jpg", "four/3.jpeg", "four/4.PNG"]
}

# samples inherited from the defaults block.
defaults {
  samples = 2
}

image "pair" {
  prompt  = "a pair"
  outputs = [for i in range(2) : "pair/${i}.png"]
}

# One sample, written with outputs.
image "single" {
  prompt  = "one"
  samples = 1
  outputs = ["single.png"]
}

# Per instance outputs.
image "per_key" {
  for_each = toset(["a", "b"])
  prompt   = each.key
  outputs  = ["keys/${each.key}-1.png", "keys/${each.key}-2.png"]
}
