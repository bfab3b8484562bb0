# One Secrets Manager secret. By default it is created empty and its value is set
# out-of-band (`make put-secret`), so no value is ever in this code, a plan or the state.
# Opt-in: a write-only value (secret_string_wo, never stored in plan or state; needs
# Terraform >= 1.11 and AWS provider >= 5.88), a customer-managed KMS key, rotation,
# replicas and a resource policy (public policies always blocked).

resource "aws_secretsmanager_secret" "this" {
  #checkov:skip=CKV_AWS_149:a customer-managed key is an input (kms_key_id); the AWS managed key costs nothing ($1 per key-month otherwise)
  #checkov:skip=CKV2_AWS_57:rotation is an input (rotation_lambda_arn); not every secret can be rotated by a function
  name                    = var.name
  description             = var.description
  kms_key_id              = var.kms_key_id
  recovery_window_in_days = var.recovery_window_in_days
  tags                    = var.tags

  dynamic "replica" {
    for_each = var.replicas

    content {
      region     = replica.value.region
      kms_key_id = replica.value.kms_key_id
    }
  }
}

resource "aws_secretsmanager_secret_version" "write_only" {
  count = var.secret_string_wo_version == null ? 0 : 1

  secret_id                = aws_secretsmanager_secret.this.id
  secret_string_wo         = var.secret_string_wo
  secret_string_wo_version = var.secret_string_wo_version
}

resource "aws_secretsmanager_secret_rotation" "this" {
  #checkov:skip=CKV_AWS_304:rotation_days is an input (default 30); callers that pass a variable cannot be resolved by checkov
  count = var.enable_rotation ? 1 : 0

  secret_id           = aws_secretsmanager_secret.this.id
  rotation_lambda_arn = var.rotation_lambda_arn

  rotate_immediately = var.rotate_immediately

  rotation_rules {
    automatically_after_days = var.rotation_schedule_expression == null ? var.rotation_days : null
    schedule_expression      = var.rotation_schedule_expression
    duration                 = var.rotation_duration
  }
}

resource "aws_secretsmanager_secret_policy" "this" {
  count = var.policy_json == null ? 0 : 1

  secret_arn          = aws_secretsmanager_secret.this.arn
  policy              = var.policy_json
  block_public_policy = true
}
