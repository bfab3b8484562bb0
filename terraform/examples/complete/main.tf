# Complete: the modules used one by one with their opt-ins: a customer-managed KMS key for
# the secret and the logs, rotation, a replica, a resource policy, a StringList, an app in
# arm64 with tuned extension settings, tracing and reserved concurrency.
# terraform init && terraform plan -var package_path=path/to/app.zip

provider "aws" {
  region = "eu-west-1"
}

variable "package_path" {
  type        = string
  description = "The function's zip (make package builds build/packages/sandbox/demo.zip)."
  default     = "../../../build/packages/sandbox/demo.zip"
}

variable "rotation_lambda_arn" {
  type        = string
  description = "An existing rotation function for the secret."
  default     = "arn:aws:lambda:eu-west-1:123456789012:function:rotate-payments-api-key"
}

data "aws_caller_identity" "current" {}

resource "aws_kms_key" "payments" {
  description         = "payments secrets and logs"
  enable_key_rotation = true
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [
      { Sid = "Account", Effect = "Allow", Principal = { AWS = "arn:aws:iam::${data.aws_caller_identity.current.account_id}:root" }, Action = "kms:*", Resource = "*" },
      { Sid = "Logs", Effect = "Allow", Principal = { Service = "logs.eu-west-1.amazonaws.com" }, Action = ["kms:Encrypt*", "kms:Decrypt*", "kms:ReEncrypt*", "kms:GenerateDataKey*", "kms:Describe*"], Resource = "*" },
    ]
  })
}

module "api_key" {
  source = "../../modules/secret"

  name                = "/prod/payments/secrets/stripe_api_key"
  description         = "Stripe API key (value set with make put-secret)"
  kms_key_id          = aws_kms_key.payments.arn
  enable_rotation     = true
  rotation_lambda_arn = var.rotation_lambda_arn
  rotation_days       = 30
  replicas            = [{ region = "eu-central-1" }]
  policy_json = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Sid       = "DenyOutsideTheAccount"
      Effect    = "Deny"
      Principal = "*"
      Action    = "secretsmanager:GetSecretValue"
      Resource  = "*"
      Condition = { StringNotEquals = { "aws:PrincipalAccount" = data.aws_caller_identity.current.account_id } }
    }]
  })
}

module "config" {
  source = "../../modules/parameters"

  parameters = {
    "/prod/payments/config/api_base_url" = { value = "https://api.example.com" }
    "/prod/payments/config/regions"      = { type = "StringList", value = "eu-west-1,eu-central-1" }
  }
}

module "read" {
  source = "../../modules/access_policy"

  region          = "eu-west-1"
  parameter_paths = ["/prod/payments/config"]
  secret_paths    = ["/prod/payments/secrets"]
  kms_key_arns    = [aws_kms_key.payments.arn]
}

module "function" {
  source = "../../modules/function"

  name                           = "prod-payments"
  region                         = "eu-west-1"
  architecture                   = "arm64"
  runtime                        = "python3.13"
  package_path                   = var.package_path
  memory_size                    = 512
  timeout                        = 15
  policy_json                    = module.read.policy_json
  log_retention_days             = 365
  log_kms_key_arn                = aws_kms_key.payments.arn
  tracing_mode                   = "Active"
  reserved_concurrent_executions = 20
  extension                      = { secrets_manager_ttl = 120, ssm_parameter_store_ttl = 300, log_level = "WARN" }

  # Names relative to the app for secrets_client (the stack sets these itself; here the modules are used one by one).
  environment = { SECRETS_CLIENT_PREFIX = "/prod/payments" }
}

output "extension_layer_arn" {
  description = "The extension layer for eu-west-1, arm64."
  value       = module.function.extension_layer_arn
}
