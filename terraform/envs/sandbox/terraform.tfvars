# The sandbox's apps. Each name below becomes /sandbox/<app>/<scope>/<name>; each app's code
# is its source folder (default apps/<app>). Adding an app: one entry here and its folder
# (docs/apps.md). The same shape as terraform/envs/aws/<env>.tfvars.

apps = {
  demo = {
    source = "lambda_src" # the kit's demo handler
    secrets = {
      "secrets/api_key" = {
        description = "Demo API key (a random value rotated by the kit)"
        rotation    = { strategy = "generated", days = 30, length = 40, exclude_punctuation = true }
      }
      "secrets/db" = {
        description = "Demo database credentials: JSON, rotation replaces only the password"
        format      = "json"
        rotation    = { strategy = "generated", days = 30, fields = ["password"] }
      }
    }
    secure_parameters = {
      "secrets/db_password" = { description = "Demo SecureString (created with its value out-of-band)" }
    }
    parameters = {
      "config/api_base_url" = { value = "https://api.example.com/v1", description = "Demo configuration" }
    }
  }

  orders = {
    memory_size = 512
    environment = { LOG_LEVEL = "INFO" }
    secrets = {
      "secrets/payment_token" = {
        description = "Payment provider token, rotated by the app's own function (apps/orders/rotate.py)"
        rotation = {
          strategy   = "lambda" # the sandbox deploys the function the ARN names (terraform/envs/sandbox/user_rotation.tf)
          lambda_arn = "arn:aws:lambda:us-east-1:123456789012:function:sandbox-orders-rotate-payment-token"
          days       = 30
        }
      }
      "secrets/shipping_api_key" = { description = "Shipping provider API key (not rotated: strategy none, the default)" }
    }
    secure_parameters = {
      "secrets/signing_key" = { description = "Webhook signing key" }
    }
    parameters = {
      "config/queue_url" = { value = "https://sqs.us-east-1.amazonaws.com/123456789012/orders" }
    }
  }
}
