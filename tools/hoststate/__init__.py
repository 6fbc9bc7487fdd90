"""The host-state tools' parsers, the row models they return, and the helpers the tools share."""
