"""What the GitHub Actions workflows (.github/workflows/) need from the project.

- `roles`: the least-privilege IAM policies of the plan role and the apply role, and their
  OIDC trust policies, for one environment (`make ci-policy`).
- `seal`: the reviewed plan's seal (its SHA-256 and the fingerprint of its changes), and the
  check that refuses a stale plan before apply.
- `github`: which pull request's plan run a merge commit was reviewed in (GitHub's API).
- `__main__`: the commands the workflows run (`python -m scripts.ci --help`).

None of it runs a workflow: the workflows and policies are checked statically here
(docs/ci.md says what is and is not checked).
"""
