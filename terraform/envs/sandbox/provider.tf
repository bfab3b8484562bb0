# The sandbox's provider configuration: every service the stack uses goes to the local
# moto server. scripts/sandbox/bridge.py also gives this block (endpoint and region filled
# in) to the module tests and the examples when they run against the sandbox.
provider "aws" {
  region                      = var.region
  access_key                  = "sandbox"
  secret_key                  = "sandbox"
  skip_credentials_validation = true
  skip_metadata_api_check     = true
  skip_get_ec2_platforms      = true # else provider 3.x calls ec2:DescribeAccountAttributes on AWS and retries ~25 s offline

  endpoints {
    iam            = var.sandbox_endpoint
    lambda         = var.sandbox_endpoint
    cloudwatchlogs = var.sandbox_endpoint
    ec2            = var.sandbox_endpoint
    kms            = var.sandbox_endpoint
    secretsmanager = var.sandbox_endpoint
    ssm            = var.sandbox_endpoint
    sts            = var.sandbox_endpoint
  }

  default_tags {
    tags = { Project = "lambda-secrets-kit", ManagedBy = "terraform", Sandbox = "true" }
  }
}
