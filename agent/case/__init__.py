"""The durable record of an investigation: case directories, hash-chained ledger, evidence, verification."""
