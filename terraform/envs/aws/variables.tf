# Typed inputs of the real-AWS root. The stack validates the naming rules
# (/<env>/<app>/<scope>/<name>) and the function module the extension's settings; the
# types here make a wrong shape in a .tfvars file fail at once, with its line.

variable "region" {
  type        = string
  description = "AWS region to deploy to."
}

variable "env" {
  type        = string
  description = "Environment segment of the names: the .tfvars file's name, set by make (never in the file)."
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
  type = object({
    cache_enabled                      = optional(bool)
    cache_size                         = optional(number)
    http_port                          = optional(number)
    max_connections                    = optional(number)
    log_level                          = optional(string)
    secrets_manager_ttl                = optional(number)
    ssm_parameter_store_ttl            = optional(number)
    secrets_manager_timeout_millis     = optional(number)
    ssm_parameter_store_timeout_millis = optional(number)
  })
  description = "Settings of the Parameters and Secrets extension (omitted: AWS's defaults; see the function module)."
  default     = {}
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
