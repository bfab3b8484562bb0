variable "name" {
  type        = string
  description = "Full secret name, /<env>/<app>/<scope>/<name>."

  validation {
    condition     = can(regex("^/[a-z][a-z0-9-]*/[a-z][a-z0-9-]*/[a-z][a-z0-9_-]*/[A-Za-z0-9_.+=@-]+$", var.name)) && length(var.name) <= 512
    error_message = "The secret name must look like /<env>/<app>/<scope>/<name> (e.g. /prod/payments/secrets/stripe_api_key), at most 512 characters."
  }
}

variable "description" {
  type        = string
  description = "What the secret is for."
  default     = ""
}

variable "kms_key_id" {
  type        = string
  description = "KMS key ARN or ID to encrypt the secret; null uses the AWS managed key aws/secretsmanager."
  default     = null
}

variable "recovery_window_in_days" {
  type        = number
  description = "Days a deleted secret can be restored (7-30), or 0 to delete at once (sandbox and tests)."
  default     = 30

  validation {
    condition     = var.recovery_window_in_days == 0 || (var.recovery_window_in_days >= 7 && var.recovery_window_in_days <= 30)
    error_message = "recovery_window_in_days must be 0 or between 7 and 30."
  }
}

variable "tags" {
  type        = map(string)
  description = "Tags for the secret."
  default     = {}
}
