"""Typed errors of the model backends, one line each."""

from __future__ import annotations


class ModelError(Exception):
    """A model backend could not do what was asked."""


class ModelNotFoundError(ModelError):
    """The model is neither a local directory nor in the Hugging Face cache."""


class ModelLoadError(ModelError):
    """The model files were found but could not be loaded (bad files, unsupported device or dtype)."""


class ModelUnavailableError(ModelError):
    """A model server or the model hub could not be reached, or answered with an HTTP error."""


class ModelOutputError(ModelError):
    """The model's answer is unusable: not JSON, cut off by the token limit, or an unreadable reply."""


class ModelRequestError(ModelError):
    """The request itself is invalid (bad response_format, bad schema, bad option)."""


class ModelDeadlineError(ModelUnavailableError):
    """A model call did not finish within its overall deadline (no retry can fit in what is left)."""
