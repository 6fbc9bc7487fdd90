"""Graph nodes: verbs, one module each; they read the state and the run context and return updates."""
