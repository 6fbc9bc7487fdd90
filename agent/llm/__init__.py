"""Model backends: the local transformers model (constrained decoding) and an OpenAI-compatible server."""
