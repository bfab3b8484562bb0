variable "region" {
  type        = string
  description = "Region of the parameters and secrets."
}

variable "parameter_paths" {
  type        = list(string)
  description = "SSM paths the function may read, each /<env>/<app>/<scope> (no trailing slash)."
  default     = []

  validation {
    condition     = alltrue([for p in var.parameter_paths : can(regex("^(/[^/*?]+){2,3}$", p))])
    error_message = "Each path must be /<env>/<app>/<scope> (e.g. /prod/payments/config): no trailing slash, no wildcard, no double slash."
  }

  validation {
    condition     = var.allow_broad_paths || alltrue([for p in var.parameter_paths : length(split("/", p)) == 4])
    error_message = "A path shorter than /<env>/<app>/<scope> grants a whole app: give the scope, or set allow_broad_paths = true on purpose."
  }
}

variable "secret_paths" {
  type        = list(string)
  description = "Secrets Manager name paths the function may read, each /<env>/<app>/<scope>."
  default     = []

  validation {
    condition     = alltrue([for p in var.secret_paths : can(regex("^(/[^/*?]+){2,3}$", p))])
    error_message = "Each path must be /<env>/<app>/<scope> (e.g. /prod/payments/secrets): no trailing slash, no wildcard, no double slash."
  }

  validation {
    condition     = var.allow_broad_paths || alltrue([for p in var.secret_paths : length(split("/", p)) == 4])
    error_message = "A path shorter than /<env>/<app>/<scope> grants a whole app: give the scope, or set allow_broad_paths = true on purpose."
  }
}

variable "parameter_names" {
  type        = list(string)
  description = "Whole SSM parameter names the function may read, outside the paths (e.g. the app's manifest /<env>/<app>/manifest)."
  default     = []

  validation {
    condition     = alltrue([for n in var.parameter_names : can(regex("^(/[^/*?]+){2,}$", n))])
    error_message = "Each parameter name must be a whole name such as /prod/payments/manifest: no wildcard, no trailing slash."
  }
}

variable "allow_broad_paths" {
  type        = bool
  description = "Allow /<env>/<app> paths (every scope of the app). A path that grants a whole environment or account is never allowed."
  default     = false
}

variable "kms_key_arns" {
  type        = list(string)
  description = "Customer-managed KMS keys of the secrets and SecureStrings; kms:Decrypt is allowed on exactly these, via SSM and Secrets Manager only."
  default     = []

  validation {
    condition     = alltrue([for k in var.kms_key_arns : can(regex("^arn:aws[a-z-]*:kms:[a-z0-9-]+:[0-9]{12}:key/[0-9a-f-]+$", k))])
    error_message = "Each KMS key must be a key ARN (arn:aws:kms:<region>:<account>:key/<id>), not an alias or \"*\"."
  }
}
