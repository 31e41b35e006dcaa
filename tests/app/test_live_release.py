"""Imports while a workspace serves: the new rows are suggested without a restart or a rebuild, and nothing
is ever refused on the way (issue: live operation)."""

from __future__ import annotations

import time
from pathlib import Path

import polars as pl
from typer.testing import CliRunner

from app.access import Role
from app.refresh import build_fingerprint, record_build
from app.workspace import Workspace
from cli.app import app
from core.releases import live_release
from core.settings import Settings
from data import columns as C

runner = CliRunner()
NEW = "V-LIVE-TEST-1"


def _consultant_and_citizen(ws: Workspace) -> tuple[object, str]:
    user = next(u for u in ws.directory.users() if u.role is Role.CONSULTANT and not u.team_lead)
    for sid in ws.queue(user)[C.SEEKER_ID].to_list():
        if ws.suggest_vacancies(user, sid, k=10).frame.height:
            return user, sid
    raise AssertionError("no citizen of the consultant has suggestions")


def _wait_for_switch(ws: Workspace, release: str, timeout_s: float = 120.0) -> None:
    deadline = time.monotonic() + timeout_s
    while ws.release != release:
        assert time.monotonic() < deadline, ws.release_status()
        time.sleep(0.2)


def test_an_imported_vacancy_is_suggested_by_the_running_workspace_without_a_rebuild(ws: Workspace, home: Path,
                                                                                      tmp_path: Path) -> None:  # fmt: skip
    record_build(Settings(home=home), build_fingerprint(Settings(home=home)))  # as `jobmatch build` records
    user, sid = _consultant_and_citizen(ws)
    before = ws.suggest_vacancies(user, sid, k=10).frame
    old_version = ws.data_version
    twin = ws.world.query("SELECT * FROM vacancies WHERE vacancy_id = ?", [before[C.VACANCY_ID][0]])
    file = tmp_path / "vacancy.parquet"
    twin.with_columns(pl.lit(NEW).alias(C.VACANCY_ID)).write_parquet(file)

    result = runner.invoke(app, ["--home", str(home), "import", "vacancies", str(file)])
    assert result.exit_code == 0, result.output
    assert "1 vacancies embedded" in result.output and "live now" in result.output
    new_release = live_release(home)
    assert new_release is not None

    _wait_for_switch(ws, new_release)
    after = ws.suggest_vacancies(user, sid, k=10)
    assert NEW in after.frame[C.VACANCY_ID].to_list()  # scored by the model trained before it existed
    record = ws.audit.records("WHERE seq = ?", [after.audit_seq]).row(0, named=True)
    assert record["data_version"] == ws.data_version != old_version
    status = ws.release_status()
    assert status["models_stale"] and status["models_built_for"] == old_version
    assert ws.problems == []


def test_a_failed_import_publishes_nothing_and_the_workspace_keeps_serving(ws: Workspace, home: Path,
                                                                           tmp_path: Path) -> None:  # fmt: skip
    user, sid = _consultant_and_citizen(ws)
    release = live_release(home)
    bad = tmp_path / "bad.csv"
    bad.write_text("vacancy_id,title\nV-X,\n", encoding="utf-8")
    result = runner.invoke(app, ["--home", str(home), "import", "vacancies", str(bad)])
    assert result.exit_code != 0
    assert live_release(home) == release
    assert not [p for p in (home / "releases").glob(".r*.tmp")] if (home / "releases").exists() else True
    assert ws.suggest_vacancies(user, sid, k=10).frame.height > 0


def test_refresh_does_nothing_when_the_release_serves_its_world(home: Path) -> None:
    result = runner.invoke(app, ["--home", str(home), "refresh"])
    assert result.exit_code == 0 and "up to date" in result.output
    assert live_release(home) is None  # nothing written: the home is still read in place
