"""Helpers of search_logs: the pattern dialect, timestamps, engine argv building and output parsing."""
