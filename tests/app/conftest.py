"""Fixtures of the app-layer and dashboard tests, on the small built world of ``tests/conftest.py`` (``built_home``).

Tests that write (decisions, audit records, the stop switch) get their own copy of the home folder.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from app.workspace import Workspace
from core.settings import Settings


@pytest.fixture()
def home(built_home: Path, tmp_path: Path) -> Path:
    """A private copy of the built home, so a test's writes stay its own."""
    target = tmp_path / "home"
    shutil.copytree(built_home, target)
    return target


@pytest.fixture()
def ws(home: Path) -> Iterator[Workspace]:
    workspace = Workspace.open(Settings(home=home))
    yield workspace
    workspace.close()
