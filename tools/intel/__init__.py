"""The offline intel store: known-bad hashes in SQLite, with importers for public hash lists."""
