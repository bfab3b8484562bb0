# ENV=dev: its region and apps (the environment is this file's name). Each name becomes
# /dev/<app>/<scope>/<name>; each app's code is its source folder (default apps/<app>).
# The shape, every setting and its default: docs/apps.md.
region = "us-east-1"

defaults = {
  architecture = "arm64"
  tags         = { CostCenter = "platform" }
}

apps = {
  demo = {
    source = "lambda_src"
    secrets = {
      "secrets/api_key" = { description = "API key (value set with make put-secret ENV=dev)" }
    }
    secure_parameters = {
      "secrets/db_password" = { description = "SecureString (created with its value by make put-secret ENV=dev)" }
    }
    parameters = {
      "config/api_base_url" = { type = "String", value = "https://api.example.com/v1" }
    }
  }

  orders = {
    memory_size = 512
    secrets = {
      "secrets/payment_token" = {
        description = "Payment provider token, rotated by your own function"
        rotation = {
          strategy            = "lambda"
          lambda_arn          = "arn:aws:lambda:us-east-1:123456789012:function:rotate-payment-token"
          schedule_expression = "rate(30 days)"
          duration            = "3h"
          rotate_immediately  = false
        }
      }
    }
    secure_parameters = {
      "secrets/signing_key" = { description = "Webhook signing key" }
    }
    parameters = {
      "config/queue_url" = { value = "https://sqs.us-east-1.amazonaws.com/123456789012/orders" }
    }
  }
}
