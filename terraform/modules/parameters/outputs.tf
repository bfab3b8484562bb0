output "parameter_arns" {
  description = "ARN of each parameter, keyed by name."
  value       = merge({ for name, p in aws_ssm_parameter.plain : name => p.arn }, { for name, p in aws_ssm_parameter.secure : name => p.arn })
}

output "parameter_names" {
  description = "Names of the parameters."
  value       = sort(concat(keys(aws_ssm_parameter.plain), keys(aws_ssm_parameter.secure)))
}
