output "policy_json" {
  description = "The read policy document (JSON)."
  value       = jsonencode({ Version = "2012-10-17", Statement = local.statements })

  precondition {
    condition     = length(var.parameter_paths) + length(var.secret_paths) + length(var.parameter_names) > 0
    error_message = "Give at least one of parameter_paths, secret_paths or parameter_names: a policy with no read statement grants nothing."
  }
}

output "parameter_arn_patterns" {
  description = "The SSM ARN patterns the policy allows."
  value       = local.parameter_arns
}

output "named_parameter_arns" {
  description = "The ARNs of the whole parameter names the policy allows."
  value       = local.exact_parameter_arns
}

output "secret_arn_patterns" {
  description = "The Secrets Manager ARN patterns the policy allows."
  value       = local.secret_arns
}

output "account_id" {
  description = "The account the policy's ARNs are in."
  value       = local.account
}
