# The naming rules of /<env>/<app>/<scope>/<name>, stated once: the stack is the one place
# that composes names, so it is the one validator of them. The modules take full names
# and check only what AWS itself requires of a name (lengths, reserved prefixes).
variable "env" {
  type        = string
  description = "Environment, the first segment of every name (/<env>/<app>/<scope>/<name>)."

  validation {
    condition     = can(regex("^[a-z][a-z0-9-]{0,15}$", var.env))
    error_message = "env must be 1-16 lowercase letters, digits or hyphens, starting with a letter (e.g. prod)."
  }
}

variable "app" {
  type        = string
  description = "Application, the second segment of every name."

  validation {
    condition     = can(regex("^[a-z][a-z0-9-]{0,31}$", var.app))
    error_message = "app must be 1-32 lowercase letters, digits or hyphens, starting with a letter (e.g. payments)."
  }
}

variable "region" {
  type        = string
  description = "AWS region of every resource."

  validation {
    condition     = can(regex("^[a-z]{2,4}(-[a-z]+)+-[0-9]+$", var.region))
    error_message = "region must be an AWS region name such as us-east-1 or eu-central-2."
  }
}

variable "secrets" {
  type = map(object({
    description = optional(string, "")
  }))
  description = "Secrets Manager secrets keyed by \"<scope>/<name>\"; created empty, values set with make put-secret."
  default     = {}

  validation {
    condition     = alltrue([for key in keys(var.secrets) : can(regex("^[a-z][a-z0-9_-]*/[A-Za-z0-9_.+=@-]+$", key)) && !contains([".", ".."], try(split("/", key)[1], ""))])
    error_message = "Each secrets key must be \"<scope>/<name>\" (one slash, no leading slash, name not . or ..; + = @ also allowed), e.g. \"secrets/stripe_api_key\"."
  }
}

variable "parameters" {
  type = map(object({
    type        = optional(string, "String")
    value       = string
    description = optional(string, "")
  }))
  description = "Configuration parameters (String, StringList) keyed by \"<scope>/<name>\"; their values are in plans and state, so never a secret."
  default     = {}

  validation {
    condition     = alltrue([for key in keys(var.parameters) : can(regex("^[a-z][a-z0-9_-]*/[A-Za-z0-9_.-]+$", key)) && !contains([".", ".."], try(split("/", key)[1], ""))])
    error_message = "Each parameters key must be \"<scope>/<name>\" (one slash, no leading slash, name not . or ..), e.g. \"config/api_base_url\"."
  }
}

variable "secure_parameters" {
  type = map(object({
    description = optional(string, "")
  }))
  description = "SecureString parameters keyed by \"<scope>/<name>\": declared here, created with their value by make put-secret, never by Terraform."
  default     = {}

  validation {
    condition     = alltrue([for key in keys(var.secure_parameters) : can(regex("^[a-z][a-z0-9_-]*/[A-Za-z0-9_.-]+$", key)) && !contains([".", ".."], try(split("/", key)[1], ""))])
    error_message = "Each secure_parameters key must be \"<scope>/<name>\" (one slash, no leading slash, name not . or ..), e.g. \"secrets/db_password\"."
  }

  validation {
    condition     = length(setintersection(keys(var.parameters), keys(var.secure_parameters))) == 0
    error_message = "A key is in both parameters and secure_parameters (one name, two parameters): keep it in one map only."
  }
}

variable "kms_key_arn" {
  type        = string
  description = "A customer-managed KMS key for the app's secrets and SecureStrings; null uses the AWS managed keys (aws/secretsmanager, aws/ssm)."
  default     = null

  validation {
    condition     = var.kms_key_arn == null || can(regex("^arn:aws[a-z-]*:kms:[a-z0-9-]+:[0-9]{12}:key/[0-9a-f-]+$", var.kms_key_arn))
    error_message = "kms_key_arn must be a KMS key ARN (arn:aws:kms:<region>:<account>:key/<id>): the read policy scopes kms:Decrypt to it."
  }
}

variable "rotation" {
  type = object({
    enabled = optional(bool, false)
    days    = optional(number, 30)
  })
  description = "Opt-in: rotate the app's secrets with the rotation function in lambda_src/rotation.py (a second function from the same package)."
  default     = {}
}

variable "package_path" {
  type        = string
  description = "Path of the function's zip."
}

variable "runtime" {
  type        = string
  description = "Python runtime of the function."
  default     = "python3.12"
}

variable "architecture" {
  type        = string
  description = "arm64 or x86_64."
  default     = "arm64"
}

variable "memory_size" {
  type        = number
  description = "Function memory in MB."
  default     = 256
}

variable "timeout" {
  type        = number
  description = "Function timeout in seconds."
  default     = 10
}

variable "extension_layer_arn" {
  type        = string
  description = "Whole extension layer ARN; null computes it from region and architecture."
  default     = null
}

variable "extension" {
  type        = any
  description = "Settings of the Parameters and Secrets extension (see the function module's extension input)."
  default     = {}
}

variable "log_retention_days" {
  type        = number
  description = "Days to keep the function's logs."
  default     = 30
}

variable "recovery_window_in_days" {
  type        = number
  description = "Recovery window of deleted secrets (0 deletes at once)."
  default     = 30
}

variable "tags" {
  type        = map(string)
  description = "Tags for every resource."
  default     = {}
}
