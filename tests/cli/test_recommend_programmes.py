"""`jobmatch recommend programmes` is a query: it reads the model `jobmatch build` saved and never writes one."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from app.audit import AuditLog
from app.ops import OpsStore
from cli.app import app
from core.errors import ArtefactError
from core.settings import Settings
from data.store import Store
from recommender.interventions import DRParams, fit_model

runner = CliRunner()
FAST = DRParams(n_folds=2, bootstrap=20, nuisance_max_iter=60, nuisance_learning_rate=0.1, min_arm_episodes=5)


def _tree(home: Path) -> dict[str, tuple[int, int]]:
    """Every file under ``home`` with its size and modification time: what a query must leave as it was.
    The operations store is left out: the audit record of what was shown is the one write a query makes."""
    return {
        str(Path(root, name).relative_to(home)): (
            Path(root, name).stat().st_size,
            Path(root, name).stat().st_mtime_ns,
        )
        for root, _dirs, files in os.walk(home)
        for name in files
        if not name.startswith("ops.sqlite")
    }


def _first_seeker(home: Path) -> str:
    with Store(home / "jobmatch.duckdb", read_only=True) as store:
        return str(store.query("SELECT seeker_id FROM seekers ORDER BY seeker_id LIMIT 1")["seeker_id"][0])


@pytest.fixture(scope="module")
def fitted_home(world_path: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The small world with an intervention model fitted on it (as `jobmatch build` leaves it); read-only."""
    home = tmp_path_factory.mktemp("fitted-home")
    shutil.copy(world_path, home / "jobmatch.duckdb")
    with Store(home / "jobmatch.duckdb", read_only=True) as store:
        fit_model(store, FAST).save(Settings(home=home).models_dir)
    return home


def test_without_a_model_it_fails_with_the_build_hint_and_writes_nothing(
    world_path: Path, tmp_path: Path
) -> None:
    shutil.copy(world_path, tmp_path / "jobmatch.duckdb")
    seeker, before = _first_seeker(tmp_path), _tree(tmp_path)
    result = runner.invoke(app, ["--home", str(tmp_path), "recommend", "programmes", seeker, "--no-matcher"])
    assert isinstance(result.exception, ArtefactError), result.output
    assert "`jobmatch build`" in result.exception.hint
    proc = subprocess.run(
        [sys.executable, "-m", "cli", "--home", str(tmp_path), "recommend", "programmes", seeker],
        capture_output=True,
        text=True,
        check=False,
    )
    assert proc.returncode == 2 and "Traceback" not in proc.stderr and proc.stdout == ""
    assert (
        "nothing built at" in proc.stderr
        and "interventions" in proc.stderr
        and "jobmatch build" in proc.stderr
    )
    assert _tree(tmp_path) == before, "a query fitted or saved something"


def test_with_the_saved_model_it_answers_and_writes_nothing(fitted_home: Path) -> None:
    seeker, before = _first_seeker(fitted_home), _tree(fitted_home)
    result = runner.invoke(
        app,
        ["--home", str(fitted_home), "recommend", "programmes", seeker, "--no-matcher"],
        env={"COLUMNS": "200"},
    )
    assert result.exit_code == 0, result.output
    assert f"Indsatser for {seeker}" in result.output and "effekt pp" in result.output
    assert _tree(fitted_home) == before
    with OpsStore(fitted_home / "ops.sqlite") as ops:
        shown = AuditLog(ops).records("WHERE kind = 'recommend_programmes' AND subject = ?", [seeker])
    assert shown.height == 1 and shown["role"][0] == "cli"


def test_a_model_from_an_earlier_data_version_serves_and_is_not_refitted(
    fitted_home: Path, tmp_path: Path
) -> None:
    """After an import the model is older than the world: it scores from covariates (cold start) instead of
    refusing until a rebuild, and never refits inside a query."""
    home = tmp_path / "home"
    shutil.copytree(fitted_home, home)
    with Store(home / "jobmatch.duckdb", read_only=False) as store:
        store.bump_data_version()  # as an import does
    before = _tree(home)
    result = runner.invoke(
        app, ["--home", str(home), "recommend", "programmes", _first_seeker(home), "--no-matcher"]
    )
    assert result.exit_code == 0, result.output
    assert "effekt pp" in result.output
    assert _tree(home) == before


def test_refit_is_no_longer_an_option_of_the_query() -> None:
    result = runner.invoke(app, ["recommend", "programmes", "P-1", "--refit"])
    assert result.exit_code == 2 and "--refit" in result.output
