output "stack" {
  description = "Everything the stack exports (names, ARNs, policy); read by the smoke test."
  value       = module.stack
}
