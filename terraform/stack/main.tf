# One app in one environment: its secrets, its parameters, the policy that lets its
# function read them and nothing else, the function, and (opt-in) rotation per secret.
# A root runs it once per app (for_each over the environment's `apps`).
#
# Every name is written once, as a key "<scope>/<name>", and derived here as
# /<env>/<app>/<scope>/<name>: the resources, the policy paths, the app's manifest and the
# function's environment all come from the same locals.

locals {
  prefix = "/${var.env}/${var.app}"

  secret_names           = { for key, s in var.secrets : key => "${local.prefix}/${key}" }
  parameter_names        = { for key, p in var.parameters : key => "${local.prefix}/${key}" }
  secure_parameter_names = { for key, p in var.secure_parameters : key => "${local.prefix}/${key}" }
  all_parameter_names    = merge(local.parameter_names, local.secure_parameter_names)
  secret_scopes          = distinct([for key in keys(var.secrets) : split("/", key)[0]])
  parameter_scopes       = distinct([for key in keys(local.all_parameter_names) : split("/", key)[0]])
  function_name          = "${var.env}-${var.app}"
  kms_key_arn            = var.create_kms_key ? aws_kms_key.this[0].arn : var.kms_key_arn

  # Rotation, per secret: "generated" secrets share the kit's rotation function (one per app),
  # "lambda" secrets name their own.
  generated              = { for key, s in var.secrets : key => s if s.rotation.strategy == "generated" }
  rotation_function_name = "${local.function_name}-rotate"
  # Built from its parts, not read from the function: the function's own role policy names it
  # (the function depends on that policy), and each rotation is given the same string.
  rotation_function_arn = "arn:${data.aws_partition.current.partition}:lambda:${var.region}:${module.access_policy.account_id}:function:${local.rotation_function_name}"
  # Unset: at once, except a json secret whose value the kit generates: created empty, its object must be put first.
  rotate_immediately = {
    for key, s in var.secrets : key => (
      s.rotation.rotate_immediately != null ? s.rotation.rotate_immediately : !(s.format == "json" && s.rotation.strategy == "generated")
    )
  }
  rotation_lambda_arns = {
    for key, s in var.secrets : key => (s.rotation.strategy == "generated" ? local.rotation_function_arn : s.rotation.lambda_arn)
    if s.rotation.strategy != "none"
  }

  # The app's manifest: what it declares, by short name, for the function's client (relative
  # names, the list in errors, rotation-aware freshness) and the rotation function (what to
  # generate). Names only, never values; an SSM String parameter whose size does not grow the
  # function's environment (Lambda's 4 KB limit).
  manifest_name = "${local.prefix}/manifest"
  manifest = jsonencode({
    version           = 1
    env               = var.env
    app               = var.app
    prefix            = local.prefix
    secrets           = sort(keys(var.secrets))
    secure_parameters = sort(keys(var.secure_parameters))
    parameters        = sort(keys(var.parameters))
    formats           = { for key, s in var.secrets : key => s.format if s.format != "string" }
    # Rotated secrets only: the schedule, what the kit's function generates ("generated"), or
    # the user's function that rotates it ("lambda").
    rotation = { for key, s in var.secrets : key => {
      strategy            = s.rotation.strategy
      days                = s.rotation.days
      schedule_expression = s.rotation.schedule_expression
      fields              = s.rotation.fields
      length              = s.rotation.length
      exclude_characters  = s.rotation.exclude_characters
      exclude_numbers     = s.rotation.exclude_numbers
      exclude_punctuation = s.rotation.exclude_punctuation
      exclude_uppercase   = s.rotation.exclude_uppercase
      exclude_lowercase   = s.rotation.exclude_lowercase
      include_space       = s.rotation.include_space
      require_each_type   = s.rotation.require_each_type
      lambda_arn          = s.rotation.strategy == "lambda" ? s.rotation.lambda_arn : null # the user's function (the review's rotator)
    } if s.rotation.strategy != "none" }
  })
  manifest_tier = length(local.manifest) > 4096 ? "Advanced" : "Standard" # Advanced: $0.05 per parameter-month

  # What every function of the app is told (names, never values): a fixed size whatever the item count.
  client_environment = {
    SECRETS_CLIENT_PREFIX   = local.prefix
    SECRETS_CLIENT_MANIFEST = local.manifest_name
  }

  tags = merge(var.tags, { App = var.app, Environment = var.env })
}

# AWS limits checked at plan time, each refusal naming the app (docs/troubleshooting.md cites
# each limit). Names: a function, its role and its rotation function's are at most
# "<env>-<app>-rotate", 56 characters (env 16, app 32), under Lambda's and IAM's 64; its log
# group "/aws/lambda/" + that, under 512; a parameter's hierarchy is always 4 levels deep
# (/<env>/<app>/<scope>/<name>), under SSM's 15. What can grow is checked here and in
# variables.tf (secret and parameter names) and outputs.tf (the environment, the roles'
# inline policies, the manifest).
locals {
  # An SSM parameter name's 1011 characters include the ARN before it, "arn:aws:ssm:us-east-2:
  # 111122223333:parameter/" (45 characters, AWS's own example), then the name as given.
  ssm_arn_length = length("arn:${data.aws_partition.current.partition}:ssm:${var.region}:123456789012:parameter/")

  # Lambda measures the environment as the JSON of all its variables ("String measured: {...}"
  # in its refusal), in bytes. jsonencode writes < > & as \u003c \u003e \u0026: 5 more each.
  environment_json  = jsonencode(module.function.environment_variables)
  environment_bytes = length(local.environment_json) + length(regexall("[^\\x00-\\x7f]", local.environment_json)) + length(regexall("[^\\x00-\\x{7ff}]", local.environment_json)) + length(regexall("[^\\x00-\\x{ffff}]", local.environment_json)) - 5 * length(regexall("[<>&]", join("", concat(keys(module.function.environment_variables), values(module.function.environment_variables)))))

  # IAM counts every inline policy of a role together, without whitespace: the function's role
  # has "permissions" and "write-own-logs" (the latter as modules/function/main.tf writes it,
  # whose log group ARN is known only after apply: its length is known now).
  logs_policy_chars = { for name in [local.function_name, local.rotation_function_name] : name => length(jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Effect   = "Allow"
      Action   = ["logs:CreateLogStream", "logs:PutLogEvents"]
      Resource = "arn:${data.aws_partition.current.partition}:logs:${var.region}:${module.access_policy.account_id}:log-group:/aws/lambda/${name}:*"
    }]
  })) }
  inline_policy_chars = {
    function = length(replace(module.access_policy.policy_json, "/\\s/", "")) + local.logs_policy_chars[local.function_name]
    rotation = length(replace(local.rotation_policy_json, "/\\s/", "")) + local.logs_policy_chars[local.rotation_function_name]
  }
}

data "aws_partition" "current" {}

# Opt-in: a customer-managed key of the app (create_kms_key). Its policy is KMS's default key
# policy, written out: the account's IAM policies decide, so the function's read policy grants
# kms:Decrypt through Secrets Manager and SSM only.
resource "aws_kms_key" "this" {
  count = var.create_kms_key ? 1 : 0

  description         = "${var.env}/${var.app}: the app's secrets and SecureStrings"
  enable_key_rotation = true
  policy = jsonencode({
    Version = "2012-10-17"
    Id      = "key-default-1"
    Statement = [{
      Sid       = "Enable IAM User Permissions"
      Effect    = "Allow"
      Principal = { AWS = "arn:${data.aws_partition.current.partition}:iam::${module.access_policy.account_id}:root" }
      Action    = "kms:*"
      Resource  = "*"
    }]
  })
  tags = local.tags
}

module "secret" {
  source   = "../modules/secret"
  for_each = var.secrets

  name                         = local.secret_names[each.key]
  description                  = each.value.description
  recovery_window_in_days      = var.recovery_window_in_days
  kms_key_id                   = local.kms_key_arn
  enable_rotation              = each.value.rotation.strategy != "none"
  rotation_lambda_arn          = lookup(local.rotation_lambda_arns, each.key, null)
  rotation_days                = coalesce(each.value.rotation.days, 30)
  rotation_schedule_expression = each.value.rotation.schedule_expression
  rotation_duration            = each.value.rotation.duration
  rotate_immediately           = local.rotate_immediately[each.key]
  tags                         = local.tags

  # The rotation resource (rotate_immediately) makes Secrets Manager invoke the function at
  # once: only after the invoke permission and the function's role policy exist (else "Secrets
  # Manager cannot invoke the specified Lambda function", as in aws/aws-cdk#26481).
  depends_on = [aws_lambda_permission.rotation, module.rotation_function]
}

# The rotation function's own permissions: it may write new versions of the app's secrets whose
# rotation function it is, and nothing else.
locals {
  rotation_policy_json = jsonencode({
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
      {
        Sid      = "ReadTheManifest" # what to generate for each secret
        Effect   = "Allow"
        Action   = ["ssm:GetParameter"]
        Resource = module.access_policy.named_parameter_arns
      },
      ], local.kms_key_arn == null ? [] : [
      {
        Sid       = "UseTheSecretsKeyThroughSecretsManager"
        Effect    = "Allow"
        Action    = ["kms:Decrypt", "kms:GenerateDataKey"]
        Resource  = [local.kms_key_arn]
        Condition = { StringEquals = { "kms:ViaService" = "secretsmanager.${var.region}.amazonaws.com" } }
      },
    ])
  })
}

# The kit's rotation function (lambda_src/rotation.py, its own package), one per app with a
# "generated" secret: it may write new versions of the app's secrets whose rotation function
# it is, and nothing else.
module "rotation_function" {
  source = "../modules/function"
  count  = length(local.generated) > 0 ? 1 : 0

  name                = local.rotation_function_name
  region              = var.region
  handler             = "rotation.handler"
  package_path        = var.rotation_package_path
  runtime             = var.runtime
  architecture        = var.architecture
  timeout             = 30
  extension_layer_arn = var.extension_layer_arn
  log_retention_days  = var.log_retention_days
  environment         = local.client_environment
  tags                = local.tags
  policy_json         = local.rotation_policy_json

}

resource "aws_lambda_permission" "rotation" {
  count = length(local.generated) > 0 ? 1 : 0

  statement_id   = "AllowSecretsManagerToRotate"
  action         = "lambda:InvokeFunction"
  function_name  = module.rotation_function[0].function_name
  principal      = "secretsmanager.amazonaws.com"
  source_account = module.access_policy.account_id # only this account's Secrets Manager (no confused deputy)
}

module "parameters" {
  source = "../modules/parameters"

  parameters = merge(
    {
      for key, p in var.parameters : local.parameter_names[key] => {
        type        = p.type
        value       = p.value
        description = p.description
        tier        = p.tier
      }
    },
    {
      (local.manifest_name) = {
        type = "String"
        # Over 8 KB the plan fails on outputs.tf's check, which names the app; the module's own
        # rule (a value too long for its tier, naming neither) must not be the one that speaks.
        value       = length(local.manifest) <= 8192 ? local.manifest : "{}"
        description = "What ${var.app} declares (names only), for its client and rotation function; written by Terraform"
        tier        = local.manifest_tier
      }
    },
  )
  tags = local.tags
}

module "access_policy" {
  source = "../modules/access_policy"

  region          = var.region
  parameter_paths = [for scope in local.parameter_scopes : "${local.prefix}/${scope}"]
  secret_paths    = [for scope in local.secret_scopes : "${local.prefix}/${scope}"]
  parameter_names = [local.manifest_name]
  kms_key_arns    = local.kms_key_arn == null ? [] : [local.kms_key_arn]
}

module "function" {
  source = "../modules/function"

  name                           = local.function_name
  region                         = var.region
  handler                        = var.handler
  package_path                   = var.package_path
  runtime                        = var.runtime
  architecture                   = var.architecture
  memory_size                    = var.memory_size
  timeout                        = var.timeout
  policy_json                    = module.access_policy.policy_json
  extension_layer_arn            = var.extension_layer_arn
  extension                      = var.extension
  log_retention_days             = var.log_retention_days
  tracing_mode                   = var.tracing_mode
  reserved_concurrent_executions = var.reserved_concurrent_executions
  tags                           = local.tags

  # The layer is always attached: read through it (SECRETS_CLIENT_BACKEND may say sdk on purpose).
  environment = merge({ SECRETS_CLIENT_BACKEND = "extension" }, var.environment, local.client_environment)
}
