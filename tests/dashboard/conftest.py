"""A small world with everything built (indexes, hybrid, intervention model), shared by the dashboard tests.

Tests that write (decisions, audit records, the stop switch) get their own copy of the home folder.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from data.generate import WorldSize
from data.settings import Settings
from data.store import Store
from data.world import generate_store
from matching.build import build_indexes
from recommender.interventions import DRParams, fit_model
from recommender.service import train_and_save
from recommender.workspace import Workspace

DASHBOARD_WORLD = WorldSize(seekers=1_200, vacancies=500, interactions=8_000, episodes=4_000, seed=11)


@pytest.fixture(scope="session")
def built_home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    home = tmp_path_factory.mktemp("dashboard-home")
    settings = Settings(home=home)
    generate_store(settings.db_path, DASHBOARD_WORLD, show_progress=False)
    build_indexes(settings)
    train_and_save(settings, seed=0)
    with Store(settings.db_path, read_only=True) as store:
        fit_model(store, DRParams(bootstrap=20)).save(settings.models_dir)
    return home


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
