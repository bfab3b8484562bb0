variable "sandbox_endpoint" {
  type        = string
  description = "URL of the moto server (set by make from SANDBOX_PORT)."
}

variable "region" {
  type        = string
  description = "Region the sandbox pretends to be."
  default     = "us-east-1"
}

variable "app" {
  type        = string
  description = "App segment of the names."
}

variable "secrets" {
  type        = map(object({ description = optional(string, "") }))
  description = "Secrets Manager secrets keyed by \"<scope>/<name>\" (see the stack's secrets input)."
  default     = {}
}

variable "parameters" {
  type = map(object({
    type        = optional(string, "String")
    value       = string
    description = optional(string, "")
  }))
  description = "Configuration parameters keyed by \"<scope>/<name>\" (see the stack's parameters input)."
  default     = {}
}

variable "secure_parameters" {
  type        = map(object({ description = optional(string, "") }))
  description = "SecureString parameters keyed by \"<scope>/<name>\" (see the stack's secure_parameters input)."
  default     = {}
}

variable "customer_managed_key" {
  type        = bool
  description = "Encrypt the secrets and SecureStrings with a KMS key made in the sandbox (the emulation then checks kms:Decrypt as KMS does)."
  default     = false
}
