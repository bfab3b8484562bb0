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

  tags = merge(var.tags, { App = var.app, Environment = var.env })
}

module "secret" {
  source   = "../modules/secret"
  for_each = var.secrets

  name                    = local.secret_names[each.key]
  description             = each.value.description
  recovery_window_in_days = var.recovery_window_in_days
  tags                    = local.tags
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
  read_policy_json    = module.access_policy.policy_json
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
