"""Parsers and shared helpers of the host-state tools (processes, sockets, logins, persistence, files)."""
