# A least-privilege read policy generated from name paths: the function may read the
# SSM parameters and Secrets Manager secrets under its own /<env>/<app>/<scope> paths,
# decrypt with the given customer-managed keys only through those two services, and
# nothing else.
data "aws_caller_identity" "current" {}

data "aws_partition" "current" {}

locals {
  account = data.aws_caller_identity.current.account_id
  ssm_arn = "arn:${data.aws_partition.current.partition}:ssm:${var.region}:${local.account}:parameter"
  sm_arn  = "arn:${data.aws_partition.current.partition}:secretsmanager:${var.region}:${local.account}:secret:"

  # An SSM parameter ARN is "parameter" + the name, which starts with "/": no double slash.
  parameter_arns = [for path in var.parameter_paths : "${local.ssm_arn}${path}/*"]
  # Exact parameters outside the scope paths (the app's manifest).
  exact_parameter_arns = [for name in var.parameter_names : "${local.ssm_arn}${name}"]
  # GetParametersByPath is authorized on the path itself, not on the names below it.
  parameter_path_arns = [for path in var.parameter_paths : "${local.ssm_arn}${path}"]
  # A secret ARN is the name + "-" + 6 random characters: "/*" covers exactly the names below the path.
  secret_arns = [for path in var.secret_paths : "${local.sm_arn}${path}/*"]
  via_services = concat(
    length(var.parameter_paths) == 0 ? [] : ["ssm.${var.region}.amazonaws.com"],
    length(var.secret_paths) == 0 ? [] : ["secretsmanager.${var.region}.amazonaws.com"],
  )

  statements = concat(
    length(var.parameter_names) == 0 ? [] : [
      {
        Sid      = "ReadNamedParameters"
        Effect   = "Allow"
        Action   = ["ssm:GetParameter", "ssm:GetParameters"]
        Resource = local.exact_parameter_arns
      },
    ],
    length(var.parameter_paths) == 0 ? [] : [
      {
        Sid      = "ReadParameters"
        Effect   = "Allow"
        Action   = ["ssm:GetParameter", "ssm:GetParameters"]
        Resource = local.parameter_arns
      },
      {
        Sid      = "ReadParametersByPath"
        Effect   = "Allow"
        Action   = ["ssm:GetParametersByPath"]
        Resource = concat(local.parameter_path_arns, local.parameter_arns)
      },
    ],
    length(var.secret_paths) == 0 ? [] : [
      {
        Sid      = "ReadSecrets"
        Effect   = "Allow"
        Action   = ["secretsmanager:GetSecretValue"]
        Resource = local.secret_arns
      },
      {
        # BatchGetSecretValue (the client's SDK path) has no resource to scope to; it returns only the
        # secrets the caller may GetSecretValue: "you must have permissions for both
        # secretsmanager:BatchGetSecretValue and secretsmanager:GetSecretValue for each secret".
        Sid      = "ReadSecretsInBatches"
        Effect   = "Allow"
        Action   = ["secretsmanager:BatchGetSecretValue"]
        Resource = ["*"]
      },
    ],
    length(var.kms_key_arns) == 0 ? [] : [
      {
        Sid       = "DecryptThroughTheseServicesOnly"
        Effect    = "Allow"
        Action    = ["kms:Decrypt"]
        Resource  = var.kms_key_arns
        Condition = { StringEquals = { "kms:ViaService" = local.via_services } }
      },
    ],
  )
}
