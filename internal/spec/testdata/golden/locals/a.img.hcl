locals {
  style   = "${local.palette}, ${local.medium}"
  subject = "a fox"
  prompt  = "${local.subject} in the snow, ${local.style}"
}

image "fox" {
  prompt = local.prompt
  output = "${local.folder}/fox.png"
}
