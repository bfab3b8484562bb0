"""Flows: what a make target does, step by step (deploy, destroy, smoke, rotate, values), for any target."""
