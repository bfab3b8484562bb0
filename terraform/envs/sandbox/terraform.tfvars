# The demo app. Each name below becomes /sandbox/demo/<scope>/<name>.
app = "demo"

secrets = {
  "secrets/api_key" = { description = "Demo API key (value set out-of-band)" }
}

secure_parameters = {
  "secrets/db_password" = { description = "Demo SecureString (created with its value out-of-band)" }
}

parameters = {
  "config/api_base_url" = { type = "String", value = "https://api.example.com/v1", description = "Demo configuration" }
}
