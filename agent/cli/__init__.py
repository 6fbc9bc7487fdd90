"""The `sleuth` command line: one module per command group."""
