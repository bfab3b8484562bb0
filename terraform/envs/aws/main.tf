# The real-AWS root, one for every AWS environment: every app of the environment in your account.
#
# Each environment is a pair of files here: <env>.tfvars (its apps: what to deploy) and
# <env>.backend.hcl (where its state lives; copy <env>.backend.hcl.example). `make ...
# ENV=<env>` runs this root with that pair and a data directory of its own
# (.terraform/<env>), so environments never share state. Credentials come from the usual
# AWS chain (AWS_PROFILE, SSO, environment); state is in S3 with native locking.
# `make apply ENV=prod` and every `make destroy` here need CONFIRM=<env>.

terraform {
  required_version = ">= 1.11"

  backend "s3" {}

  required_providers {
    aws = {
      source  = "hashicorp/aws"
      version = "~> 6.0"
    }
  }
}

provider "aws" {
  region = var.region

  default_tags {
    tags = { Project = "lambda-secrets-kit", ManagedBy = "terraform" }
  }
}

# The stack once per app (terraform-aws-modules' wrappers/ pattern): each app's own settings
# over the environment's defaults. make package builds each app's zip from its source folder.
module "stack" {
  source   = "../../stack"
  for_each = var.apps

  env                   = var.env
  app                   = each.key
  region                = var.region
  secrets               = each.value.secrets
  parameters            = each.value.parameters
  secure_parameters     = each.value.secure_parameters
  kms_key_arn           = each.value.kms_key_arn
  create_kms_key        = each.value.create_kms_key
  package_path          = "${path.root}/../../../build/packages/${var.env}/${each.key}.zip"
  rotation_package_path = "${path.root}/../../../build/packages/rotation.zip"
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
  extension_layer_arn = each.value.extension_layer_arn
}
