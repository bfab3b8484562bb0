# One app in one environment: its secrets, its parameters, the policy that lets its
# function read them and nothing else, and the function.
#
# Every name is written once, as a key "<scope>/<name>", and derived here as
# /<env>/<app>/<scope>/<name>: the resources, the policy paths and the function's
# environment all come from the same locals.

locals {
  prefix = "/${var.env}/${var.app}"

  secret_names           = { for key, s in var.secrets : key => "${local.prefix}/${key}" }
  parameter_names        = { for key, p in var.parameters : key => "${local.prefix}/${key}" }
  secure_parameter_names = { for key, p in var.secure_parameters : key => "${local.prefix}/${key}" }
  all_parameter_names    = merge(local.parameter_names, local.secure_parameter_names)
  secret_scopes          = distinct([for key in keys(var.secrets) : split("/", key)[0]])
  parameter_scopes       = distinct([for key in keys(local.all_parameter_names) : split("/", key)[0]])
  function_name          = "${var.env}-${var.app}"
  rotation_function_name = "${local.function_name}-rotate"
  # Built from its parts, not read from the function: the function's own role policy names it
  # (the function depends on that policy), and the rotation below is given the same string.
  rotation_function_arn = "arn:${data.aws_partition.current.partition}:lambda:${var.region}:${module.access_policy.account_id}:function:${local.rotation_function_name}"

  tags = merge(var.tags, { App = var.app, Environment = var.env })
}

module "secret" {
  source   = "../modules/secret"
  for_each = var.secrets

  name                    = local.secret_names[each.key]
  description             = each.value.description
  recovery_window_in_days = var.recovery_window_in_days
  kms_key_id              = var.kms_key_arn
  enable_rotation         = var.rotation.enabled
  rotation_lambda_arn     = var.rotation.enabled ? local.rotation_function_arn : null
  rotation_days           = var.rotation.days
  tags                    = local.tags

  # The rotation resource (rotate_immediately) makes Secrets Manager invoke the function at
  # once: only after the invoke permission and the function's role policy exist (else "Secrets
  # Manager cannot invoke the specified Lambda function", as in aws/aws-cdk#26481).
  depends_on = [aws_lambda_permission.rotation, module.rotation_function]
}

data "aws_partition" "current" {}

# Opt-in rotation: a second function from the same package (handler rotation.handler),
# allowed to write new versions of the app's secrets and nothing else.
module "rotation_function" {
  source = "../modules/function"
  count  = var.rotation.enabled ? 1 : 0

  name                = local.rotation_function_name
  region              = var.region
  handler             = "rotation.handler"
  package_path        = var.package_path
  runtime             = var.runtime
  architecture        = var.architecture
  timeout             = 30
  extension_layer_arn = var.extension_layer_arn
  log_retention_days  = var.log_retention_days
  tags                = local.tags
  policy_json = jsonencode({
    Version = "2012-10-17"
    Statement = concat([
      {
        Sid      = "RotateOwnSecrets"
        Effect   = "Allow"
        Action   = ["secretsmanager:DescribeSecret", "secretsmanager:GetSecretValue", "secretsmanager:PutSecretValue", "secretsmanager:UpdateSecretVersionStage"]
        Resource = module.access_policy.secret_arn_patterns
        # Only secrets whose rotation function is this one (every Secret-resource action takes the key)
        Condition = { StringEquals = { "secretsmanager:resource/AllowRotationLambdaArn" = local.rotation_function_arn } }
      },
      {
        Sid      = "RandomValues"
        Effect   = "Allow"
        Action   = ["secretsmanager:GetRandomPassword"]
        Resource = "*" # GetRandomPassword has no resource to scope to
      },
      ], var.kms_key_arn == null ? [] : [
      {
        Sid       = "UseTheSecretsKeyThroughSecretsManager"
        Effect    = "Allow"
        Action    = ["kms:Decrypt", "kms:GenerateDataKey"]
        Resource  = [var.kms_key_arn]
        Condition = { StringEquals = { "kms:ViaService" = "secretsmanager.${var.region}.amazonaws.com" } }
      },
    ])
  })
}

resource "aws_lambda_permission" "rotation" {
  count = var.rotation.enabled ? 1 : 0

  statement_id   = "AllowSecretsManagerToRotate"
  action         = "lambda:InvokeFunction"
  function_name  = module.rotation_function[0].function_name
  principal      = "secretsmanager.amazonaws.com"
  source_account = module.access_policy.account_id # only this account's Secrets Manager (no confused deputy)
}

module "parameters" {
  source = "../modules/parameters"

  parameters = {
    for key, p in var.parameters : local.parameter_names[key] => {
      type        = p.type
      value       = p.value
      description = p.description
    }
  }
  tags = local.tags
}

module "access_policy" {
  source = "../modules/access_policy"

  region          = var.region
  parameter_paths = [for scope in local.parameter_scopes : "${local.prefix}/${scope}"]
  secret_paths    = [for scope in local.secret_scopes : "${local.prefix}/${scope}"]
  kms_key_arns    = var.kms_key_arn == null ? [] : [var.kms_key_arn]
}

module "function" {
  source = "../modules/function"

  name                = local.function_name
  region              = var.region
  package_path        = var.package_path
  runtime             = var.runtime
  architecture        = var.architecture
  memory_size         = var.memory_size
  timeout             = var.timeout
  policy_json         = module.access_policy.policy_json
  extension_layer_arn = var.extension_layer_arn
  extension           = var.extension
  log_retention_days  = var.log_retention_days
  tags                = local.tags

  environment = {
    APP_SECRET_IDS      = join(",", sort(values(local.secret_names)))
    APP_PARAMETER_NAMES = join(",", sort(values(local.all_parameter_names)))
    # The layer is always attached: read through it, never fall back to the SDK silently.
    SECRETS_CLIENT_BACKEND = "extension"
  }
}
