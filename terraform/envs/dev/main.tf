# The dev root: the stack in a real AWS account. Credentials come from the usual AWS
# chain (AWS_PROFILE, SSO, environment); state lives in S3 with native state locking,
# configured from backend.hcl (copy backend.hcl.example and fill it in).

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
