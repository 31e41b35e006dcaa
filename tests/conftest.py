"""Shared fixtures: one small generated world per test session, copied where a test needs to write."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from data.generate import WorldSize
from data.store import Store
from data.world import generate_store

SHARED_DATA = Path(__file__).resolve().parents[1].parent / "shared" / "data"
SMALL_WORLD = WorldSize(seekers=800, vacancies=400, interactions=4_000, episodes=1_000, seed=7)


@pytest.fixture(scope="session")
def world_path(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A small seeded world in a DuckDB file, generated once; treat it as read-only."""
    path = tmp_path_factory.mktemp("world") / "jobmatch.duckdb"
    generate_store(path, SMALL_WORLD, show_progress=False)
    return path


@pytest.fixture()
def world(world_path: Path) -> Store:
    with Store(world_path, read_only=True) as store:
        yield store


@pytest.fixture()
def writable_world(world_path: Path, tmp_path: Path) -> Store:
    """A private copy of the small world, open for writing."""
    path = tmp_path / "jobmatch.duckdb"
    shutil.copy(world_path, path)
    with Store(path, read_only=False) as store:
        yield store
