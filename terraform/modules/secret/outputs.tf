output "secret_arn" {
  description = "ARN of the secret (ends in a random 6-character suffix)."
  value       = aws_secretsmanager_secret.this.arn
}

output "secret_name" {
  description = "Name of the secret."
  value       = aws_secretsmanager_secret.this.name
}

output "rotation_enabled" {
  description = "Whether rotation is configured."
  value       = length(aws_secretsmanager_secret_rotation.this) > 0
}

output "secret_version_id" {
  description = "Version written by the write-only opt-in, or null when the value is set out-of-band."
  value       = one(aws_secretsmanager_secret_version.write_only[*].version_id)
}
