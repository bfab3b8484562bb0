variable "parameters" {
  type = map(object({
    type        = string
    value       = string
    description = optional(string, "")
    tier        = optional(string, "Standard")
  }))
  description = "Configuration parameters keyed by full name (/<env>/<app>/<scope>/<name>). Values here end up in plans and state: never put a secret in them."

  validation {
    condition     = alltrue([for name, p in var.parameters : contains(["String", "StringList"], p.type)])
    error_message = "type must be String or StringList. A SecureString holds a secret: declare it in the stack's secure_parameters and set it with make put-secret."
  }

  validation {
    condition     = alltrue([for name in keys(var.parameters) : can(regex("^/[a-z][a-z0-9-]*/[a-z][a-z0-9-]*/[a-z][a-z0-9_-]*/[A-Za-z0-9_.-]+$", name)) && length(name) <= 1011])
    error_message = "Each parameter name must look like /<env>/<app>/<scope>/<name> (e.g. /dev/payments/config/api_base_url)."
  }

  validation {
    condition     = alltrue([for p in var.parameters : contains(["Standard", "Advanced"], p.tier)])
    error_message = "tier must be Standard or Advanced."
  }
}

variable "tags" {
  type        = map(string)
  description = "Tags for every parameter."
  default     = {}
}
