"""Realistic target hosts for demos and tests: a real sshd per host in its own namespaces, from a scenario."""
