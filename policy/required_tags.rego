# Every Secrets Manager secret the plan creates or changes carries the tags the team requires.
# The kit's providers tag every resource with Project and ManagedBy (default_tags, which reach
# tags_all); add your own keys below.
package main

import rego.v1

required_tags := {"Project", "ManagedBy"}

deny contains result if {
	some change in input.resource_changes
	change.type == "aws_secretsmanager_secret"
	some action in change.change.actions
	action in {"create", "update"}
	not tags_unknown(change)
	tags := object.union(tags_of(change.change.after, "tags"), tags_of(change.change.after, "tags_all"))
	some key in required_tags
	not tags[key]
	result := {
		"msg": sprintf("%s has no %s tag", [change.address, key]),
		"severity": "medium",
		"address": change.address,
		"id": "required-tags-on-secrets",
	}
}

# A resource's tags (or tags_all): an empty object when it has none (Terraform writes null).
tags_of(values, name) := values[name] if is_object(values[name])

tags_of(values, name) := {} if not is_object(values[name])

# tags_all known only after apply (a provider that merges default_tags late): nothing to judge yet.
tags_unknown(change) if change.change.after_unknown.tags_all == true
