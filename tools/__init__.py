"""Read-only investigation tools, the transports that run them (local, SSH) and the intel store."""
