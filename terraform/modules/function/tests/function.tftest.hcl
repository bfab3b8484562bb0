# Tests of the function module (`make tf-test`, against the sandbox). Plan mode: creating
# the function needs the extension layer, which only the sandbox root publishes (the
# end-to-end tests apply that).

variables {
  name         = "test-fn"
  region       = "us-east-1"
  package_path = "main.tf" # any file: plan only hashes it
  policy_json  = "{\"Version\":\"2012-10-17\",\"Statement\":[]}"
}

run "layer_for_a_region_with_its_own_publishing_account_arm64" {
  command = plan
  variables {
    region       = "af-south-1"
    architecture = "arm64"
  }
  assert {
    condition     = output.extension_layer_arn == "arn:aws:lambda:af-south-1:317013901791:layer:AWS-Parameters-and-Secrets-Lambda-Extension-Arm64:97"
    error_message = "af-south-1 arm64: that region's account, the -Arm64 layer, its version"
  }
}

run "layer_x86_64_in_us_west_2" {
  command = plan
  variables {
    region       = "us-west-2"
    architecture = "x86_64"
  }
  assert {
    condition     = output.extension_layer_arn == "arn:aws:lambda:us-west-2:345057560386:layer:AWS-Parameters-and-Secrets-Lambda-Extension:99"
    error_message = "us-west-2 x86_64: account 345057560386, the plain layer name"
  }
}

run "layer_in_another_partition" {
  command = plan
  variables { region = "cn-north-1" }
  assert {
    condition     = startswith(output.extension_layer_arn, "arn:aws-cn:lambda:cn-north-1:287114880934:layer:")
    error_message = "China regions use the aws-cn partition"
  }
}

run "layer_version_and_whole_arn_can_be_overridden" {
  command = plan
  variables { extension_layer_version = 12 }
  assert {
    condition     = endswith(output.extension_layer_arn, "-Arm64:12")
    error_message = "the version override must be used"
  }
}

run "extension_settings_map_to_the_exact_variable_names" {
  command = plan
  variables {
    extension   = { secrets_manager_ttl = 60, cache_enabled = false, log_level = "DEBUG", ssm_parameter_store_timeout_millis = 500 }
    environment = { SECRETS_CLIENT_PREFIX = "/test/app" }
  }
  assert {
    condition = jsonencode(aws_lambda_function.this.environment[0].variables) == jsonencode({
      SECRETS_CLIENT_PREFIX                        = "/test/app"
      PARAMETERS_SECRETS_EXTENSION_CACHE_ENABLED   = "FALSE"
      PARAMETERS_SECRETS_EXTENSION_CACHE_SIZE      = "1000"
      PARAMETERS_SECRETS_EXTENSION_HTTP_PORT       = "2773"
      PARAMETERS_SECRETS_EXTENSION_MAX_CONNECTIONS = "3"
      PARAMETERS_SECRETS_EXTENSION_LOG_LEVEL       = "DEBUG"
      SECRETS_MANAGER_TTL                          = "60"
      SSM_PARAMETER_STORE_TTL                      = "300"
      SECRETS_MANAGER_TIMEOUT_MILLIS               = "0"
      SSM_PARAMETER_STORE_TIMEOUT_MILLIS           = "500"
    })
    error_message = "each setting under the variable name the extension reads, AWS's defaults elsewhere"
  }
}

run "log_group_retention_and_tracing" {
  command = plan
  variables {
    log_retention_days             = 90
    tracing_mode                   = "Active"
    reserved_concurrent_executions = 5
  }
  assert {
    condition     = aws_cloudwatch_log_group.this.name == "/aws/lambda/test-fn" && aws_cloudwatch_log_group.this.retention_in_days == 90
    error_message = "the log group is the function's, with the given retention"
  }
  assert {
    condition     = aws_lambda_function.this.tracing_config[0].mode == "Active" && aws_lambda_function.this.reserved_concurrent_executions == 5
    error_message = "tracing and reserved concurrency must be passed through"
  }
}

run "rejects_a_region_with_no_published_layer" {
  command = plan
  variables { region = "xx-nowhere-1" }
  expect_failures = [aws_lambda_function.this]
}

run "rejects_arm64_where_only_x86_64_is_published" {
  command = plan
  variables { region = "eusc-de-east-1" }
  expect_failures = [aws_lambda_function.this]
}

run "rejects_a_layer_from_another_region" {
  command = plan
  variables { extension_layer_arn = "arn:aws:lambda:us-west-2:345057560386:layer:AWS-Parameters-and-Secrets-Lambda-Extension-Arm64:99" }
  expect_failures = [aws_lambda_function.this]
}

run "rejects_an_x86_64_layer_on_arm64" {
  command = plan
  variables { extension_layer_arn = "arn:aws:lambda:us-east-1:177933569100:layer:AWS-Parameters-and-Secrets-Lambda-Extension:99" }
  expect_failures = [aws_lambda_function.this]
}

run "rejects_environment_that_sets_extension_variables" {
  command = plan
  variables { environment = { SECRETS_MANAGER_TTL = "0" } }
  expect_failures = [aws_lambda_function.this]
}

run "rejects_a_bad_name" {
  command = plan
  variables { name = "my function" }
  expect_failures = [var.name]
}

run "rejects_an_old_runtime" {
  command = plan
  variables { runtime = "python3.8" }
  expect_failures = [var.runtime]
}

run "rejects_an_unknown_architecture" {
  command = plan
  variables { architecture = "arm" }
  expect_failures = [var.architecture]
}

run "rejects_too_little_memory" {
  command = plan
  variables { memory_size = 64 }
  expect_failures = [var.memory_size]
}

run "rejects_a_timeout_over_15_minutes" {
  command = plan
  variables { timeout = 901 }
  expect_failures = [var.timeout]
}

run "rejects_an_unsupported_log_retention" {
  command = plan
  variables { log_retention_days = 2 }
  expect_failures = [var.log_retention_days]
}

run "rejects_negative_reserved_concurrency" {
  command = plan
  variables { reserved_concurrent_executions = -2 }
  expect_failures = [var.reserved_concurrent_executions]
}

run "rejects_an_unknown_tracing_mode" {
  command = plan
  variables { tracing_mode = "On" }
  expect_failures = [var.tracing_mode]
}

run "rejects_a_malformed_layer_arn" {
  command = plan
  variables { extension_layer_arn = "AWS-Parameters-and-Secrets-Lambda-Extension:12" }
  expect_failures = [var.extension_layer_arn]
}

run "rejects_layer_version_zero" {
  command = plan
  variables { extension_layer_version = 0 }
  expect_failures = [var.extension_layer_version]
}

run "rejects_a_ttl_over_300" {
  command = plan
  variables { extension = { ssm_parameter_store_ttl = 301 } }
  expect_failures = [var.extension]
}

run "rejects_a_cache_size_over_1000" {
  command = plan
  variables { extension = { cache_size = 1001 } }
  expect_failures = [var.extension]
}

run "rejects_port_zero" {
  command = plan
  variables { extension = { http_port = 0 } }
  expect_failures = [var.extension]
}

run "rejects_zero_max_connections" {
  command = plan
  variables { extension = { max_connections = 0 } }
  expect_failures = [var.extension]
}

run "rejects_an_unknown_log_level" {
  command = plan
  variables { extension = { log_level = "LOUD" } }
  expect_failures = [var.extension]
}

run "rejects_fractional_timeouts" {
  command = plan
  variables { extension = { secrets_manager_timeout_millis = 1.5 } }
  expect_failures = [var.extension]
}
