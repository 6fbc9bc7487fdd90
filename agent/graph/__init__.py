"""The investigation graph: its wiring, nodes, edges and run context (executor, events, crash points)."""
