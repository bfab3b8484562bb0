output "apps" {
  description = "Everything each app's stack exports (names, ARNs, policy), keyed by app; read by the make targets (scripts/deployment.py)."
  value       = module.stack
}
