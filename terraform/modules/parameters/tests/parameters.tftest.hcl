# Tests of the parameters module (`make tf-test`, against the sandbox).

variables {
  # Set only because `terraform test` (before 1.17) rejects an unset optional ephemeral
  # variable at apply: hashicorp/terraform#38974.
  secure_values = {}
  parameters = {
    "/test/app/config/api_base_url" = { value = "https://api.example.com" }
    "/test/app/config/regions"      = { type = "StringList", value = "eu-west-1,us-east-1" }
  }
}

run "creates_string_and_stringlist" {
  assert {
    condition     = aws_ssm_parameter.plain["/test/app/config/regions"].type == "StringList"
    error_message = "the StringList must keep its type"
  }
  assert {
    condition     = output.parameter_names == tolist(["/test/app/config/api_base_url", "/test/app/config/regions"])
    error_message = "every parameter must be created, names sorted"
  }
  assert {
    condition     = endswith(output.parameter_arns["/test/app/config/api_base_url"], ":parameter/test/app/config/api_base_url")
    error_message = "an SSM ARN is parameter + the name, with no double slash"
  }
}

run "advanced_tier_holds_8_kb" {
  command = plan
  variables {
    parameters = { "/test/app/config/big" = { value = format("%5000s", "x"), tier = "Advanced" } }
  }
  assert {
    condition     = aws_ssm_parameter.plain["/test/app/config/big"].tier == "Advanced"
    error_message = "a 5000-character value fits the Advanced tier"
  }
}

run "rejects_an_unknown_type" {
  command = plan
  variables { parameters = { "/test/app/config/x" = { type = "Secret", value = "v" } } }
  expect_failures = [var.parameters]
}

run "rejects_the_reserved_aws_prefix" {
  command = plan
  variables { parameters = { "/aws/app/config/x" = { value = "v" } } }
  expect_failures = [var.parameters]
}

run "rejects_an_unknown_tier" {
  command = plan
  variables { parameters = { "/test/app/config/x" = { value = "v", tier = "Premium" } } }
  expect_failures = [var.parameters]
}

run "rejects_a_string_without_value" {
  command = plan
  variables { parameters = { "/test/app/config/x" = {} } }
  expect_failures = [var.parameters]
}

run "rejects_over_4_kb_in_the_standard_tier" {
  command = plan
  variables { parameters = { "/test/app/config/big" = { value = format("%4097s", "x") } } }
  expect_failures = [var.parameters]
}

run "rejects_a_securestring_value_in_terraform" {
  command = plan
  variables { parameters = { "/test/app/secrets/x" = { type = "SecureString", value = "would-be-in-state" } } }
  expect_failures = [var.parameters]
}

