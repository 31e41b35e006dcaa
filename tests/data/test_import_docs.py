"""The import documentation is generated from the validator's spec and kept current; the examples import."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from cli.app import app
from data.import_docs import NOTES, describe, to_markdown
from data.importing import SPECS, import_file
from data.store import Store

ROOT = Path(__file__).resolve().parents[2]
runner = CliRunner()


def test_docs_page_is_the_generated_one() -> None:
    page = (ROOT / "docs" / "import.md").read_text(encoding="utf-8")
    assert page == to_markdown(), "regenerate: python -m data.import_docs > docs/import.md"


def test_every_column_is_documented() -> None:
    assert set(NOTES) == {(kind, column) for kind, spec in SPECS.items() for column in spec}


@pytest.mark.parametrize("kind", list(SPECS))
def test_describe_prints_every_column_with_type_and_allowed_values(kind: str) -> None:
    result = runner.invoke(app, ["import", "--describe", kind], env={"COLUMNS": "80"})
    assert result.exit_code == 0, result.output
    for doc in describe(kind):
        assert doc.column in result.output and doc.type in result.output
    assert "|" in result.output


def test_describe_names_vocabularies_and_danish_values() -> None:
    vacancies = {d.column: d for d in describe("vacancies")}
    assert vacancies["status"].allowed == (
        "open / closed / filled; Danish: åben (open), lukket (closed), besat (filled)"
    )
    assert "dk.o.*" in vacancies["occupation_id"].notes and "dk.s.*" in vacancies["essential_skills"].notes
    assert vacancies["optional_skills"].required == "optional" and vacancies["title"].required == "required"
    events = {d.column: d for d in describe("interactions")}["event"].allowed
    assert "søgt (applied)" in events and "vist (shown)" in events


def test_describe_refuses_an_unknown_kind() -> None:
    result = runner.invoke(app, ["import", "--describe", "vacancy"])
    assert result.exit_code != 0 and "did you mean 'vacancies'?" in str(result.exception)


def test_examples_import_cleanly_in_order(writable_world: Store) -> None:
    reports = {
        kind: import_file(writable_world, kind, ROOT / "examples" / f"{kind}.csv", max_bytes=10**6)
        for kind in ("employers", "vacancies", "seekers", "interactions")
    }
    assert {k: r.rows for k, r in reports.items()} == {
        "employers": 2,
        "vacancies": 2,
        "seekers": 2,
        "interactions": 3,
    }
    assert reports["seekers"].linked_labels == {
        "Rengøringsassistent": "dk.o.rengoeringsassistent",
        "Rengøringsmetoder og rengøringsplaner": "dk.s.rengoering_metoder",
        "Stabilt fremmøde": "dk.s.stabilt_fremmoede",
    }
    vacancies = writable_world.query(
        "SELECT vacancy_id, status, lat FROM vacancies WHERE vacancy_id LIKE 'EX-%' ORDER BY 1"
    )
    assert vacancies.rows() == [
        ("EX-V001", "open", pytest.approx(vacancies["lat"][0])),
        ("EX-V002", "open", 55.6612),
    ]
    events = writable_world.query(
        "SELECT event, source FROM interactions WHERE seeker_id LIKE 'EX-%' ORDER BY ts"
    )
    assert events.rows() == [("shown", "consultant"), ("applied", "self"), ("shown", "consultant")]
    benefit = writable_world.query("SELECT benefit_type FROM seekers WHERE seeker_id = 'EX-P002'").item()
    assert benefit == "kontanthjaelp"
