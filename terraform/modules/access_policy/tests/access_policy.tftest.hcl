# Tests of the access policy module (`make tf-test`, against the sandbox). The sandbox's
# account is 123456789012.

variables {
  region          = "us-east-1"
  parameter_paths = ["/test/app/config", "/test/app/secrets"]
  secret_paths    = ["/test/app/secrets"]
}

run "arn_forms_are_exact" {
  command = plan
  assert {
    condition = jsondecode(output.policy_json).Statement[0].Resource == [
      "arn:aws:ssm:us-east-1:123456789012:parameter/test/app/config/*",
      "arn:aws:ssm:us-east-1:123456789012:parameter/test/app/secrets/*",
    ]
    error_message = "parameter ARNs: 'parameter' + name, no double slash, one per path"
  }
  assert {
    condition     = contains(jsondecode(output.policy_json).Statement[1].Resource, "arn:aws:ssm:us-east-1:123456789012:parameter/test/app/config")
    error_message = "GetParametersByPath must be granted on the path itself"
  }
  assert {
    condition     = jsondecode(output.policy_json).Statement[2].Resource == ["arn:aws:secretsmanager:us-east-1:123456789012:secret:/test/app/secrets/*"]
    error_message = "secret ARN pattern: the path, a slash, and * for the name and its random suffix"
  }
  assert {
    condition     = jsondecode(output.policy_json).Statement[2].Action == ["secretsmanager:GetSecretValue"]
    error_message = "secrets: read only"
  }
  assert {
    condition     = length(jsondecode(output.policy_json).Statement) == 4
    error_message = "no KMS statement without customer-managed keys"
  }
  assert {
    condition     = jsondecode(output.policy_json).Statement[3].Action == ["secretsmanager:BatchGetSecretValue"] && jsondecode(output.policy_json).Statement[3].Resource == ["*"]
    error_message = "batches of secrets: BatchGetSecretValue has no resource to scope to (GetSecretValue on each secret still decides)"
  }
}

run "kms_decrypt_is_limited_to_the_key_and_the_services" {
  command = plan
  variables { kms_key_arns = ["arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab"] }
  assert {
    condition     = jsondecode(output.policy_json).Statement[4].Resource == ["arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab"]
    error_message = "kms:Decrypt only on the given key"
  }
  assert {
    condition     = jsondecode(output.policy_json).Statement[4].Condition.StringEquals["kms:ViaService"] == ["ssm.us-east-1.amazonaws.com", "secretsmanager.us-east-1.amazonaws.com"]
    error_message = "kms:Decrypt only through SSM and Secrets Manager"
  }
}

run "app_wide_path_only_when_allowed" {
  command = plan
  variables {
    parameter_paths   = ["/test/app"]
    secret_paths      = []
    allow_broad_paths = true
  }
  assert {
    condition     = jsondecode(output.policy_json).Statement[0].Resource == ["arn:aws:ssm:us-east-1:123456789012:parameter/test/app/*"]
    error_message = "an explicitly allowed app-wide path grants /<env>/<app>/*"
  }
}

run "rejects_an_app_wide_path_by_default" {
  command = plan
  variables { parameter_paths = ["/test/app"] }
  expect_failures = [var.parameter_paths]
}

run "rejects_an_environment_wide_secret_path_even_when_broad_is_allowed" {
  command = plan
  variables {
    secret_paths      = ["/test"]
    allow_broad_paths = true
  }
  expect_failures = [var.secret_paths]
}

run "rejects_an_app_wide_secret_path_by_default" {
  command = plan
  variables { secret_paths = ["/test/app"] }
  expect_failures = [var.secret_paths]
}

run "rejects_a_trailing_slash_or_wildcard" {
  command = plan
  variables { parameter_paths = ["/test/app/config/", "/test/app/*"] }
  expect_failures = [var.parameter_paths]
}

run "rejects_a_wildcard_kms_key" {
  command = plan
  variables { kms_key_arns = ["*"] }
  expect_failures = [var.kms_key_arns]
}

run "rejects_a_policy_with_no_path" {
  command = plan
  variables {
    parameter_paths = []
    secret_paths    = []
  }
  expect_failures = [output.policy_json]
}

run "a_whole_parameter_name_is_granted_exactly" {
  command = plan
  variables {
    parameter_paths = []
    secret_paths    = ["/test/app/secrets"]
    parameter_names = ["/test/app/manifest"]
  }
  assert {
    condition     = jsondecode(output.policy_json).Statement[0].Resource == ["arn:aws:ssm:us-east-1:123456789012:parameter/test/app/manifest"]
    error_message = "a whole name is granted as its own ARN, no wildcard"
  }
}

run "rejects_a_parameter_name_with_a_wildcard" {
  command = plan
  variables { parameter_names = ["/test/app/*"] }
  expect_failures = [var.parameter_names]
}
