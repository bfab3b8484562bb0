# The prod root: the same stack as dev, in the production account, with its own state.
# Credentials come from the usual AWS chain (AWS_PROFILE, SSO, environment); state lives
# in S3 with native state locking, configured from backend.hcl (copy backend.hcl.example).
# `make apply ENV=prod` and `make destroy ENV=prod` need CONFIRM=prod.

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
  extension         = var.extension
}
