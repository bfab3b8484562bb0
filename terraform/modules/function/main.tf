# The Lambda function, its role, its log group, and the AWS Parameters and Secrets
# Lambda Extension layer with the extension's settings as environment variables.

locals {
  # The extension's published layers: one row per region (publishing account and the
  # latest layer version per architecture), kept as data in extension-layers.csv.
  layer_rows = { for row in csvdecode(file("${path.module}/extension-layers.csv")) : row.region => row }
  layer_row  = lookup(local.layer_rows, var.region, null)
  layer_name = var.architecture == "arm64" ? "AWS-Parameters-and-Secrets-Lambda-Extension-Arm64" : "AWS-Parameters-and-Secrets-Lambda-Extension"
  layer_version = var.extension_layer_version != null ? tostring(var.extension_layer_version) : (
    local.layer_row == null ? "" : (var.architecture == "arm64" ? local.layer_row.arm64_layer_version : local.layer_row.x86_64_layer_version)
  )
  computed_layer_arn  = local.layer_row == null || local.layer_version == "" ? null : "arn:${local.layer_row.partition}:lambda:${var.region}:${local.layer_row.account}:layer:${local.layer_name}:${local.layer_version}"
  extension_layer_arn = var.extension_layer_arn != null ? var.extension_layer_arn : local.computed_layer_arn

  # An AWS extension layer must be from the function's region and of its architecture.
  layer_parts  = split(":", coalesce(local.extension_layer_arn, "none"))
  is_aws_layer = can(regex(":layer:AWS-Parameters-and-Secrets-Lambda-Extension", coalesce(local.extension_layer_arn, "none")))
  layer_fits   = !local.is_aws_layer || try(local.layer_parts[3] == var.region && endswith(local.layer_parts[6], "-Arm64") == (var.architecture == "arm64"), false)

  # Each extension setting under the exact variable name the extension reads.
  extension_environment = {
    PARAMETERS_SECRETS_EXTENSION_CACHE_ENABLED   = var.extension.cache_enabled ? "TRUE" : "FALSE"
    PARAMETERS_SECRETS_EXTENSION_CACHE_SIZE      = tostring(var.extension.cache_size)
    PARAMETERS_SECRETS_EXTENSION_HTTP_PORT       = tostring(var.extension.http_port)
    PARAMETERS_SECRETS_EXTENSION_MAX_CONNECTIONS = tostring(var.extension.max_connections)
    PARAMETERS_SECRETS_EXTENSION_LOG_LEVEL       = var.extension.log_level
    SECRETS_MANAGER_TTL                          = tostring(var.extension.secrets_manager_ttl)
    SSM_PARAMETER_STORE_TTL                      = tostring(var.extension.ssm_parameter_store_ttl)
    SECRETS_MANAGER_TIMEOUT_MILLIS               = tostring(var.extension.secrets_manager_timeout_millis)
    SSM_PARAMETER_STORE_TIMEOUT_MILLIS           = tostring(var.extension.ssm_parameter_store_timeout_millis)
  }
  log_group_name = "/aws/lambda/${var.name}"
}

data "aws_iam_policy_document" "assume" {
  statement {
    actions = ["sts:AssumeRole"]

    principals {
      type        = "Service"
      identifiers = ["lambda.amazonaws.com"]
    }
  }
}

resource "aws_iam_role" "this" {
  name               = var.name
  assume_role_policy = data.aws_iam_policy_document.assume.json
  tags               = var.tags
}

# The function's own permissions, whatever they are (a reader's, a rotation function's).
resource "aws_iam_role_policy" "this" {
  name   = "permissions"
  role   = aws_iam_role.this.id
  policy = var.policy_json
}

moved {
  from = aws_iam_role_policy.read
  to   = aws_iam_role_policy.this
}

resource "aws_iam_role_policy" "logs" {
  name = "write-own-logs"
  role = aws_iam_role.this.id
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Effect   = "Allow"
      Action   = ["logs:CreateLogStream", "logs:PutLogEvents"]
      Resource = "${aws_cloudwatch_log_group.this.arn}:*"
    }]
  })
}

resource "aws_cloudwatch_log_group" "this" {
  #checkov:skip=CKV_AWS_338:retention is an input (log_retention_days, default 30 days); a year of logs is the caller's cost choice
  #checkov:skip=CKV_AWS_158:log encryption with a customer key is an input (log_kms_key_arn); CloudWatch encrypts logs by default
  name              = local.log_group_name
  retention_in_days = var.log_retention_days
  kms_key_id        = var.log_kms_key_arn
  tags              = var.tags
}

resource "aws_lambda_function" "this" {
  #checkov:skip=CKV_AWS_116:invoked synchronously; errors return to the caller, so a dead-letter queue would stay empty
  #checkov:skip=CKV_AWS_117:the function only calls AWS APIs (through the extension); a VPC would add NAT or endpoint costs and no isolation
  #checkov:skip=CKV_AWS_272:code signing needs an AWS Signer pipeline; the zip is built reproducibly and its hash checked instead
  #checkov:skip=CKV_AWS_50:X-Ray tracing is an input (tracing_mode), off by default to avoid its cost
  #checkov:skip=CKV_AWS_173:the environment holds names only, never values; a customer key is an input (environment_kms_key_arn)
  #checkov:skip=CKV_AWS_115:reserved concurrency is an input (reserved_concurrent_executions); reserving by default takes from the account pool
  function_name    = var.name
  role             = aws_iam_role.this.arn
  handler          = var.handler
  runtime          = var.runtime
  architectures    = [var.architecture]
  filename         = var.package_path
  source_code_hash = filebase64sha256(var.package_path)
  memory_size      = var.memory_size
  timeout          = var.timeout
  layers           = local.extension_layer_arn == null ? [] : [local.extension_layer_arn]
  kms_key_arn      = var.environment_kms_key_arn
  tags             = var.tags

  reserved_concurrent_executions = var.reserved_concurrent_executions

  environment {
    variables = merge(var.environment, local.extension_environment)
  }

  dynamic "tracing_config" {
    for_each = var.tracing_mode == null ? [] : [var.tracing_mode]

    content {
      mode = tracing_config.value
    }
  }

  lifecycle {
    precondition {
      condition     = local.extension_layer_arn != null
      error_message = "function ${var.name}: no AWS Parameters and Secrets Lambda Extension layer is known for region ${var.region} and architecture ${var.architecture}: set extension_layer_arn (see AWS's table of layer ARNs)."
    }
    precondition {
      condition     = local.layer_fits
      error_message = "function ${var.name}: the extension layer ${coalesce(local.extension_layer_arn, "-")} does not match region ${var.region} and architecture ${var.architecture}: a layer from another region, or an x86_64 layer on arm64 (or the reverse), fails at deploy or at run time."
    }
    precondition {
      condition     = length(setintersection(keys(var.environment), keys(local.extension_environment))) == 0
      error_message = "function ${var.name}: environment must not set the extension's variables (${join(", ", sort(setintersection(keys(var.environment), keys(local.extension_environment))))}); use the extension input instead."
    }
  }

  depends_on = [aws_cloudwatch_log_group.this, aws_iam_role_policy.logs, aws_iam_role_policy.this]
}
