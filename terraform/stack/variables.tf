# The naming rules of /<env>/<app>/<scope>/<name>, stated once: the stack is the one place
# that composes names, so it is the one validator of them. The modules take full names
# and check only what AWS itself requires of a name (lengths, reserved prefixes).
# Validation messages start with the app's name: a root runs this stack once per app.

########################################
# Where: environment, app, region
########################################

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

########################################
# What the app reads
########################################

variable "secrets" {
  type = map(object({
    description = optional(string, "")
    format      = optional(string, "string")
    rotation = optional(object({
      strategy            = optional(string, "none")
      days                = optional(number)
      schedule_expression = optional(string)
      duration            = optional(string)
      rotate_immediately  = optional(bool)
      lambda_arn          = optional(string)
      fields              = optional(list(string))
      length              = optional(number, 32)
      exclude_characters  = optional(string, "")
      exclude_numbers     = optional(bool, false)
      exclude_punctuation = optional(bool, false)
      exclude_uppercase   = optional(bool, false)
      exclude_lowercase   = optional(bool, false)
      include_space       = optional(bool, false)
      require_each_type   = optional(bool, true)
    }), {})
  }))
  description = <<-EOT
    Secrets Manager secrets keyed by "<scope>/<name>"; created empty, values set with make put-secret.
    format: string (default), json (an object; rotation replaces only its `fields`) or binary.
    rotation.strategy: none (default); generated (the kit's rotation function writes a value from
    GetRandomPassword with the length and character options here, for a json secret only into
    `fields`); lambda (your own rotation function, `lambda_arn`, e.g. for a database). A schedule
    by `days` or `schedule_expression`, with `duration` and `rotate_immediately` (unset: true, but false
    for a json secret with strategy generated: created empty, its object must be put before it can rotate).
  EOT
  default     = {}

  validation {
    condition     = alltrue([for key in keys(var.secrets) : can(regex("^[a-z][a-z0-9_-]*/[A-Za-z0-9_.+=@-]+$", key)) && !contains([".", ".."], try(split("/", key)[1], ""))])
    error_message = "app ${var.app}: each secrets key must be \"<scope>/<name>\" (one slash, no leading slash, name not . or ..; + = @ also allowed), e.g. \"secrets/stripe_api_key\"; found: ${join(", ", [for key in keys(var.secrets) : key if !can(regex("^[a-z][a-z0-9_-]*/[A-Za-z0-9_.+=@-]+$", key)) || contains([".", ".."], try(split("/", key)[1], ""))])}."
  }

  validation {
    condition     = alltrue([for s in var.secrets : contains(["string", "json", "binary"], s.format)])
    error_message = "app ${var.app}: a secret's format must be string, json or binary; found: ${join(", ", [for key, s in var.secrets : "${key} = ${s.format}" if !contains(["string", "json", "binary"], s.format)])}."
  }

  validation {
    condition     = alltrue([for s in var.secrets : contains(["none", "generated", "lambda"], s.rotation.strategy)])
    error_message = "app ${var.app}: rotation.strategy must be none, generated or lambda; found: ${join(", ", [for key, s in var.secrets : "${key} = ${s.rotation.strategy}" if !contains(["none", "generated", "lambda"], s.rotation.strategy)])}."
  }

  validation {
    condition     = alltrue([for s in var.secrets : s.rotation.strategy == "none" || ((s.rotation.days == null) != (s.rotation.schedule_expression == null))])
    error_message = "app ${var.app}: a rotated secret needs exactly one schedule, days or schedule_expression; check: ${join(", ", [for key, s in var.secrets : key if s.rotation.strategy != "none" && ((s.rotation.days == null) == (s.rotation.schedule_expression == null))])}."
  }

  validation {
    condition     = alltrue([for s in var.secrets : (s.rotation.strategy == "lambda") == (s.rotation.lambda_arn != null)])
    error_message = "app ${var.app}: rotation.lambda_arn is needed with strategy = \"lambda\" and only then (generated uses the kit's function); check: ${join(", ", [for key, s in var.secrets : key if(s.rotation.strategy == "lambda") != (s.rotation.lambda_arn != null)])}."
  }

  validation {
    condition     = alltrue([for s in var.secrets : s.rotation.lambda_arn == null || can(regex("^arn:aws[a-z-]*:lambda:[a-z0-9-]+:[0-9]{12}:function:[A-Za-z0-9_-]+$", coalesce(s.rotation.lambda_arn, "-")))])
    error_message = "app ${var.app}: rotation.lambda_arn must be a Lambda function ARN (arn:aws:lambda:<region>:<account>:function:<name>)."
  }

  validation {
    condition     = alltrue([for s in var.secrets : s.rotation.strategy != "generated" || s.format != "json" || length(coalesce(s.rotation.fields, [])) > 0])
    error_message = "app ${var.app}: a json secret with strategy = \"generated\" needs rotation.fields (the keys to replace, e.g. [\"password\"]); without them its other keys would be lost: ${join(", ", [for key, s in var.secrets : key if s.rotation.strategy == "generated" && s.format == "json" && length(coalesce(s.rotation.fields, [])) == 0])}."
  }

  validation {
    condition     = alltrue([for s in var.secrets : s.rotation.fields == null || s.format == "json"])
    error_message = "app ${var.app}: rotation.fields applies to json secrets only (set format = \"json\"): ${join(", ", [for key, s in var.secrets : key if s.rotation.fields != null && s.format != "json"])}."
  }

  validation {
    condition     = alltrue([for s in var.secrets : s.rotation.strategy != "generated" || s.format != "binary"])
    error_message = "app ${var.app}: a binary secret cannot take a generated text value; use strategy = \"lambda\" with your own function: ${join(", ", [for key, s in var.secrets : key if s.rotation.strategy == "generated" && s.format == "binary"])}."
  }

  validation {
    condition     = alltrue([for s in var.secrets : s.rotation.length >= 8 && s.rotation.length <= 4096 && floor(s.rotation.length) == s.rotation.length])
    error_message = "app ${var.app}: rotation.length must be a whole number from 8 to 4096 (GetRandomPassword's PasswordLength)."
  }

  # AWS limit: a secret's name has at most 512 characters (Secrets Manager CreateSecret, Name).
  validation {
    condition     = alltrue([for key in keys(var.secrets) : length("/${var.env}/${var.app}/${key}") <= 512])
    error_message = "app ${var.app}: a Secrets Manager secret name has at most 512 characters, and /${var.env}/${var.app}/ comes before each key; too long: ${join(", ", [for key in keys(var.secrets) : "${key} (${length("/${var.env}/${var.app}/${key}")} characters)" if length("/${var.env}/${var.app}/${key}") > 512])}."
  }
}

variable "parameters" {
  type = map(object({
    type        = optional(string, "String")
    value       = string
    description = optional(string, "")
    tier        = optional(string, "Standard")
  }))
  description = "Configuration parameters (String, StringList) keyed by \"<scope>/<name>\"; their values are in plans and state, so never a secret."
  default     = {}

  validation {
    condition     = alltrue([for key in keys(var.parameters) : can(regex("^[a-z][a-z0-9_-]*/[A-Za-z0-9_.-]+$", key)) && !contains([".", ".."], try(split("/", key)[1], ""))])
    error_message = "app ${var.app}: each parameters key must be \"<scope>/<name>\" (one slash, no leading slash, name not . or ..), e.g. \"config/api_base_url\"."
  }

  validation {
    condition     = alltrue([for p in var.parameters : contains(["String", "StringList"], p.type)])
    error_message = "app ${var.app}: a parameter's type must be String or StringList (a SecureString goes in secure_parameters: its value never passes through Terraform)."
  }

  # AWS limit: a parameter name counts at most 1011 characters with the ARN before it (SSM PutParameter, Name).
  validation {
    condition     = alltrue([for key in keys(var.parameters) : local.ssm_arn_length + length("/${var.env}/${var.app}/${key}") <= 1011])
    error_message = "app ${var.app}: an SSM parameter name counts at most 1011 characters together with its ARN before it (${local.ssm_arn_length} characters here) and /${var.env}/${var.app}/; too long: ${join(", ", [for key in keys(var.parameters) : "${key} (${local.ssm_arn_length + length("/${var.env}/${var.app}/${key}")} characters)" if local.ssm_arn_length + length("/${var.env}/${var.app}/${key}") > 1011])}."
  }
}

variable "secure_parameters" {
  type = map(object({
    description = optional(string, "")
    tier        = optional(string, "Standard")
  }))
  description = "SecureString parameters keyed by \"<scope>/<name>\": declared here, created with their value by make put-secret, never by Terraform. tier Advanced holds up to 8 KB ($0.05 per parameter-month)."
  default     = {}

  validation {
    condition     = alltrue([for key in keys(var.secure_parameters) : can(regex("^[a-z][a-z0-9_-]*/[A-Za-z0-9_.-]+$", key)) && !contains([".", ".."], try(split("/", key)[1], ""))])
    error_message = "app ${var.app}: each secure_parameters key must be \"<scope>/<name>\" (one slash, no leading slash, name not . or ..), e.g. \"secrets/db_password\"."
  }

  validation {
    condition     = length(setintersection(keys(var.parameters), keys(var.secure_parameters))) == 0
    error_message = "app ${var.app}: a key is in both parameters and secure_parameters (one name, two parameters): keep it in one map only."
  }

  validation {
    condition     = alltrue([for p in var.secure_parameters : contains(["Standard", "Advanced"], p.tier)])
    error_message = "app ${var.app}: a SecureString's tier must be Standard (4 KB) or Advanced (8 KB)."
  }

  # AWS limit: as for parameters (a SecureString is an SSM parameter).
  validation {
    condition     = alltrue([for key in keys(var.secure_parameters) : local.ssm_arn_length + length("/${var.env}/${var.app}/${key}") <= 1011])
    error_message = "app ${var.app}: an SSM parameter name counts at most 1011 characters together with its ARN before it (${local.ssm_arn_length} characters here) and /${var.env}/${var.app}/; too long: ${join(", ", [for key in keys(var.secure_parameters) : "${key} (${local.ssm_arn_length + length("/${var.env}/${var.app}/${key}")} characters)" if local.ssm_arn_length + length("/${var.env}/${var.app}/${key}") > 1011])}."
  }
}

variable "kms_key_arn" {
  type        = string
  description = "A customer-managed KMS key for the app's secrets and SecureStrings; null uses the AWS managed keys (aws/secretsmanager, aws/ssm)."
  default     = null

  validation {
    condition     = var.kms_key_arn == null || can(regex("^arn:aws[a-z-]*:kms:[a-z0-9-]+:[0-9]{12}:key/[0-9a-f-]+$", var.kms_key_arn))
    error_message = "app ${var.app}: kms_key_arn must be a KMS key ARN (arn:aws:kms:<region>:<account>:key/<id>): the read policy scopes kms:Decrypt to it."
  }
}

variable "create_kms_key" {
  type        = bool
  description = "Create a customer-managed KMS key for the app's secrets and SecureStrings ($1 per key-month; KMS's default key policy, key rotation on)."
  default     = false

  validation {
    condition     = !(var.create_kms_key && var.kms_key_arn != null)
    error_message = "app ${var.app}: give kms_key_arn or create_kms_key = true, not both."
  }
}

########################################
# The function
########################################

variable "package_path" {
  type        = string
  description = "Path of the function's zip (make package builds it from the app's source folder)."
}

variable "rotation_package_path" {
  type        = string
  description = "Path of the kit's rotation function zip (needed when a secret's rotation strategy is generated)."
  default     = null

  validation {
    condition     = var.rotation_package_path != null || alltrue([for s in var.secrets : s.rotation.strategy != "generated"])
    error_message = "app ${var.app}: a secret with rotation strategy \"generated\" needs the kit's rotation package (rotation_package_path; make package builds it)."
  }
}

variable "handler" {
  type        = string
  description = "The function's handler, module.function."
  default     = "handler.handler"
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

variable "environment" {
  type        = map(string)
  description = "Plain (non-secret) environment variables of the function. The kit sets SECRETS_CLIENT_PREFIX and SECRETS_CLIENT_MANIFEST itself."
  default     = {}

  validation {
    condition     = length(setintersection(keys(var.environment), ["SECRETS_CLIENT_PREFIX", "SECRETS_CLIENT_MANIFEST"])) == 0
    error_message = "app ${var.app}: environment must not set SECRETS_CLIENT_PREFIX or SECRETS_CLIENT_MANIFEST: the stack derives them from the app's name."
  }
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

variable "tracing_mode" {
  type        = string
  description = "Opt-in: X-Ray tracing, Active or PassThrough; null leaves tracing off."
  default     = null
}

variable "reserved_concurrent_executions" {
  type        = number
  description = "Concurrency reserved for the function; -1 (default) reserves none."
  default     = -1
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
