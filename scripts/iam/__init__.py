"""IAM policy evaluation as AWS documents it (used by the sandbox, the smoke test and the plan review)."""
