# ENV=prod: its region and apps (the environment is this file's name). Each name becomes
# /prod/<app>/<scope>/<name>; each app's code is its source folder (default apps/<app>).
# The shape, every setting and its default: docs/apps.md.
region = "us-east-1"

apps = {
  demo = {
    source = "lambda_src"
    secrets = {
      "secrets/api_key" = { description = "API key (value set with make put-secret ENV=prod)" }
    }
    secure_parameters = {
      "secrets/db_password" = { description = "SecureString (created with its value by make put-secret ENV=prod)" }
    }
    parameters = {
      "config/api_base_url" = { type = "String", value = "https://api.example.com/v1" }
    }
  }
}
