"""Playbook authoring: record a live run as fixtures, replay fixtures through the real graph."""
