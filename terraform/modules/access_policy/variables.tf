variable "region" {
  type        = string
  description = "Region of the parameters and secrets."
}

variable "parameter_paths" {
  type        = list(string)
  description = "SSM paths the function may read, each /<env>/<app>/<scope> (no trailing slash)."
  default     = []

  validation {
    condition     = alltrue([for p in var.parameter_paths : can(regex("^/[a-z][a-z0-9-]*/[a-z][a-z0-9-]*/[a-z][a-z0-9_-]*$", p))])
    error_message = "Each path must be /<env>/<app>/<scope> with no trailing slash and no wildcard (e.g. /prod/payments/config); a shorter path would grant a whole app or environment."
  }
}

variable "secret_paths" {
  type        = list(string)
  description = "Secrets Manager name paths the function may read, each /<env>/<app>/<scope>."
  default     = []

  validation {
    condition     = alltrue([for p in var.secret_paths : can(regex("^/[a-z][a-z0-9-]*/[a-z][a-z0-9-]*/[a-z][a-z0-9_-]*$", p))])
    error_message = "Each path must be /<env>/<app>/<scope> with no trailing slash and no wildcard (e.g. /prod/payments/secrets)."
  }
}
