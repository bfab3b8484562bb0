# No SSM parameter under a /secrets/ scope may be a plain String: secrets are SecureStrings
# (or Secrets Manager secrets), set out-of-band with make put-secret.
package kit.parameters

import rego.v1

deny contains msg if {
	some change in input.resource_changes
	change.type == "aws_ssm_parameter"
	some action in change.change.actions
	action in {"create", "update"}
	change.change.after.type == "String"
	contains(change.change.after.name, "/secrets/")
	msg := sprintf("%s: %s is a String under a /secrets/ scope; make it a SecureString", [change.address, change.change.after.name])
}
