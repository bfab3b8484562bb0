# Minimal: one app with one secret and one configuration parameter, in one region.
# terraform init && terraform plan -var package_path=path/to/app.zip

provider "aws" {
  region = "eu-west-1"
}

variable "package_path" {
  type        = string
  description = "The function's zip (make package builds build/packages/sandbox/demo.zip)."
  default     = "../../../build/packages/sandbox/demo.zip"
}

module "stack" {
  source = "../../stack"

  env          = "dev"
  app          = "payments"
  region       = "eu-west-1"
  package_path = var.package_path
  secrets      = { "secrets/stripe_api_key" = { description = "Stripe API key" } }
  parameters   = { "config/api_base_url" = { value = "https://api.example.com" } }
}

output "function_name" {
  description = "The deployed function."
  value       = module.stack.function_name
}
