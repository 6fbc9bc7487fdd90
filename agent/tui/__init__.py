"""The Textual TUI: a case's steps, what ran, and an approval modal for every proposed tool call."""
