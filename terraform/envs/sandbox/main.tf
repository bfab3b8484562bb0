# The sandbox root: the same stack as on AWS, against the local moto server.
#
# Only `make` runs this root, and never from here: scripts/sandbox/bridge.py first copies
# it, with the modules and the stack, to build/sandbox-tf/ and rewrites what the offline
# AWS provider 3.39.0 cannot express (it prints every change). State is local, in
# .sandbox/terraform.tfstate, set by `terraform init -backend-config`.

terraform {
  required_version = ">= 1.11"

  backend "local" {}

  required_providers {
    aws = {
      source  = "hashicorp/aws"
      version = "3.39.0"
    }
  }
}

# AWS's extension layer cannot be used here (moto only accepts layers it holds), so the
# sandbox publishes its emulation of the extension, which the local runner starts as
# Lambda would start an extension (scripts/sandbox/extension_emulator.py).
resource "aws_lambda_layer_version" "extension_emulator" {
  layer_name       = "sandbox-parameters-secrets-extension-emulator"
  filename         = "${path.root}/../../../extension-layer.zip"
  source_code_hash = filebase64sha256("${path.root}/../../../extension-layer.zip")
}

locals {
  env = "sandbox" # the first segment of every name here; not an input, so it cannot be another environment's
}

# Opt-in: a customer-managed key for the app's secrets and SecureStrings. Its policy is
# KMS's default (the account's IAM policies decide), so the function's own read policy
# must grant kms:Decrypt through Secrets Manager and SSM, which the emulation checks.
resource "aws_kms_key" "app" {
  #checkov:skip=CKV2_AWS_64:sandbox-only key; KMS's default key policy delegates to the account's IAM policies on purpose
  count               = var.customer_managed_key ? 1 : 0
  description         = "sandbox: the demo app's secrets and SecureStrings"
  enable_key_rotation = true
}

module "stack" {
  source = "../../stack"

  env                     = local.env
  app                     = var.app
  region                  = var.region
  secrets                 = var.secrets
  parameters              = var.parameters
  secure_parameters       = var.secure_parameters
  package_path            = "${path.root}/../../../function.zip"
  extension_layer_arn     = aws_lambda_layer_version.extension_emulator.arn
  recovery_window_in_days = 0 # the sandbox deletes at once
  log_retention_days      = 1
  rotation                = { enabled = true, days = 30 } # make rotate runs it
  kms_key_arn             = one(aws_kms_key.app[*].arn)
}

# Another app's secret and parameter in the same account: the smoke test's deny probe
# asks the function to read them, and the function must be refused.
resource "aws_secretsmanager_secret" "neighbour" {
  #checkov:skip=CKV_AWS_149:sandbox-only stand-in for another app's secret
  #checkov:skip=CKV2_AWS_57:sandbox-only stand-in for another app's secret
  name                    = "/${local.env}/neighbour/secrets/api_key"
  recovery_window_in_days = 0
}

resource "aws_ssm_parameter" "neighbour" {
  #checkov:skip=CKV2_AWS_34:sandbox-only stand-in for another app's configuration
  name  = "/${local.env}/neighbour/config/api_base_url"
  type  = "String"
  value = "https://neighbour.example.com"
}
