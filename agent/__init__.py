"""Orchestration: the investigation graph, model backends, case store and ledger, report, CLI and TUI."""
