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

run "function_environment_names_every_item" {
  command = plan
  assert {
    condition     = module.function.environment_variables["APP_SECRET_IDS"] == "/test/payments/secrets/stripe_api_key"
    error_message = "the function gets the secret's name"
  }
  assert {
    condition     = module.function.environment_variables["APP_PARAMETER_NAMES"] == "/test/payments/config/api_base_url,/test/payments/secrets/db_password"
    error_message = "the function gets every parameter's name, SecureStrings included, sorted"
  }
}

run "policy_paths_are_per_scope" {
  command = plan
  assert {
    condition     = jsondecode(output.read_policy_json).Statement[0].Resource == ["arn:aws:ssm:us-east-1:123456789012:parameter/test/payments/config/*", "arn:aws:ssm:us-east-1:123456789012:parameter/test/payments/secrets/*"]
    error_message = "one SSM path per scope used by a parameter"
  }
  assert {
    condition     = jsondecode(output.read_policy_json).Statement[2].Resource == ["arn:aws:secretsmanager:us-east-1:123456789012:secret:/test/payments/secrets/*"]
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
  variables { rotation = { enabled = true } }
  assert {
    condition     = local.rotation_function_arn == "arn:aws:lambda:us-east-1:123456789012:function:test-payments-rotate"
    error_message = "the rotation function's ARN (the role's AllowRotationLambdaArn condition and the secret's rotation) is built from partition, region, account and name"
  }
}

run "rejects_a_kms_alias_as_the_key" {
  command = plan
  variables { kms_key_arn = "alias/app" }
  expect_failures = [var.kms_key_arn]
}
