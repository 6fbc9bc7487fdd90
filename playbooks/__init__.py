"""Playbooks: the YAML schema, loader, linter, test runner, and the library of investigations."""
