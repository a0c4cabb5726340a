variable "brand" {
  type        = string
  description = "The brand the banners advertise."
}

variable "season" {
  type        = string
  default     = "spring"
  description = "The campaign season: spring, summer, autumn or winter."
}
