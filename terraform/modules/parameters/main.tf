# SSM parameters that hold configuration (String, StringList), one resource per map entry.
#
# SecureString parameters are not created here on purpose: with a value placeholder and
# `ignore_changes = [value]`, the provider still reads the real value back on refresh
# (GetParameter with decryption) and writes it into the plan and the state (measured:
# README, "Why SecureStrings are not Terraform resources"). They are declared by name in
# the stack and created with their value out-of-band by `make put-secret`.
resource "aws_ssm_parameter" "this" {
  for_each = var.parameters

  name        = each.key
  type        = each.value.type
  value       = each.value.value
  description = each.value.description
  tier        = each.value.tier
  tags        = var.tags
}
