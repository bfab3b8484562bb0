# The sandbox root: the same stack as on AWS, once per app, against the local moto server.
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

module "stack" {
  source   = "../../stack"
  for_each = var.apps

  env                   = local.env
  app                   = each.key
  region                = var.region
  secrets               = each.value.secrets
  parameters            = each.value.parameters
  secure_parameters     = each.value.secure_parameters
  kms_key_arn           = each.value.kms_key_arn
  create_kms_key        = each.value.create_kms_key
  package_path          = "${path.root}/../../../packages/${local.env}/${each.key}.zip"
  rotation_package_path = "${path.root}/../../../packages/rotation.zip"
  handler               = each.value.handler
  # The app's own setting, else the environment's default.
  runtime                        = each.value.runtime != null ? each.value.runtime : var.defaults.runtime
  architecture                   = each.value.architecture != null ? each.value.architecture : var.defaults.architecture
  memory_size                    = each.value.memory_size != null ? each.value.memory_size : var.defaults.memory_size
  timeout                        = each.value.timeout != null ? each.value.timeout : var.defaults.timeout
  log_retention_days             = each.value.log_retention_days != null ? each.value.log_retention_days : var.defaults.log_retention_days
  tracing_mode                   = each.value.tracing_mode != null ? each.value.tracing_mode : var.defaults.tracing_mode
  reserved_concurrent_executions = each.value.reserved_concurrent_executions
  recovery_window_in_days        = var.defaults.recovery_window_in_days
  environment                    = merge(var.defaults.environment, each.value.environment)
  tags                           = merge(var.defaults.tags, each.value.tags)
  extension = merge(
    { for k, v in var.defaults.extension : k => v if v != null },
    { for k, v in each.value.extension : k => v if v != null },
  )
  extension_layer_arn = aws_lambda_layer_version.extension_emulator.arn
}

# Before the apps map, the sandbox held one app and stand-ins for "another app" that the smoke
# test probed. The apps now probe each other; the stand-ins are forgotten, not destroyed (they
# vanish with the sandbox). `make migrate` moves an existing single-app state into the map.
removed {
  from = aws_secretsmanager_secret.neighbour

  lifecycle {
    destroy = false
  }
}

removed {
  from = aws_ssm_parameter.neighbour

  lifecycle {
    destroy = false
  }
}
