"""Transports run a fixed, allowlisted, read-only argv on a target: locally or over SSH."""
