output "app" {
  description = "The app's name (the second segment of its names)."
  value       = var.app
}

output "env" {
  description = "The environment (the first segment of its names)."
  value       = var.env
}

output "prefix" {
  description = "/<env>/<app>: every name of the app starts with it (the function's SECRETS_CLIENT_PREFIX)."
  value       = local.prefix
}

output "region" {
  description = "Region of the stack."
  value       = var.region
}

output "function_name" {
  description = "Name of the function."
  value       = module.function.function_name
}

output "function_arn" {
  description = "ARN of the function."
  value       = module.function.function_arn
}

output "role_arn" {
  description = "ARN of the function's role."
  value       = module.function.role_arn

  precondition {
    condition     = local.inline_policy_chars.function <= 10240
    error_message = "app ${var.app}: the inline policies of its function's role (permissions and write-own-logs) count ${local.inline_policy_chars.function} characters without whitespace, over IAM's 10,240 for all inline policies of a role: use fewer scopes (each scope of a secret or parameter adds its paths to the read policy)."
  }
}

output "log_group_name" {
  description = "The function's log group."
  value       = module.function.log_group_name
}

output "extension_layer_arn" {
  description = "The extension layer attached to the function."
  value       = module.function.extension_layer_arn
}

output "environment_variables" {
  description = "The function's environment: names, the client's and the extension's settings (never values)."
  value       = module.function.environment_variables

  precondition {
    condition     = local.environment_bytes <= 4096
    error_message = "app ${var.app}: the function's environment is ${local.environment_bytes} bytes as Lambda measures it (the JSON of all its variables: the app's environment, the kit's and the extension's), over Lambda's 4 KB (4096 bytes): shorten or remove variables of the app's environment (a large setting belongs in a parameter)."
  }
}

output "secret_names" {
  description = "Full name of each secret, keyed by \"<scope>/<name>\"."
  value       = local.secret_names
}

output "parameter_names" {
  description = "Full name of each configuration parameter, keyed by \"<scope>/<name>\"."
  value       = local.parameter_names
}

output "secure_parameter_names" {
  description = "Full name of each SecureString parameter (set out-of-band), keyed by \"<scope>/<name>\"."
  value       = local.secure_parameter_names
}

output "secrets" {
  description = "Each secret, keyed by \"<scope>/<name>\": its full name, format and rotation (strategy, schedule, the function that rotates it)."
  value = {
    for key, s in var.secrets : key => {
      name                = local.secret_names[key]
      format              = s.format
      rotation            = s.rotation.strategy
      rotation_days       = s.rotation.strategy == "none" ? null : s.rotation.days
      schedule_expression = s.rotation.strategy == "none" ? null : s.rotation.schedule_expression
      rotation_lambda_arn = lookup(local.rotation_lambda_arns, key, null)
      fields              = s.rotation.fields
    }
  }
}

output "secure_parameters" {
  description = "Each SecureString, keyed by \"<scope>/<name>\": its full name and tier (make put-secret writes it)."
  value       = { for key, p in var.secure_parameters : key => { name = local.secure_parameter_names[key], tier = p.tier } }
}

output "manifest_parameter_name" {
  description = "The SSM parameter holding the app's manifest (the function's SECRETS_CLIENT_MANIFEST)."
  value       = local.manifest_name

  precondition {
    condition     = length(local.manifest) <= 8192
    error_message = "app ${var.app}: its manifest is ${length(local.manifest)} bytes, over the 8 KB an SSM parameter holds: split the app, or shorten its names."
  }
}

output "read_policy_json" {
  description = "The function's read policy."
  value       = module.access_policy.policy_json
}

output "rotation_function_name" {
  description = "The kit's rotation function (for \"generated\" secrets), or null when the app has none."
  value       = one(module.rotation_function[*].function_name)

  precondition {
    condition     = length(local.generated) == 0 || local.inline_policy_chars.rotation <= 10240
    error_message = "app ${var.app}: the inline policies of its rotation function's role count ${local.inline_policy_chars.rotation} characters without whitespace, over IAM's 10,240 for all inline policies of a role: use fewer secret scopes."
  }
}

output "kms_key_arn" {
  description = "The customer-managed key of the secrets and SecureStrings, or null for the AWS managed keys."
  value       = local.kms_key_arn
}
