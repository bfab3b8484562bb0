# The real-AWS root, one for every AWS environment: the stack in your account.
#
# Each environment is a pair of files here: <env>.tfvars (what to deploy) and
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

module "stack" {
  source = "../../stack"

  env               = var.env
  app               = var.app
  region            = var.region
  secrets           = var.secrets
  parameters        = var.parameters
  secure_parameters = var.secure_parameters
  package_path      = "${path.root}/../../../build/function.zip"
  architecture      = var.architecture
  extension         = { for k, v in var.extension : k => v if v != null }
}
