variable "sandbox_endpoint" {
  type        = string
  description = "URL of the moto server (set by make from SANDBOX_PORT)."
}

variable "region" {
  type        = string
  description = "Region the sandbox pretends to be."
  default     = "us-east-1"
}

variable "env" {
  type        = string
  description = "Environment segment of the names."
}

variable "app" {
  type        = string
  description = "App segment of the names."
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
