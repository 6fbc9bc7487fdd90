"""Shared fixtures of the playbook tests: the real tool catalogue and data folders."""

from __future__ import annotations

from pathlib import Path

import pytest

from playbooks.catalogue import Catalogue

DATA = Path(__file__).resolve().parent.parent / "data"
INVALID = DATA / "playbooks_invalid"
FIXTURES = DATA / "playbooks_fixtures"


@pytest.fixture(scope="session")
def catalogue() -> Catalogue:
    """Every registered tool (the real registry)."""
    return Catalogue.default()
