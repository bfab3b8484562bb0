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

# ---------------------------------------------------------------------------------------------
# AWS limits, checked at plan time (docs/troubleshooting.md cites each one)
# ---------------------------------------------------------------------------------------------

run "the_longest_env_and_app_names_fit_every_aws_name_limit" {
  command = plan
  variables {
    env                   = "abcdefghijklmnop"                 # 16, the most env allows
    app                   = "abcdefghijklmnopqrstuvwxyz012345" # 32, the most app allows
    secrets               = { "secrets/a" = { rotation = { strategy = "generated", days = 30 } } }
    rotation_package_path = "main.tf"
  }
  assert {
    condition     = length(output.function_name) <= 64 && length(output.rotation_function_name) == 56
    error_message = "function and role names (Lambda 64, IAM 64) are at most <env>-<app>-rotate, 56 characters"
  }
  assert {
    condition     = length("/aws/lambda/${output.rotation_function_name}") <= 512
    error_message = "a log group name has at most 512 characters"
  }
  assert {
    condition     = alltrue([for name in concat(values(output.secret_names), values(output.parameter_names), values(output.secure_parameter_names)) : length(split("/", name)) - 1 == 4])
    error_message = "every name is 4 levels deep (SSM allows 15)"
  }
}

run "a_secret_name_of_512_characters_is_accepted" {
  command = plan
  variables { secrets = { "secrets/${format("%0489d", 0)}" = {} } } # /test/payments/secrets/ (23) + 489
  assert {
    condition     = length(output.secret_names["secrets/${format("%0489d", 0)}"]) == 512
    error_message = "512 characters is Secrets Manager's most"
  }
}

run "rejects_a_secret_name_over_512_characters" {
  command = plan
  variables { secrets = { "secrets/${format("%0490d", 0)}" = {} } }
  expect_failures = [var.secrets]
}

run "a_parameter_name_of_1011_characters_with_its_arn_is_accepted" {
  command = plan
  variables {
    parameters        = { "config/${format("%0944d", 0)}" = { value = "x" } } # arn:...:parameter/ (45) + /test/payments/config/ (22) + 944
    secure_parameters = { "secrets/${format("%0943d", 0)}" = {} }             # 45 + /test/payments/secrets/ (23) + 943
  }
  assert {
    condition     = local.ssm_arn_length == 45
    error_message = "arn:aws:ssm:us-east-1:123456789012:parameter/ is 45 characters"
  }
}

run "rejects_a_parameter_name_over_1011_characters_with_its_arn" {
  command = plan
  variables { parameters = { "config/${format("%0945d", 0)}" = { value = "x" } } }
  expect_failures = [var.parameters]
}

run "rejects_a_securestring_name_over_1011_characters_with_its_arn" {
  command = plan
  variables { secure_parameters = { "secrets/${format("%0944d", 0)}" = {} } }
  expect_failures = [var.secure_parameters]
}

run "an_environment_of_4096_bytes_is_accepted" {
  command = plan
  variables { environment = { PAD = format("%03570d", 0) } } # the kit's and the extension's variables: 517 bytes of JSON
  assert {
    condition     = local.environment_bytes == 4096
    error_message = "4096 bytes, as Lambda measures the JSON of the variables"
  }
}

run "rejects_an_environment_over_4096_bytes" {
  command = plan
  variables { environment = { PAD = format("%03571d", 0) } }
  expect_failures = [output.environment_variables]
}

run "rejects_an_environment_over_4096_bytes_in_utf8_though_4096_characters" {
  command = plan
  variables { environment = { PAD = "${format("%03569d", 0)}é" } } # é is 2 bytes
  expect_failures = [output.environment_variables]
}

run "characters_jsonencode_escapes_count_once" {
  command = plan
  variables { environment = { PAD = "${format("%03569d", 0)}<" } } # jsonencode writes \u003c; Lambda's JSON has <
  assert {
    condition     = local.environment_bytes == 4096
    error_message = "< counts as one byte"
  }
}

run "three_hundred_items_keep_the_environment_fixed_and_move_the_manifest_to_advanced" {
  command = plan
  variables {
    secrets           = { for i in range(100) : format("secrets/item_%03d", i) => {} }
    secure_parameters = { for i in range(100) : format("secure/item_%03d", i) => {} }
    parameters        = { for i in range(100) : format("config/item_%03d", i) => { value = "v" } }
  }
  assert {
    condition     = local.environment_bytes == 517 && length(output.environment_variables) == 12
    error_message = "the function's environment names the app, never its items: 517 bytes with 3 items or 300"
  }
  assert {
    condition     = length(local.manifest) > 4096 && length(local.manifest) <= 8192 && local.manifest_tier == "Advanced"
    error_message = "a manifest over 4 KB is an Advanced parameter (up to 8 KB)"
  }
}

run "a_manifest_of_4_kb_or_less_is_standard" {
  command = plan
  assert {
    condition     = local.manifest_tier == "Standard"
    error_message = "a small manifest stays Standard (no charge)"
  }
}

run "rejects_a_manifest_over_8_kb" {
  command = plan
  variables {
    secrets           = { for i in range(150) : format("secrets/item_%03d", i) => {} }
    secure_parameters = { for i in range(150) : format("secure/item_%03d", i) => {} }
    parameters        = { for i in range(150) : format("config/item_%03d", i) => { value = "v" } }
  }
  expect_failures = [output.manifest_parameter_name]
}

run "rejects_inline_policies_over_10240_characters" {
  command = plan
  variables { secrets = { for i in range(130) : format("s%03d/x", i) => {} } } # 130 secret scopes, a path each
  expect_failures = [output.role_arn]
}

run "rejects_rotation_inline_policies_over_10240_characters" {
  command = plan
  variables {
    # 130 secret scopes (the rotation role may write each), one secret rotated by the kit
    secrets               = merge({ for i in range(1, 130) : format("s%03d/x", i) => {} }, { "s000/x" = { rotation = { strategy = "generated", days = 30 } } })
    rotation_package_path = "main.tf"
  }
  expect_failures = [output.role_arn, output.rotation_function_name]
}

run "the_inline_policies_are_counted_as_iam_counts_them" {
  command = plan
  assert {
    condition     = local.inline_policy_chars.function == length(replace(output.read_policy_json, "/\\s/", "")) + local.logs_policy_chars["test-payments"] && local.logs_policy_chars["test-payments"] == 198
    error_message = "permissions + write-own-logs ({\"Statement\":[{\"Action\":[...],\"Effect\":\"Allow\",\"Resource\":\"<log group ARN>:*\"}],\"Version\":\"2012-10-17\"})"
  }
}
