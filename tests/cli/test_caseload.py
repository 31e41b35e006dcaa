"""`jobmatch caseload`: assign, import and list through the real entry point; a misfit is one clear line
naming the citizen and the user, exit 2, and nothing is written."""

from __future__ import annotations

import csv
import io
import shutil
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from cli import main
from cli.app import app
from data.store import Store

runner = CliRunner()


def run(
    args: list[str], monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> tuple[int, str]:
    """``jobmatch ARGS`` in this process: the exit code and stdout + stderr."""
    monkeypatch.setattr(sys, "argv", ["jobmatch", *args])
    code = 0
    try:
        main()
    except SystemExit as stopped:
        code = int(stopped.code or 0)
    captured = capsys.readouterr()
    return code, captured.out + captured.err


def listed(home: Path) -> list[dict[str, str]]:
    result = runner.invoke(app, ["--home", str(home), "caseload", "list", "--format", "csv"])
    assert result.exit_code == 0, result.output
    return list(csv.DictReader(io.StringIO(result.output)))


@pytest.fixture()
def home(world_path: Path, tmp_path: Path) -> Path:
    shutil.copy(world_path, tmp_path / "jobmatch.duckdb")
    for args in (["mette", "--role", "consultant", "--jobcenter", "jc-odense", "--team", "team-a"],
                 ["lars", "--role", "consultant", "--jobcenter", "jc-kbh"]):  # fmt: skip
        added = runner.invoke(app, ["--home", str(tmp_path), "users", "add", *args])
        assert added.exit_code == 0, added.output
    return tmp_path


def first_of(home: Path, jobcenter: str, n: int = 1) -> list[str]:
    with Store(home / "jobmatch.duckdb", read_only=True) as store:
        return store.query("SELECT seeker_id FROM seekers WHERE jobcenter_id = ? ORDER BY seeker_id LIMIT ?",
                           [jobcenter, n])["seeker_id"].to_list()  # fmt: skip


def test_assign_and_list(
    home: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    ids = first_of(home, "jc-odense", 2)
    code, out = run(["--home", str(home), "caseload", "assign", *ids, "--to", "mette"], monkeypatch, capsys)
    assert code == 0 and "2 citizen(s) assigned to mette" in out
    rows = listed(home)
    assert [(r["seeker_id"], r["user_id"], r["team"], r["assigned_by"]) for r in rows] == [
        (ids[0], "mette", "team-a", "cli"), (ids[1], "mette", "team-a", "cli")]  # fmt: skip
    code, out = run(["--home", str(home), "caseload", "unassign", ids[1]], monkeypatch, capsys)
    assert code == 0 and [r["seeker_id"] for r in listed(home)] == [ids[0]]


def test_a_citizen_of_another_job_centre_is_refused_by_name(
    home: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    odense, kbh = first_of(home, "jc-odense")[0], first_of(home, "jc-kbh")[0]
    code, out = run(
        ["--home", str(home), "caseload", "assign", odense, kbh, "--to", "mette"], monkeypatch, capsys
    )
    assert code == 2 and "Traceback" not in out
    assert f"citizen '{kbh}' belongs to jc-kbh, consultant 'mette' to jc-odense" in out
    assert listed(home) == [], "all or nothing"


def test_import_names_the_bad_line_and_writes_nothing(
    home: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    odense, kbh = first_of(home, "jc-odense", 2), first_of(home, "jc-kbh")[0]
    file = home / "caseload.csv"
    file.write_text(f"seeker_id,user_id\n{odense[0]},mette\n{kbh},lars\n{odense[1]},lars\n", encoding="utf-8")
    code, out = run(["--home", str(home), "caseload", "import", str(file)], monkeypatch, capsys)
    assert code == 2 and f"citizen '{odense[1]}' belongs to jc-odense, consultant 'lars' to jc-kbh" in out
    assert listed(home) == []
    file.write_text(f"seeker_id,user_id\n{odense[0]},mette\n{kbh},lars\n", encoding="utf-8")
    code, out = run(["--home", str(home), "caseload", "import", str(file)], monkeypatch, capsys)
    assert code == 0 and {(r["seeker_id"], r["user_id"]) for r in listed(home)} == {
        (odense[0], "mette"),
        (kbh, "lars"),
    }


def test_a_team_lead_needs_a_team(home: Path) -> None:
    refused = runner.invoke(
        app, ["--home", str(home), "users", "add", "x", "--role", "analyst", "--team-lead"]
    )
    assert refused.exit_code != 0 and "team lead" in refused.output
    ok = runner.invoke(app, ["--home", str(home), "users", "add", "leder", "--role", "consultant", "--jobcenter",
                             "jc-odense", "--team", "team-a", "--team-lead"])  # fmt: skip
    assert ok.exit_code == 0, ok.output
