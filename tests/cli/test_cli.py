"""The `jobmatch` command: help everywhere, the main flows, and clean errors through the real entry point."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import polars as pl
import pytest
import typer
from rich.console import Console
from typer.testing import CliRunner

from app.refresh import build_fingerprint, built_for, record_build
from cli import render
from cli.app import app
from core.settings import Settings
from data import columns as C
from data.store import Store
from data.taxonomy import load_builtin
from recommender.interventions.persistence import FORMAT_VERSION as INTERVENTION_FORMAT
from tests.conftest import SHARED_DATA

runner = CliRunner()


def _all_commands(group: Any, prefix: tuple[str, ...] = ()) -> list[tuple[str, ...]]:
    out = []
    for name, cmd in group.commands.items():
        path = (*prefix, name)
        out.append(path)
        if hasattr(cmd, "commands"):
            out += _all_commands(cmd, path)
    return out


COMMANDS = _all_commands(typer.main.get_command(app))  # type: ignore[arg-type]


def test_command_tree_is_complete() -> None:
    expected = {
        ("generate",),
        ("import",),
        ("export",),
        ("data", "report"),
        ("taxonomy", "import-esco"),
        ("taxonomy", "show"),
        ("build",),
        ("migrate",),
        ("bench", "generate"),
    }
    assert expected <= set(COMMANDS)


@pytest.mark.parametrize("command", COMMANDS, ids=[" ".join(c) for c in COMMANDS])
def test_every_command_has_help(command: tuple[str, ...]) -> None:
    result = runner.invoke(app, [*command, "--help"])
    assert result.exit_code == 0, result.output
    assert "Usage" in result.output
    assert len(result.output.splitlines()) > 3


def test_generate_report_export_flow(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # a wide terminal, whatever width the test process has (COLUMNS is read when the console is made)
    monkeypatch.setattr(render, "console", Console(width=200, color_system=None))
    home = ["--home", str(tmp_path)]
    small = ["--seekers", "300", "--vacancies", "150", "--interactions", "1500", "--episodes", "300"]
    result = runner.invoke(app, [*home, "generate", *small, "--seed", "3"])
    assert result.exit_code == 0, result.output
    assert "seekers" in result.output and "300" in result.output
    again = runner.invoke(app, [*home, "generate", "--if-absent"])
    assert "nothing to generate" in again.output
    out = tmp_path / "report.md"
    report = runner.invoke(app, [*home, "data", "report", "--out", str(out)])
    assert report.exit_code == 0, report.output
    text = out.read_text()
    assert "## Interaction funnel" in text and "jc-kbh" in text
    export = runner.invoke(app, [*home, "export", "vacancies", str(tmp_path / "v.parquet")])
    assert export.exit_code == 0 and "150 rows" in export.output
    build = runner.invoke(app, [*home, "build"])
    assert build.exit_code == 0, build.output
    assert "hybrid recommender trained" in build.output and "300" in build.output
    with Store(tmp_path / "jobmatch.duckdb") as store:
        seeker = store.query("SELECT seeker_id FROM seekers ORDER BY seeker_id LIMIT 1")["seeker_id"][0]
        vacancy = store.query("SELECT vacancy_id FROM vacancies WHERE status = 'open' LIMIT 1")["vacancy_id"][
            0
        ]
    for command in (["match", "seeker", seeker, "--max-km", "200"], ["recommend", "seeker", seeker],
                    ["match", "vacancy", vacancy], ["recommend", "vacancy", vacancy, "--employer-view"],
                    ["match", "other-industries", seeker, "--n", "3"]):  # fmt: skip
        result = runner.invoke(app, [*home, *command, "--json"])
        assert result.exit_code == 0, (command, result.output)
        lines = [json.loads(line) for line in result.output.splitlines() if line.startswith(("{", "["))]
        assert lines, command
    live = (tmp_path / "releases" / "CURRENT").read_text()
    unchanged = runner.invoke(app, [*home, "build"], env={"COLUMNS": "200"})
    assert unchanged.exit_code == 0 and "up to date" in unchanged.output
    assert (tmp_path / "releases" / "CURRENT").read_text() == live  # nothing rebuilt, nothing published
    # A model format the code no longer reads (a code change) is not up to date: the next build retrains.
    s = Settings(home=tmp_path)
    fresh = build_fingerprint(s)
    assert fresh["formats"]["interventions"] == INTERVENTION_FORMAT
    record_build(s, {**fresh, "formats": {**fresh["formats"], "interventions": INTERVENTION_FORMAT - 1}})
    assert not built_for(s, fresh)
    record_build(s, fresh)
    assert built_for(s, fresh)
    rebuilt = runner.invoke(app, [*home, "build", "--force"], env={"COLUMNS": "200"})
    assert "incremental" in rebuilt.output
    assert (tmp_path / "releases" / "CURRENT").read_text() != live


def test_errors_exit_2_with_one_clear_line(world_path: Path, tmp_path: Path) -> None:
    shutil.copy(world_path, tmp_path / "jobmatch.duckdb")
    bad = tmp_path / "bad.csv"
    bad.write_text("employer_id,name,industry,municipality,size\nE-X,Firma,Handel,Odense,huge\n")
    proc = subprocess.run(
        [
            sys.executable,
            "-c",
            "import cli; cli.main()",
            "--home",
            str(tmp_path),
            "import",
            "employers",
            str(bad),
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    assert proc.returncode == 2
    assert "Traceback" not in proc.stderr
    assert "row 1 (line 2)" in proc.stderr and "'size'" in proc.stderr
    missing = subprocess.run(
        [sys.executable, "-c", "import cli; cli.main()", "--home", str(tmp_path / "nowhere"), "build"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert missing.returncode == 2 and "jobmatch generate" in missing.stderr


def test_esco_import_then_generate_from_esco(tmp_path: Path) -> None:
    if not (SHARED_DATA / "esco-v1.1.1").is_dir():
        pytest.skip(f"ESCO files not found at {SHARED_DATA}")
    home = ["--home", str(tmp_path)]
    labels = SHARED_DATA / "esco-da-labels" / "occupation_labels_da.csv"
    result = runner.invoke(
        app, [*home, "taxonomy", "import-esco", str(SHARED_DATA / "esco-v1.1.1"), "--labels-da", str(labels)]
    )
    assert result.exit_code == 0, result.output
    assert "3,007" in result.output and "13,896" in result.output
    gen = runner.invoke(
        app,
        [
            *home,
            "generate",
            "--taxonomy",
            "esco",
            "--seekers",
            "200",
            "--vacancies",
            "100",
            "--interactions",
            "500",
            "--episodes",
            "200",
        ],
    )
    assert gen.exit_code == 0, gen.output
    with Store(tmp_path / "jobmatch.duckdb") as store:
        assert store.meta("taxonomy") == "esco"
        assert store.load_taxonomy("esco").occupations.height == 3007  # kept across regeneration
        occ = store.query("SELECT DISTINCT occupation_id FROM vacancies")["occupation_id"]
        assert occ.str.starts_with("http://data.europa.eu/esco/occupation/").all()
        esco = store.load_taxonomy("esco")
        seeker_skills = store.query("SELECT DISTINCT unnest(skills) AS s FROM seekers")["s"].to_list()
    # ESCO has no Danish skill labels: import borrows the built-in catalogue's where the skills match
    danish = set(load_builtin().skills[C.LABEL_DA].drop_nulls())
    borrowed = esco.skills.filter(pl.col(C.LABEL_DA).is_not_null())
    assert borrowed.height >= 20 and set(borrowed[C.LABEL_DA]) <= danish
    assert any(esco.label(s, "da") in danish for s in seeker_skills)  # the world shows some in Danish


def test_generate_with_hidden_confounding_records_its_strength(tmp_path: Path) -> None:
    """The evaluation's hidden-confounding world is one flag away, and the store says it is one."""
    small = [
        "--seekers",
        "300",
        "--vacancies",
        "80",
        "--interactions",
        "2000",
        "--episodes",
        "300",
        "--seed",
        "3",
    ]
    plain, hidden = tmp_path / "plain", tmp_path / "hidden"
    assert runner.invoke(app, ["--home", str(plain), "generate", *small]).exit_code == 0
    result = runner.invoke(app, ["--home", str(hidden), "generate", *small, "--hidden-confounding", "1.5"])
    assert result.exit_code == 0, result.output
    with Store(plain / "jobmatch.duckdb") as a, Store(hidden / "jobmatch.duckdb") as b:
        assert a.meta("hidden_confounding") is None and b.meta("hidden_confounding") == "1.5"
        assert a.table("seekers").equals(b.table("seekers"))  # only the episodes change
        assert not a.table("outcomes").equals(b.table("outcomes"))
    refused = runner.invoke(app, ["--home", str(plain), "generate", "--force", "--hidden-confounding", "-1"])
    assert refused.exit_code == 2


def test_generate_and_evaluate_take_a_world_form(tmp_path: Path) -> None:
    """`generate --world-form` records the form; an unknown form is a usage error; `evaluate` offers it."""
    small = ["--seekers", "300", "--vacancies", "80", "--interactions", "2000", "--episodes", "50"]
    result = runner.invoke(app, ["--home", str(tmp_path), "generate", *small, "--world-form", "concave"])
    assert result.exit_code == 0, result.output
    with Store(tmp_path / "jobmatch.duckdb") as store:
        assert store.meta("world_form") == "concave"
        assert dict(store.query("SELECT key, value FROM gt_params").iter_rows())["world_form"] == "concave"
    wrong = runner.invoke(app, ["--home", str(tmp_path), "generate", "--force", "--world-form", "cubic"])
    assert wrong.exit_code == 2
    assert "--world-form" in runner.invoke(app, ["evaluate", "--help"]).output


def test_generate_size_preset_with_explicit_counts_winning(tmp_path: Path) -> None:
    """`--size copenhagen` names every count; counts given beside it win (here all four, to stay small)."""
    small = ["--seekers", "300", "--vacancies", "150", "--interactions", "1000", "--episodes", "300"]
    result = runner.invoke(app, ["--home", str(tmp_path), "generate", "--size", "copenhagen", *small])
    assert result.exit_code == 0, result.output
    with Store(tmp_path / "jobmatch.duckdb", read_only=True) as store:
        assert (store.count("seekers"), store.count("vacancies"), store.count("interventions")) == (
            300,
            150,
            300,
        )
    wrong = runner.invoke(app, ["--home", str(tmp_path), "generate", "--force", "--size", "aarhus"])
    assert wrong.exit_code == 2 and "aarhus" in wrong.output


def test_worlds_compared_are_named_by_their_seed(writable_world: Store) -> None:
    """`evaluate interventions --worlds`: a generated world is "seed N" in the report and the coverage record
    (the store keeps its seed), a world without one is named by its folder and file."""
    from cli.evaluate import _world_name

    path = Path("/somewhere/w7/jobmatch.duckdb")
    seed = writable_world.meta("seed")
    assert seed is not None and _world_name(path, writable_world) == f"seed {seed}"
    writable_world.execute("DELETE FROM meta WHERE key = 'seed'")
    assert _world_name(path, writable_world) == "w7/jobmatch"
