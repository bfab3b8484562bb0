variable "parameters" {
  type = map(object({
    type             = optional(string, "String")
    value            = optional(string)
    value_wo_version = optional(number)
    description      = optional(string, "")
    tier             = optional(string, "Standard")
  }))
  description = <<-EOT
    Parameters keyed by full name (/<env>/<app>/<scope>/<name>). String and StringList
    take `value` (kept in plans and state: never a secret). SecureString takes no
    `value`: its value comes from `secure_values` (write-only) and `value_wo_version`
    says when to write it again.
  EOT
  default     = {}

  validation {
    condition     = alltrue([for p in var.parameters : contains(["String", "StringList", "SecureString"], p.type)])
    error_message = "type must be String, StringList or SecureString."
  }


  validation {
    condition     = alltrue([for name in keys(var.parameters) : length(name) <= 1011 && !startswith(lower(name), "/aws") && !startswith(lower(name), "/ssm")])
    error_message = "A parameter name has at most 1011 characters (with its ARN before it: the stack checks that) and cannot start with /aws or /ssm (reserved by AWS): ${join(", ", [for name in keys(var.parameters) : substr(name, 0, 80) if length(name) > 1011 || startswith(lower(name), "/aws") || startswith(lower(name), "/ssm")])}."
  }

  validation {
    condition     = alltrue([for p in var.parameters : contains(["Standard", "Advanced", "Intelligent-Tiering"], p.tier)])
    error_message = "tier must be Standard, Advanced or Intelligent-Tiering."
  }

  validation {
    condition     = alltrue([for p in var.parameters : p.type == "SecureString" || (p.value != null && p.value != "")])
    error_message = "String and StringList parameters need a non-empty value."
  }

  validation {
    condition     = alltrue([for p in var.parameters : p.type == "SecureString" || length(p.value == null ? "" : p.value) <= (p.tier == "Standard" ? 4096 : 8192)])
    error_message = "A value is too long for its tier: Standard holds at most 4 KB (4096 characters), Advanced and Intelligent-Tiering 8 KB; choose tier = \"Advanced\" ($0.05 per parameter-month) or shorten it: ${join(", ", [for name, p in var.parameters : "${name} (${length(p.value == null ? "" : p.value)} characters, ${p.tier})" if p.type != "SecureString" && length(p.value == null ? "" : p.value) > (p.tier == "Standard" ? 4096 : 8192)])}."
  }

  validation {
    condition     = alltrue([for p in var.parameters : p.type != "SecureString" || (p.value == null && p.value_wo_version != null)])
    error_message = "A SecureString never takes `value` (it would be stored in plan and state): give value_wo_version and its value in secure_values, or create it out-of-band with make put-secret."
  }
}

variable "secure_values" {
  type        = map(string)
  description = "Values of the SecureString parameters, keyed by name; write-only (never stored). Give them from an ephemeral source."
  default     = {}
  sensitive   = true
  ephemeral   = true
}

variable "kms_key_id" {
  type        = string
  description = "KMS key ARN for SecureString parameters; null uses the AWS managed key aws/ssm."
  default     = null
}

variable "tags" {
  type        = map(string)
  description = "Tags for every parameter."
  default     = {}
}
