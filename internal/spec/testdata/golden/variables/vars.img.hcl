# Values come from, in increasing precedence: the default, IMGFORM_VAR_*,
# each --var-file in order, each --var in order.
variable "only_default" {
  default = "from default"
}
variable "env" {
  default = "from default"
}
variable "env_file" {
  default = "from default"
}
variable "env_file_cli" {
  default = "from default"
}
variable "two_files" {
  description = "Set in both var files: the later file wins."
}
variable "json_file" {}
variable "cli_twice" {}
variable "env_only" {}

variable "steps" {
  type    = number
  default = 7
}
variable "tags" {
  type    = list(string)
  default = []
}
variable "style" {
  type = object({
    scheduler = string
    guidance  = optional(number, 2)
  })
  default = { scheduler = "Euler" }
}

image "value" {
  for_each = {
    only_default = var.only_default
    env          = var.env
    env_file     = var.env_file
    env_file_cli = var.env_file_cli
    two_files    = var.two_files
    json_file    = var.json_file
    cli_twice    = var.cli_twice
    env_only     = var.env_only
  }
  prompt = each.value
  output = "values/${each.key}.png"
}

image "typed" {
  prompt              = join(", ", var.tags)
  num_inference_steps = var.steps
  scheduler           = var.style.scheduler
  guidance_scale      = var.style.guidance
  output              = "typed.png"
}
