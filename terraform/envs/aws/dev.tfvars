region = "us-east-1"
app    = "demo"

secrets = {
  "secrets/api_key" = { description = "API key (value set with make put-secret ENV=dev)" }
}

secure_parameters = {
  "secrets/db_password" = { description = "SecureString (created with its value by make put-secret ENV=dev)" }
}

parameters = {
  "config/api_base_url" = { type = "String", value = "https://api.example.com/v1" }
}
