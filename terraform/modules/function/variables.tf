variable "name" {
  type        = string
  description = "Function name (also the role and log group name)."

  validation {
    condition     = can(regex("^[A-Za-z0-9_-]{1,64}$", var.name))
    error_message = "name must be 1-64 letters, digits, hyphens or underscores (e.g. prod-payments): it names the function and its role (Lambda and IAM allow 64 characters each); found ${length(var.name)} characters: ${substr(var.name, 0, 80)}."
  }
}

variable "region" {
  type        = string
  description = "Region the function runs in; selects the extension layer's publishing account and version."
}

variable "handler" {
  type        = string
  description = "Handler as module.function."
  default     = "handler.handler"
}

variable "runtime" {
  type        = string
  description = "Python runtime."
  default     = "python3.12"

  validation {
    condition     = contains(["python3.10", "python3.11", "python3.12", "python3.13", "python3.14"], var.runtime)
    error_message = "function ${var.name}: runtime must be a supported Python runtime: python3.10 to python3.14."
  }
}

variable "architecture" {
  type        = string
  description = "arm64 (cheaper per GB-second) or x86_64; selects the matching extension layer."
  default     = "arm64"

  validation {
    condition     = contains(["arm64", "x86_64"], var.architecture)
    error_message = "function ${var.name}: architecture must be arm64 or x86_64."
  }
}

variable "package_path" {
  type        = string
  description = "Path of the function's zip (built by scripts/package.py)."
}

variable "memory_size" {
  type        = number
  description = "Memory in MB (128-10240)."
  default     = 256

  validation {
    condition     = var.memory_size >= 128 && var.memory_size <= 10240
    error_message = "function ${var.name}: memory_size must be 128 to 10240 MB."
  }
}

variable "timeout" {
  type        = number
  description = "Timeout in seconds (1-900)."
  default     = 10

  validation {
    condition     = var.timeout >= 1 && var.timeout <= 900
    error_message = "function ${var.name}: timeout must be 1 to 900 seconds."
  }
}

variable "environment" {
  type        = map(string)
  description = "Environment variables for the handler (names of secrets and parameters, never values)."
  default     = {}
}

variable "policy_json" {
  type        = string
  description = "The function's own permissions as an IAM policy document (JSON), e.g. the access_policy module's read policy."
}

variable "log_retention_days" {
  type        = number
  description = "Days to keep the function's logs (a value CloudWatch Logs accepts)."
  default     = 30

  validation {
    condition     = contains([1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653], var.log_retention_days)
    error_message = "function ${var.name}: log_retention_days must be one of 1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653."
  }
}

variable "log_kms_key_arn" {
  type        = string
  description = "Opt-in: KMS key ARN to encrypt the log group (the key policy must allow CloudWatch Logs)."
  default     = null
}

variable "environment_kms_key_arn" {
  type        = string
  description = "Opt-in: KMS key ARN to encrypt the environment variables (they hold names only, never values)."
  default     = null
}

variable "reserved_concurrent_executions" {
  type        = number
  description = "Concurrency reserved for the function; -1 (default) reserves none, 0 stops all invocations."
  default     = -1

  validation {
    condition     = var.reserved_concurrent_executions >= -1 && floor(var.reserved_concurrent_executions) == var.reserved_concurrent_executions
    error_message = "function ${var.name}: reserved_concurrent_executions must be -1 (unreserved) or a whole number from 0."
  }
}

variable "tracing_mode" {
  type        = string
  description = "Opt-in: X-Ray tracing, Active or PassThrough; null leaves tracing off."
  default     = null

  validation {
    condition     = var.tracing_mode == null || contains(["Active", "PassThrough"], coalesce(var.tracing_mode, "-"))
    error_message = "function ${var.name}: tracing_mode must be Active, PassThrough or null."
  }
}

variable "extension_layer_arn" {
  type        = string
  description = "Whole extension layer ARN; overrides the one computed from region and architecture."
  default     = null

  validation {
    condition     = var.extension_layer_arn == null || can(regex("^arn:aws[a-z-]*:lambda:[a-z0-9-]+:[0-9]{12}:layer:[A-Za-z0-9_-]+:[0-9]+$", var.extension_layer_arn))
    error_message = "function ${var.name}: extension_layer_arn must be a layer version ARN: arn:aws:lambda:<region>:<account>:layer:<name>:<version>."
  }
}

variable "extension_layer_version" {
  type        = number
  description = "Extension layer version; overrides the version from extension-layers.csv (e.g. to pin an older release)."
  default     = null

  validation {
    condition     = var.extension_layer_version == null || try(var.extension_layer_version >= 1 && floor(var.extension_layer_version) == var.extension_layer_version, false)
    error_message = "function ${var.name}: extension_layer_version must be a whole number from 1."
  }
}

variable "extension" {
  type = object({
    cache_enabled                      = optional(bool, true)
    cache_size                         = optional(number, 1000)
    http_port                          = optional(number, 2773)
    max_connections                    = optional(number, 3)
    log_level                          = optional(string, "INFO")
    secrets_manager_ttl                = optional(number, 300)
    ssm_parameter_store_ttl            = optional(number, 300)
    secrets_manager_timeout_millis     = optional(number, 0)
    ssm_parameter_store_timeout_millis = optional(number, 0)
  })
  description = "Settings of the Parameters and Secrets extension (AWS's defaults when omitted)."
  default     = {}

  validation {
    condition     = var.extension.secrets_manager_ttl >= 0 && var.extension.secrets_manager_ttl <= 300 && var.extension.ssm_parameter_store_ttl >= 0 && var.extension.ssm_parameter_store_ttl <= 300
    error_message = "function ${var.name}: the TTLs must be 0 to 300 seconds (0 bypasses the cache)."
  }

  validation {
    condition     = var.extension.cache_size >= 0 && var.extension.cache_size <= 1000
    error_message = "function ${var.name}: cache_size must be 0 to 1000 (0 bypasses the cache)."
  }

  validation {
    condition     = var.extension.http_port >= 1 && var.extension.http_port <= 65535
    error_message = "function ${var.name}: http_port must be 1 to 65535."
  }

  validation {
    condition     = var.extension.max_connections >= 1 && floor(var.extension.max_connections) == var.extension.max_connections
    error_message = "function ${var.name}: max_connections must be a whole number, at least 1."
  }

  validation {
    condition     = contains(["DEBUG", "INFO", "WARN", "ERROR", "NONE"], var.extension.log_level)
    error_message = "function ${var.name}: log_level must be DEBUG, INFO, WARN, ERROR or NONE."
  }

  validation {
    condition     = var.extension.secrets_manager_timeout_millis >= 0 && var.extension.ssm_parameter_store_timeout_millis >= 0 && floor(var.extension.secrets_manager_timeout_millis) == var.extension.secrets_manager_timeout_millis && floor(var.extension.ssm_parameter_store_timeout_millis) == var.extension.ssm_parameter_store_timeout_millis
    error_message = "function ${var.name}: the timeouts must be whole numbers of milliseconds, 0 or more (0 means no timeout)."
  }
}

variable "tags" {
  type        = map(string)
  description = "Tags for every resource."
  default     = {}
}
