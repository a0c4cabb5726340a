defaults {
  negative_prompt = file("prompts/negative.txt")
}

# file() reads relative to the configuration directory; the text is kept
# as it is, newlines included.
image "kite" {
  prompt = file("prompts/kite.txt")
  output = "kite.png"
}

image "toy" {
  for_each = toset(["boat", "kite"])
  prompt   = trimspace(file("prompts/${each.key}.txt"))
  output   = "toys/${each.key}.png"
}

image "guarded" {
  prompt = fileexists("prompts/missing.txt") ? file("prompts/missing.txt") : "fallback prompt"
  output = "guarded.png"
}
