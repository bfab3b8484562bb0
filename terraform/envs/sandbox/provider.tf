# The sandbox's provider configuration: every service the stack uses goes to the local
# moto server. scripts/sandbox/bridge.py also gives this block (endpoint and region filled
# in) to the module tests and the examples when they run against the sandbox.
# No credentials here: the sandbox answers only requests signed with this checkout's key
# pair, which Terraform gets from its process environment (AWS_ACCESS_KEY_ID,
# AWS_SECRET_ACCESS_KEY; scripts/sandbox/server.py credentials_env), so it never lands in a
# configuration file, a saved plan or the state.
provider "aws" {
  region                      = var.region
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
