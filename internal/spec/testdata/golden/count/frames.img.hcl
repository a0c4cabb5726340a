locals {
  moods = ["calm", "stormy", "foggy"]
}

# count makes image.frame[0], [1] and [2].
image "frame" {
  count  = length(local.moods)
  prompt = "lighthouse, ${element(local.moods, count.index)} sea, frame ${count.index + 1}"
  output = format("frames/%02d.png", count.index)
}

# count = 0 declares no image.
image "disabled" {
  count  = 0
  prompt = "never"
  output = "disabled.png"
}

# A number given as a string is converted, as in Terraform.
image "pair" {
  count  = "2"
  prompt = "pair ${count.index}"
  output = "pair-${count.index}.png"
}
