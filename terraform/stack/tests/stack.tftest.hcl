# Tests of the stack (`make tf-test`, against the sandbox): every name is derived once from
# env, app and "<scope>/<name>" keys, and bad names are refused at plan time.

variables {
  env          = "test"
  app          = "payments"
  region       = "us-east-1"
  package_path = "main.tf" # any file: plan only hashes it
  secrets      = { "secrets/stripe_api_key" = {} }
  secure_parameters = {
    "secrets/db_password" = {}
  }
  parameters = {
    "config/api_base_url" = { value = "https://api.example.com" }
  }
}

run "names_follow_env_app_scope_name" {
  command = plan
  assert {
    condition     = output.secret_names["secrets/stripe_api_key"] == "/test/payments/secrets/stripe_api_key"
    error_message = "a secret's name is /<env>/<app>/<scope>/<name>"
  }
  assert {
    condition     = module.function.function_name == "test-payments"
    error_message = "the function is <env>-<app>"
  }
}

run "function_environment_names_the_app_not_its_items" {
  command = plan
  assert {
    condition     = module.function.environment_variables["SECRETS_CLIENT_PREFIX"] == "/test/payments"
    error_message = "the function gets its app's prefix, so its code names items relative to the app"
  }
  assert {
    condition     = module.function.environment_variables["SECRETS_CLIENT_MANIFEST"] == "/test/payments/manifest"
    error_message = "the function gets its manifest's name (a fixed size, whatever the item count)"
  }
  assert {
    condition     = !contains(keys(module.function.environment_variables), "APP_SECRET_IDS")
    error_message = "no environment variable grows with the number of items (Lambda's 4 KB limit)"
  }
}

run "the_manifest_lists_every_item_by_short_name" {
  command = plan
  variables {
    secrets = {
      "secrets/stripe_api_key" = {}
      "secrets/db"             = { format = "json", rotation = { strategy = "generated", days = 7, fields = ["password"] } }
    }
    rotation_package_path = "main.tf"
  }
  assert {
    condition     = jsondecode(local.manifest).secrets == ["secrets/db", "secrets/stripe_api_key"] && jsondecode(local.manifest).secure_parameters == ["secrets/db_password"] && jsondecode(local.manifest).parameters == ["config/api_base_url"]
    error_message = "the manifest names each item relative to the app, by kind"
  }
  assert {
    condition     = jsondecode(local.manifest).formats == { "secrets/db" = "json" } && jsondecode(local.manifest).rotation["secrets/db"].fields == ["password"] && !contains(keys(jsondecode(local.manifest).rotation), "secrets/stripe_api_key")
    error_message = "the manifest lists non-string formats and rotated secrets only"
  }
  assert {
    condition     = jsonencode(module.parameters.parameter_names) == jsonencode(["/test/payments/config/api_base_url", "/test/payments/manifest"])
    error_message = "the manifest is an SSM parameter beside the app's configuration"
  }
}

run "policy_paths_are_per_scope" {
  command = plan
  assert {
    condition     = jsondecode(output.read_policy_json).Statement[1].Resource == ["arn:aws:ssm:us-east-1:123456789012:parameter/test/payments/config/*", "arn:aws:ssm:us-east-1:123456789012:parameter/test/payments/secrets/*"]
    error_message = "one SSM path per scope used by a parameter"
  }
  assert {
    condition     = jsondecode(output.read_policy_json).Statement[3].Resource == ["arn:aws:secretsmanager:us-east-1:123456789012:secret:/test/payments/secrets/*"]
    error_message = "one secret path per scope used by a secret"
  }
}

run "rejects_an_uppercase_env" {
  command = plan
  variables { env = "Prod" }
  expect_failures = [var.env]
}

run "rejects_an_app_with_a_slash" {
  command = plan
  variables { app = "pay/ments" }
  expect_failures = [var.app]
}

run "rejects_a_bad_region" {
  command = plan
  variables { region = "us-east" }
  expect_failures = [var.region]
}

run "rejects_a_secret_key_with_a_leading_slash" {
  command = plan
  variables { secrets = { "/secrets/key" = {} } }
  expect_failures = [var.secrets]
}

run "rejects_a_parameter_key_without_scope" {
  command = plan
  variables { parameters = { "api_base_url" = { value = "x" } } }
  expect_failures = [var.parameters]
}

run "rejects_a_secure_parameter_key_with_two_slashes" {
  command = plan
  variables { secure_parameters = { "secrets/db/password" = {} } }
  expect_failures = [var.secure_parameters]
}

run "rejects_a_dot_dot_name" {
  command = plan
  variables { secrets = { "secrets/.." = {} } }
  expect_failures = [var.secrets]
}

run "rejects_a_key_in_both_parameter_maps" {
  command = plan
  variables {
    parameters        = { "secrets/db_password" = { value = "x" } }
    secure_parameters = { "secrets/db_password" = {} }
  }
  expect_failures = [var.secure_parameters]
}

run "rotation_is_tied_to_its_own_function" {
  command = plan
  variables {
    secrets               = { "secrets/stripe_api_key" = { rotation = { strategy = "generated", days = 30 } } }
    rotation_package_path = "main.tf"
  }
  assert {
    condition     = local.rotation_function_arn == "arn:aws:lambda:us-east-1:123456789012:function:test-payments-rotate"
    error_message = "the rotation function's ARN (the role's AllowRotationLambdaArn condition and the secret's rotation) is built from partition, region, account and name"
  }
  assert {
    condition     = length(module.rotation_function) == 1 && local.rotation_lambda_arns["secrets/stripe_api_key"] == local.rotation_function_arn
    error_message = "a generated secret gets the app's rotation function"
  }
}

run "a_lambda_strategy_uses_the_given_function_and_no_kit_function" {
  command = plan
  variables {
    secrets = { "secrets/stripe_api_key" = { rotation = { strategy = "lambda", lambda_arn = "arn:aws:lambda:us-east-1:123456789012:function:rotate-stripe", schedule_expression = "rate(10 days)" } } }
  }
  assert {
    condition     = length(module.rotation_function) == 0 && local.rotation_lambda_arns["secrets/stripe_api_key"] == "arn:aws:lambda:us-east-1:123456789012:function:rotate-stripe"
    error_message = "strategy lambda rotates with the user's own function"
  }
}

run "rejects_an_unknown_rotation_strategy" {
  command = plan
  variables { secrets = { "secrets/a" = { rotation = { strategy = "random", days = 30 } } } }
  expect_failures = [var.secrets]
}

run "rejects_generated_without_fields_on_a_json_secret" {
  command = plan
  variables {
    secrets               = { "secrets/db" = { format = "json", rotation = { strategy = "generated", days = 30 } } }
    rotation_package_path = "main.tf"
  }
  expect_failures = [var.secrets]
}

run "rejects_two_schedules" {
  command = plan
  variables { secrets = { "secrets/a" = { rotation = { strategy = "lambda", lambda_arn = "arn:aws:lambda:us-east-1:123456789012:function:f", days = 30, schedule_expression = "rate(30 days)" } } } }
  expect_failures = [var.secrets]
}

run "rejects_lambda_without_its_arn" {
  command = plan
  variables { secrets = { "secrets/a" = { rotation = { strategy = "lambda", days = 30 } } } }
  expect_failures = [var.secrets]
}

run "rejects_an_unknown_format" {
  command = plan
  variables { secrets = { "secrets/a" = { format = "yaml" } } }
  expect_failures = [var.secrets]
}

run "rejects_generated_on_a_binary_secret" {
  command = plan
  variables {
    secrets               = { "secrets/a" = { format = "binary", rotation = { strategy = "generated", days = 30 } } }
    rotation_package_path = "main.tf"
  }
  expect_failures = [var.secrets]
}

run "rejects_a_generated_secret_without_the_rotation_package" {
  command = plan
  variables { secrets = { "secrets/a" = { rotation = { strategy = "generated", days = 30 } } } }
  expect_failures = [var.rotation_package_path]
}

run "rejects_an_environment_that_sets_the_kits_names" {
  command = plan
  variables { environment = { SECRETS_CLIENT_PREFIX = "/prod/other" } }
  expect_failures = [var.environment]
}

run "rejects_a_key_both_given_and_created" {
  command = plan
  variables {
    kms_key_arn    = "arn:aws:kms:us-east-1:123456789012:key/0f2dbfe2-1111-2222-3333-444455556666"
    create_kms_key = true
  }
  expect_failures = [var.create_kms_key]
}

run "rejects_a_securestring_parameter_in_parameters" {
  command = plan
  variables { parameters = { "secrets/x" = { type = "SecureString", value = "x" } } }
  expect_failures = [var.parameters]
}

run "rejects_a_kms_alias_as_the_key" {
  command = plan
  variables { kms_key_arn = "alias/app" }
  expect_failures = [var.kms_key_arn]
}

run "a_json_secret_the_kit_generates_waits_for_its_first_value" {
  command = plan
  variables {
    secrets = {
      "secrets/db"  = { format = "json", rotation = { strategy = "generated", days = 30, fields = ["password"] } }
      "secrets/key" = { rotation = { strategy = "generated", days = 30 } }
    }
    rotation_package_path = "main.tf"
  }
  assert {
    condition     = local.rotate_immediately["secrets/key"] && !local.rotate_immediately["secrets/db"]
    error_message = "unset rotate_immediately: a string secret rotates at once (its first value), a json one waits for its object"
  }
}
