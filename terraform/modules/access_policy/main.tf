# A least-privilege read policy generated from name paths: the function may read the
# SSM parameters and Secrets Manager secrets under its own /<env>/<app>/<scope> paths,
# and nothing else.
data "aws_caller_identity" "current" {}

data "aws_partition" "current" {}

locals {
  arn_base = "${data.aws_partition.current.partition}:%s:${var.region}:${data.aws_caller_identity.current.account_id}"
  ssm_base = format("arn:${local.arn_base}:parameter", "ssm")
  sm_base  = format("arn:${local.arn_base}:secret:", "secretsmanager")

  # An SSM parameter ARN is "parameter" + the name, which starts with "/": no double slash.
  parameter_arns = [for path in var.parameter_paths : "${local.ssm_base}${path}/*"]
  # GetParametersByPath is authorized on the path itself, not on the names below it.
  parameter_path_arns = [for path in var.parameter_paths : "${local.ssm_base}${path}"]
  # A secret ARN ends in "-" and 6 random characters: the trailing * covers it.
  secret_arns = [for path in var.secret_paths : "${local.sm_base}${path}/*"]

  statements = concat(
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
        Action   = ["secretsmanager:GetSecretValue", "secretsmanager:DescribeSecret"]
        Resource = local.secret_arns
      },
    ],
  )
}
