output "function_name" {
  description = "Name of the function."
  value       = aws_lambda_function.this.function_name
}

output "function_arn" {
  description = "ARN of the function."
  value       = aws_lambda_function.this.arn
}

output "role_arn" {
  description = "ARN of the function's role."
  value       = aws_iam_role.this.arn
}

output "log_group_name" {
  description = "The function's log group."
  value       = aws_cloudwatch_log_group.this.name
}

output "extension_layer_arn" {
  description = "The extension layer attached to the function."
  value       = local.extension_layer_arn
}

output "environment_variables" {
  description = "The function's environment: names of its secrets and parameters, and the extension's settings (never values)."
  value       = aws_lambda_function.this.environment[0].variables
}
