variable "name" {
  type        = string
  description = "Full secret name, /<env>/<app>/<scope>/<name>."


  validation {
    condition     = length(var.name) <= 512
    error_message = "A Secrets Manager secret name has at most 512 characters (CreateSecret); this one has ${length(var.name)}: ${substr(var.name, 0, 80)}..."
  }
}

variable "description" {
  type        = string
  description = "What the secret is for."
  default     = ""
}

variable "kms_key_id" {
  type        = string
  description = "ARN of a customer-managed KMS key to encrypt the secret; null uses the AWS managed key aws/secretsmanager."
  default     = null
}

variable "recovery_window_in_days" {
  type        = number
  description = "Days a deleted secret can be restored (7-30), or 0 to delete at once (sandbox and tests). Its name stays taken during the window."
  default     = 30

  validation {
    condition     = var.recovery_window_in_days == 0 || (var.recovery_window_in_days >= 7 && var.recovery_window_in_days <= 30)
    error_message = "recovery_window_in_days must be 0 or between 7 and 30."
  }
}

variable "secret_string_wo" {
  type        = string
  description = "Opt-in: the value, write-only (never in plan or state). Give it from an ephemeral source; set secret_string_wo_version with it."
  default     = null
  sensitive   = true
  ephemeral   = true
}

variable "secret_string_wo_version" {
  type        = number
  description = "Opt-in: version of secret_string_wo; bump it to write a new value. null (default) means the value is set out-of-band."
  default     = null

  validation {
    condition     = var.secret_string_wo_version == null || try(var.secret_string_wo_version >= 1 && floor(var.secret_string_wo_version) == var.secret_string_wo_version, false)
    error_message = "secret_string_wo_version must be a whole number from 1; bump it each time secret_string_wo changes."
  }
}

variable "enable_rotation" {
  type        = bool
  description = "Opt-in: rotate the secret with rotation_lambda_arn every rotation_days (a separate switch, so it is known at plan time even when the function is created in the same apply)."
  default     = false
}

variable "rotation_lambda_arn" {
  type        = string
  description = "ARN of the rotation function, needed when enable_rotation is true."
  default     = null

  validation {
    condition     = var.rotation_lambda_arn == null || can(regex("^arn:aws[a-z-]*:lambda:[a-z0-9-]+:[0-9]{12}:function:[A-Za-z0-9_-]+$", var.rotation_lambda_arn))
    error_message = "rotation_lambda_arn must be a Lambda function ARN (arn:aws:lambda:<region>:<account>:function:<name>)."
  }

  validation {
    condition     = !var.enable_rotation || var.rotation_lambda_arn != null
    error_message = "enable_rotation = true needs rotation_lambda_arn."
  }
}

variable "rotation_days" {
  type        = number
  description = "Days between rotations when rotation is on (1-1000; checkov expects at most 90). Ignored when rotation_schedule_expression is set."
  default     = 30

  validation {
    condition     = var.rotation_days >= 1 && var.rotation_days <= 1000
    error_message = "rotation_days must be 1 to 1000."
  }
}

variable "rotation_schedule_expression" {
  type        = string
  description = "Opt-in: a rotation schedule as rate(N days|hours) or cron(...) (Secrets Manager's schedule expressions), instead of rotation_days."
  default     = null

  validation {
    condition     = var.rotation_schedule_expression == null || can(regex("^(rate\\([0-9]+ (hours?|days?)\\)|cron\\(.+\\))$", var.rotation_schedule_expression))
    error_message = "rotation_schedule_expression must be rate(N days), rate(N hours) or cron(...), e.g. \"rate(10 days)\" or \"cron(0 16 1,15 * ? *)\"."
  }
}

variable "rotation_duration" {
  type        = string
  description = "Opt-in: the rotation window, e.g. \"3h\" (Secrets Manager's duration; null: the service's default)."
  default     = null

  validation {
    condition     = var.rotation_duration == null || can(regex("^[0-9]+h$", var.rotation_duration))
    error_message = "rotation_duration must be a whole number of hours such as \"3h\"."
  }
}

variable "rotate_immediately" {
  type        = bool
  description = "Rotate once as soon as rotation is configured (the provider's default is true); false waits for the schedule."
  default     = true
}

variable "replicas" {
  type = list(object({
    region     = string
    kms_key_id = optional(string)
  }))
  description = "Opt-in: regions to replicate the secret to (each replica is billed as a secret)."
  default     = []

  validation {
    condition     = alltrue([for r in var.replicas : can(regex("^[a-z]{2,4}(-[a-z]+)+-[0-9]+$", r.region))]) && length(distinct([for r in var.replicas : r.region])) == length(var.replicas)
    error_message = "Each replica needs a distinct AWS region name such as eu-west-1."
  }
}

variable "policy_json" {
  type        = string
  description = "Opt-in: a resource policy for the secret (JSON). Public policies are always blocked."
  default     = null

  validation {
    condition     = var.policy_json == null || can(jsondecode(var.policy_json).Statement)
    error_message = "policy_json must be a JSON policy document with a Statement."
  }
}

variable "tags" {
  type        = map(string)
  description = "Tags for the secret."
  default     = {}
}
