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
}

output "log_group_name" {
  description = "The function's log group."
  value       = module.function.log_group_name
}

output "extension_layer_arn" {
  description = "The extension layer attached to the function."
  value       = module.function.extension_layer_arn
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

output "read_policy_json" {
  description = "The function's read policy."
  value       = module.access_policy.policy_json
}

output "region" {
  description = "Region of the stack."
  value       = var.region
}

output "rotation_function_name" {
  description = "The rotation function, or null when rotation is off."
  value       = one(module.rotation_function[*].function_name)
}

output "kms_key_arn" {
  description = "The customer-managed key of the secrets and SecureStrings, or null for the AWS managed keys."
  value       = var.kms_key_arn
}
