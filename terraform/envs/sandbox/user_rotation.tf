# Rotation strategy "lambda" in the sandbox: the user's own rotation functions.
#
# On AWS a secret declared rotation = { strategy = "lambda", lambda_arn = "..." } is rotated by
# a function you deploy yourself (your Terraform, SAM, ...): the stack only names it. The
# sandbox stands in for that deploy, so that `make rotate` can run your function through the
# local runner: for each function a `lambda` secret names, it deploys one with the function
# name from the ARN, the code of the secret's app (its source folder's package, as `make
# package` builds it) and the handler `rotate.handler` (apps/<app>/rotate.py; the orders app
# has the example). Its role may rotate the secrets that name it, and nothing else.

locals {
  user_rotated = flatten([
    for app, a in var.apps : [
      for key, s in a.secrets : {
        app      = app
        function = element(split(":", s.rotation.lambda_arn), 6) # arn:aws:lambda:<region>:<account>:function:<name>
        secret   = "/${local.env}/${app}/${key}"
      } if s.rotation.strategy == "lambda" && s.rotation.lambda_arn != null # the stack refuses a lambda strategy without it
    ]
  ])
  user_rotation_functions = { for r in local.user_rotated : r.function => r... } # function name -> the secrets naming it
}

module "user_rotation_function" {
  source   = "../../modules/function"
  for_each = local.user_rotation_functions

  name                = each.key
  region              = var.region
  handler             = "rotate.handler"
  package_path        = "${path.root}/../../../packages/${local.env}/${each.value[0].app}.zip"
  runtime             = var.defaults.runtime
  architecture        = var.defaults.architecture
  timeout             = 30
  log_retention_days  = var.defaults.log_retention_days
  extension_layer_arn = aws_lambda_layer_version.extension_emulator.arn
  tags                = merge(var.defaults.tags, { App = each.value[0].app, Environment = local.env })
  policy_json = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Sid      = "RotateTheSecretsThatNameIt"
      Effect   = "Allow"
      Action   = ["secretsmanager:DescribeSecret", "secretsmanager:GetSecretValue", "secretsmanager:PutSecretValue", "secretsmanager:UpdateSecretVersionStage"]
      Resource = [for r in each.value : "arn:aws:secretsmanager:${var.region}:${split(":", module.stack[r.app].function_arn)[4]}:secret:${r.secret}-*"]
    }]
  })
}
