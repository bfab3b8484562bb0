# Tests of the secret module. `make tf-test` runs them against the sandbox (the bridge adds
# the sandbox's provider configuration); plan-mode runs with expect_failures cover every
# validation.

variables {
  name                    = "/test/app/secrets/api_key"
  recovery_window_in_days = 0
  # Set only because `terraform test` (before 1.17) rejects an unset optional ephemeral
  # variable at apply: hashicorp/terraform#38974. Unused while secret_string_wo_version is null.
  secret_string_wo = "unused"
}

run "creates_an_empty_secret" {
  assert {
    condition     = aws_secretsmanager_secret.this.name == "/test/app/secrets/api_key"
    error_message = "the secret must have the given name"
  }
  assert {
    condition     = output.secret_version_id == null && !output.rotation_enabled
    error_message = "by default no value and no rotation are managed by Terraform"
  }
  assert {
    condition     = can(regex(":secret:/test/app/secrets/api_key-[A-Za-z0-9]{6}$", output.secret_arn))
    error_message = "the ARN must end in the name and a 6-character suffix"
  }
}

run "resource_policy_blocks_public_access" {
  variables {
    name = "/test/app/secrets/with_policy"
    policy_json = jsonencode({
      Version   = "2012-10-17"
      Statement = [{ Effect = "Deny", Principal = { AWS = "*" }, Action = "secretsmanager:DeleteSecret", Resource = "*" }]
    })
  }
  assert {
    condition     = aws_secretsmanager_secret_policy.this[0].block_public_policy
    error_message = "public policies must always be blocked"
  }
}

run "rotation_is_configured_when_asked" {
  command = plan
  variables {
    enable_rotation     = true
    rotation_lambda_arn = "arn:aws:lambda:us-east-1:123456789012:function:rotate-api-key"
    rotation_days       = 30
  }
  assert {
    condition     = aws_secretsmanager_secret_rotation.this[0].rotation_rules[0].automatically_after_days == 30
    error_message = "rotation must use the given schedule"
  }
}

run "rejects_a_name_over_512_characters" {
  command = plan
  variables { name = "/test/app/secrets/${join("", [for i in range(500) : "x"])}" }
  expect_failures = [var.name]
}

run "rejects_a_short_recovery_window" {
  command = plan
  variables { recovery_window_in_days = 3 }
  expect_failures = [var.recovery_window_in_days]
}

run "rejects_write_only_version_zero" {
  command = plan
  variables { secret_string_wo_version = 0 }
  expect_failures = [var.secret_string_wo_version]
}

run "rejects_a_rotation_function_that_is_not_an_arn" {
  command = plan
  variables { rotation_lambda_arn = "rotate-api-key" }
  expect_failures = [var.rotation_lambda_arn]
}

run "rejects_rotation_without_a_function" {
  command = plan
  variables { enable_rotation = true }
  expect_failures = [var.rotation_lambda_arn]
}

run "rejects_rotation_days_zero" {
  command = plan
  variables { rotation_days = 0 }
  expect_failures = [var.rotation_days]
}

run "rejects_duplicate_replica_regions" {
  command = plan
  variables { replicas = [{ region = "eu-west-1" }, { region = "eu-west-1" }] }
  expect_failures = [var.replicas]
}

run "rejects_a_policy_that_is_not_json" {
  command = plan
  variables { policy_json = "allow everything" }
  expect_failures = [var.policy_json]
}

run "rejects_a_schedule_expression_that_is_not_rate_or_cron" {
  command = plan
  variables {
    enable_rotation              = true
    rotation_lambda_arn          = "arn:aws:lambda:us-east-1:123456789012:function:rotate"
    rotation_schedule_expression = "every 10 days"
  }
  expect_failures = [var.rotation_schedule_expression]
}

run "rejects_a_duration_that_is_not_hours" {
  command = plan
  variables {
    enable_rotation     = true
    rotation_lambda_arn = "arn:aws:lambda:us-east-1:123456789012:function:rotate"
    rotation_duration   = "90m"
  }
  expect_failures = [var.rotation_duration]
}
