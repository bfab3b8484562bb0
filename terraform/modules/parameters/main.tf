# SSM parameters from one map: String and StringList hold configuration (their values are
# in this code, plans and state, so never a secret); SecureString holds a secret and is
# written only through the write-only argument value_wo, which Terraform never stores.
#
# A SecureString with a placeholder and `ignore_changes = [value]` is NOT offered: the
# provider reads the real value back (with decryption) on every refresh and writes it into
# the saved plan and the state (measured; docs/architecture.md, "Why SecureStrings are not
# Terraform resources"). Without the write-only path, create SecureStrings out-of-band
# (make put-secret).

locals {
  plain  = { for name, p in var.parameters : name => p if p.type != "SecureString" }
  secure = { for name, p in var.parameters : name => p if p.type == "SecureString" }
}

moved {
  from = aws_ssm_parameter.this
  to   = aws_ssm_parameter.plain
}

resource "aws_ssm_parameter" "plain" {
  #checkov:skip=CKV2_AWS_34:String and StringList hold non-secret configuration by design; secrets are SecureStrings
  for_each = local.plain

  name = each.key
  type = each.value.type
  # insecure_value, not value: the provider marks `value` sensitive, so a plan would show a
  # configuration change as "(sensitive) -> (sensitive)"; these values are not secrets.
  insecure_value = each.value.value
  description    = each.value.description
  tier           = each.value.tier
  tags           = var.tags
}

resource "aws_ssm_parameter" "secure" {
  for_each = local.secure

  name             = each.key
  type             = "SecureString"
  value_wo         = var.secure_values[each.key]
  value_wo_version = each.value.value_wo_version
  key_id           = var.kms_key_id
  description      = each.value.description
  tier             = each.value.tier
  tags             = var.tags
}
