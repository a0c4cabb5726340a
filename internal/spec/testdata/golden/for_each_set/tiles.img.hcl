variable "materials" {
  type    = list(string)
  default = ["wood", "stone", "wood", "grass"]
}

# A set of strings: each.key and each.value are the same string, and a
# repeated element declares one image.
image "tile" {
  for_each = toset(var.materials)
  prompt   = "seamless ${each.value} texture"
  output   = "tiles/${each.key}.png"
}

image "badge" {
  for_each = setunion(["gold", "silver"], ["bronze"])
  prompt   = upper(each.key)
  seed     = 42
  output   = "badges/${each.value}.png"
}
