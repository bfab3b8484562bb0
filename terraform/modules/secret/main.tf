# One Secrets Manager secret, created empty: its value is set out-of-band
# (`make put-secret`), so no value is ever in this code, a plan or the state.
resource "aws_secretsmanager_secret" "this" {
  name                    = var.name
  description             = var.description
  kms_key_id              = var.kms_key_id
  recovery_window_in_days = var.recovery_window_in_days
  tags                    = var.tags
}
