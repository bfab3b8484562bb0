# Typed inputs of the real-AWS root, the same shape as the sandbox root's (a unit test holds
# them equal). Terraform drops object attributes it does not know, silently: every make target
# first refuses an undeclared key in the tfvars file, naming the closest valid one
# (scripts/config.py). The stack validates names and settings, each message naming the app.

variable "region" {
  type        = string
  description = "AWS region to deploy to."
}

variable "env" {
  type        = string
  description = "Environment segment of the names: the .tfvars file's name, set by make (never in the file)."
}

variable "defaults" {
  type = object({
    runtime                 = optional(string, "python3.12")
    architecture            = optional(string, "arm64")
    memory_size             = optional(number, 256)
    timeout                 = optional(number, 10)
    log_retention_days      = optional(number, 30)
    recovery_window_in_days = optional(number, 30)
    tracing_mode            = optional(string)
    environment             = optional(map(string), {})
    tags                    = optional(map(string), {})
    extension = optional(object({
      cache_enabled                      = optional(bool)
      cache_size                         = optional(number)
      http_port                          = optional(number)
      max_connections                    = optional(number)
      log_level                          = optional(string)
      secrets_manager_ttl                = optional(number)
      ssm_parameter_store_ttl            = optional(number)
      secrets_manager_timeout_millis     = optional(number)
      ssm_parameter_store_timeout_millis = optional(number)
    }), {})
  })
  description = "Environment-wide defaults: every app takes these unless it sets its own (environment, tags and extension are merged, the app's keys winning)."
  default     = {}
}

variable "apps" {
  type = map(object({
    source                         = optional(string)
    handler                        = optional(string, "handler.handler")
    runtime                        = optional(string)
    architecture                   = optional(string)
    memory_size                    = optional(number)
    timeout                        = optional(number)
    log_retention_days             = optional(number)
    tracing_mode                   = optional(string)
    reserved_concurrent_executions = optional(number, -1)
    environment                    = optional(map(string), {})
    tags                           = optional(map(string), {})
    extension = optional(object({
      cache_enabled                      = optional(bool)
      cache_size                         = optional(number)
      http_port                          = optional(number)
      max_connections                    = optional(number)
      log_level                          = optional(string)
      secrets_manager_ttl                = optional(number)
      ssm_parameter_store_ttl            = optional(number)
      secrets_manager_timeout_millis     = optional(number)
      ssm_parameter_store_timeout_millis = optional(number)
    }), {})
    extension_layer_arn = optional(string)
    kms_key_arn         = optional(string)
    create_kms_key      = optional(bool, false)
    secrets = optional(map(object({
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
    })), {})
    secure_parameters = optional(map(object({
      description = optional(string, "")
      tier        = optional(string, "Standard")
    })), {})
    parameters = optional(map(object({
      type        = optional(string, "String")
      value       = string
      description = optional(string, "")
      tier        = optional(string, "Standard")
    })), {})
  }))
  description = <<-EOT
    The environment's apps, keyed by app name (the second segment of its names): each one's
    code (source folder, default apps/<name>; handler), function settings, plain environment,
    secrets, SecureStrings and configuration parameters (see terraform/stack/variables.tf for
    each item's settings and docs/apps.md). Each runs the stack once.
  EOT

  validation {
    condition     = length(var.apps) > 0
    error_message = "Declare at least one app in apps = { <name> = { ... } } (see docs/apps.md)."
  }

  validation {
    condition     = alltrue([for name in keys(var.apps) : can(regex("^[a-z][a-z0-9-]{0,31}$", name))])
    error_message = "Each app's name must be 1-32 lowercase letters, digits or hyphens, starting with a letter; found: ${join(", ", [for name in keys(var.apps) : name if !can(regex("^[a-z][a-z0-9-]{0,31}$", name))])}."
  }
}
