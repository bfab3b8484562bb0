variable "region" {
  type        = string
  description = "AWS region to deploy to."
}

variable "env" {
  type        = string
  description = "Environment segment of the names."
}

variable "app" {
  type        = string
  description = "App segment of the names."
}

variable "architecture" {
  type        = string
  description = "arm64 or x86_64."
  default     = "arm64"
}

variable "extension" {
  type        = any
  description = "Settings of the Parameters and Secrets extension."
  default     = {}
}

variable "secrets" {
  type        = any
  description = "See the stack's secrets input."
  default     = {}
}

variable "parameters" {
  type        = any
  description = "See the stack's parameters input."
  default     = {}
}

variable "secure_parameters" {
  type        = any
  description = "See the stack's secure_parameters input."
  default     = {}
}
