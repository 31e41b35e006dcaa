"""What people read: lists fit an 80-column terminal with ids whole and reasons on their own lines (a
snapshot), machines get JSON or CSV, the data report speaks Danish, and read-only commands create nothing."""

from __future__ import annotations

import csv
import io
import json
import os
from pathlib import Path

import polars as pl
import pytest
from rich.console import Console
from typer.testing import CliRunner

from cli import match, recommend, render
from cli.app import app

SNAPSHOTS = Path(__file__).parent / "snapshots"
runner = CliRunner()
LONG_TITLE = "Social- og sundhedsassistent til nattevagter i hjemmeplejen, Odense Nord og Vollsmose"
WHY = ("Du har 3 af 5 nødvendige kompetencer (fx Personlig pleje og Medicinhåndtering); mangler "
       "Forflytning af borgere og Dokumentation i omsorgssystem; 4 km væk, 32 timer/uge.")  # fmt: skip


def matches() -> pl.DataFrame:
    return pl.DataFrame({
        "rank": [1, 2], "vacancy_id": ["V-ODENSE-2024-000123", "V0000007"], "title": [LONG_TITLE, "Kok"],
        "similarity": [0.61234, 0.5], "essential_coverage": [0.6, 0.0], "distance_km": [4.04, 123.45],
        "summary_da": [WHY, "Du har 0 af 4 nødvendige kompetencer; 123 km væk, 37 timer/uge."],
    })  # fmt: skip


@pytest.fixture()
def screen(monkeypatch: pytest.MonkeyPatch) -> io.StringIO:
    """An 80-column terminal in place of the console the commands print to."""
    out = io.StringIO()
    monkeypatch.setattr(
        render, "console", Console(file=out, width=80, color_system=None, legacy_windows=False)
    )
    return out


def test_match_list_snapshot_at_80_columns(screen: io.StringIO) -> None:
    match._show_matches(matches(), "vacancy_id", "table", "Stillinger til P-0078395c53")
    text = screen.getvalue()
    if os.environ.get("UPDATE_SNAPSHOTS"):
        (SNAPSHOTS / "match_seeker_80.txt").write_text(text, encoding="utf-8")
    assert text == (SNAPSHOTS / "match_seeker_80.txt").read_text(encoding="utf-8")
    assert max(len(line) for line in text.splitlines()) <= 80
    assert "V-ODENSE-2024-000123" in text  # the id whole, the title cut
    assert LONG_TITLE not in text and "…" in text
    assert "Personlig pleje og" in text and "summary_da" not in text


def test_candidate_list_has_no_empty_column(screen: io.StringIO) -> None:
    frame = matches().rename({"vacancy_id": "seeker_id"}).drop("title")
    match._show_matches(frame, "seeker_id", "table", "Kandidater til V1")
    header = next(line for line in screen.getvalue().splitlines() if "seeker_id" in line)
    assert [c.strip() for c in header.strip("┃ ").split("┃")] == list(match.CANDIDATE_COLUMNS)


def test_recommendation_list_fits_80_columns(screen: io.StringIO) -> None:
    frame = matches().with_columns(p_apply=pl.lit(0.31), p_employer=pl.lit(0.07), reciprocal=pl.lit(0.0217),
                                   why_score=pl.lit("kort afstand 77%"))  # fmt: skip
    recommend._show_recommendations(frame, "vacancy_id", "table", "Anbefalet til P-1")
    text = screen.getvalue()
    assert max(len(line) for line in text.splitlines()) <= 80
    assert "V-ODENSE-2024-000123" in text and "P(søg)" in text and "kort afstand 77%. Du har 3" in text


def test_machine_formats(capsys: pytest.CaptureFixture[str]) -> None:
    match._show_matches(matches(), "vacancy_id", "csv", "x")
    rows = list(csv.DictReader(io.StringIO(capsys.readouterr().out)))
    assert [r["vacancy_id"] for r in rows] == ["V-ODENSE-2024-000123", "V0000007"] and rows[0][
        "title"
    ] == LONG_TITLE
    match._show_matches(matches(), "vacancy_id", "json", "x")
    lines = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert lines[0]["summary_da"] == WHY


def test_data_report_in_danish(world_path: Path, tmp_path: Path) -> None:
    (tmp_path / "jobmatch.duckdb").write_bytes(world_path.read_bytes())
    out = tmp_path / "report.md"
    result = runner.invoke(app, ["--home", str(tmp_path), "data", "report", "--out", str(out)],
                           env={"COLUMNS": "80"})  # fmt: skip
    assert result.exit_code == 0, result.output
    text = out.read_text(encoding="utf-8")
    for words in ("| ydelse | målgruppe |", "Kontanthjælp", "Løntilskud (privat)", "| Åben |", "Søgt"):
        assert words in text, words
    assert "kontanthjaelp" not in text and "loentilskud_privat" not in text
    assert "pct. i job efter 26 uger" in result.output  # a long header shown whole
    assert max(len(line) for line in result.output.splitlines()) <= 80


def tree(home: Path) -> list[str]:
    return sorted(str(p.relative_to(home)) for p in home.rglob("*"))


@pytest.mark.parametrize(
    "command",
    [["audit", "verify"], ["users", "list"], ["data", "report"], ["taxonomy", "show", "--taxonomy", "esco"],
     ["match", "seeker", "P-1"], ["recommend", "seeker", "P-1"], ["export", "vacancies", "v.csv"],
     ["recommend", "programmes", "P-1"], ["evaluate", "--help"]],
    ids=" ".join,
)  # fmt: skip
def test_read_only_commands_leave_a_fresh_home_empty(tmp_path: Path, command: list[str]) -> None:
    home = tmp_path / "home"
    home.mkdir()
    result = runner.invoke(app, ["--home", str(home), *command])
    assert tree(home) == [], (command, result.output)


def test_audit_verify_on_a_fresh_install(tmp_path: Path) -> None:
    result = runner.invoke(app, ["--home", str(tmp_path / "fresh"), "audit", "verify"])
    assert result.exit_code == 0 and "no records yet" in result.output
    assert not (tmp_path / "fresh").exists()


def test_users_list_marks_the_demo_users(world_path: Path, tmp_path: Path) -> None:
    (tmp_path / "jobmatch.duckdb").write_bytes(world_path.read_bytes())
    result = runner.invoke(app, ["--home", str(tmp_path), "users", "list", "--format", "csv"])
    assert result.exit_code == 0, result.output
    users = {r["user"]: r for r in csv.DictReader(io.StringIO(result.output))}
    for name in ("konsulent-odense", "konsulent-kbh", "analytiker", "admin"):  # as the README names them
        assert users[name]["kind"] == "demo"
    assert not (tmp_path / "ops.sqlite").exists()
    added = runner.invoke(app, ["--home", str(tmp_path), "users", "add", "mette", "--role", "analyst"])
    assert added.exit_code == 0, added.output
    again = runner.invoke(app, ["--home", str(tmp_path), "users", "list", "--format", "csv"])
    users = {r["user"]: r for r in csv.DictReader(io.StringIO(again.output))}
    assert users["mette"]["kind"] == "" and users["admin"]["kind"] == "demo"
