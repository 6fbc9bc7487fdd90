"""Secrets by identity: where a file really is on the target (resolved, inode) and what its bytes are."""
