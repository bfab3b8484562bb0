output "stack" {
  description = "Everything the stack exports (names, ARNs, policy); read by the smoke test."
  value       = module.stack
}

output "deny_probe" {
  description = "Names outside the function's paths that it must be refused (another app's)."
  value = {
    secret_id = aws_secretsmanager_secret.neighbour.name
    parameter = aws_ssm_parameter.neighbour.name
  }
}
