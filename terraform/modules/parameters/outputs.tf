output "parameter_arns" {
  description = "ARN of each parameter, keyed by name."
  value       = { for name, p in aws_ssm_parameter.this : name => p.arn }
}

output "parameter_names" {
  description = "Names of the parameters."
  value       = sort(keys(aws_ssm_parameter.this))
}
