"""What the command line hands out or replaces is guarded: sensitive exports need a flag and a reason, every
export and every list shown is audited, and `generate` does not silently replace a world."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from app.audit import AuditLog
from app.ops import OpsStore
from cli.app import app
from data.store import Store

runner = CliRunner()
TINY = ["--seekers", "60", "--vacancies", "40", "--interactions", "200", "--episodes", "60", "--seed", "1"]


def records(home: Path, kind: str | None = None) -> list[dict[str, object]]:
    if not (home / "ops.sqlite").exists():
        return []
    with OpsStore(home / "ops.sqlite") as ops:
        frame = AuditLog(ops).records(*(("WHERE kind = ?", [kind]) if kind else ()))
    return [dict(r, payload=json.loads(r["payload"])) for r in frame.to_dicts()]


@pytest.fixture()
def home(world_path: Path, tmp_path: Path) -> Path:
    shutil.copy(world_path, tmp_path / "jobmatch.duckdb")
    return tmp_path


@pytest.mark.parametrize("table", ["seeker_protected", "gt_params", "gt_seeker_latent"])
@pytest.mark.parametrize(
    "flags", [[], ["--sensitive"], ["--reason", "audit"], ["--sensitive", "--reason", " "]]
)
def test_sensitive_tables_need_the_flag_and_a_reason(home: Path, table: str, flags: list[str]) -> None:
    target = home / "out.csv"
    result = runner.invoke(app, ["--home", str(home), "export", table, str(target), *flags])
    assert result.exit_code != 0
    assert "--sensitive and --reason" in str(result.exception)
    assert not target.exists() and records(home) == []


def test_sensitive_export_with_a_reason_is_written_and_audited(home: Path) -> None:
    target = home / "protected.parquet"
    reason = "fairness audit for the board, case 2024-17"
    result = runner.invoke(
        app,
        ["--home", str(home), "export", "seeker_protected", str(target), "--sensitive", "--reason", reason],
    )
    assert result.exit_code == 0, result.output
    with Store(home / "jobmatch.duckdb") as store:
        rows = store.count("seeker_protected")
    assert f"wrote {rows:,} rows" in result.output and target.exists()
    (record,) = records(home, "export")
    assert record["role"] == "cli" and record["user_id"] and record["subject"] == "seeker_protected"
    assert record["payload"] == {"table": "seeker_protected", "file": str(target.resolve()), "format": "parquet",
                                 "rows": rows, "sensitive": True, "reason": reason}  # fmt: skip


def test_every_export_is_audited(home: Path) -> None:
    for table, name in (("vacancies", "v.csv"), ("employers", "e.parquet")):
        result = runner.invoke(app, ["--home", str(home), "export", table, str(home / name)])
        assert result.exit_code == 0, result.output
    exports = records(home, "export")
    assert [(r["subject"], r["payload"]["format"], r["payload"]["sensitive"]) for r in exports] == [
        ("vacancies", "csv", False),
        ("employers", "parquet", False),
    ]
    with Store(home / "jobmatch.duckdb") as store:
        assert exports[0]["payload"]["rows"] == store.count("vacancies")
        assert exports[0]["data_version"] == store.data_version


def test_cli_lists_are_audited_like_the_dashboards(built_home: Path, tmp_path: Path) -> None:
    home = tmp_path / "home"
    shutil.copytree(built_home, home, ignore=shutil.ignore_patterns("ops.*"))
    with Store(home / "jobmatch.duckdb") as store:
        seeker = store.query("SELECT seeker_id FROM seekers ORDER BY seeker_id LIMIT 1")["seeker_id"][0]
        vacancy = store.query("SELECT vacancy_id FROM vacancies WHERE status = 'open' ORDER BY 1 LIMIT 1")[
            "vacancy_id"
        ][0]
    commands = {
        "match_seeker": ["match", "seeker", seeker, "--max-km", "200", "--k", "4"],
        "match_vacancy": ["match", "vacancy", vacancy, "--k", "4"],
        "match_other_industries": ["match", "other-industries", seeker, "--n", "3"],
        "recommend_seeker": ["recommend", "seeker", seeker, "--k", "4", "--format", "json"],
        "recommend_vacancy": ["recommend", "vacancy", vacancy, "--k", "4", "--format", "csv"],
    }
    for kind, command in commands.items():
        result = runner.invoke(app, ["--home", str(home), *command])
        assert result.exit_code == 0, (command, result.output)
        (record,) = records(home, kind)
        assert record["role"] == "cli" and record["subject"] == command[2]
        assert record["data_version"] and record["model_version"]
        assert record["payload"]["ranked"], kind
        assert [r["rank"] for r in record["payload"]["ranked"]] == list(
            range(1, len(record["payload"]["ranked"]) + 1)
        )
    shown = [json.loads(line) for line in runner.invoke(app, ["--home", str(home), *commands["recommend_seeker"]]).output.splitlines()]  # fmt: skip
    logged = records(home, "recommend_seeker")[-1]["payload"]["ranked"]
    assert [r["vacancy_id"] for r in logged] == [r["vacancy_id"] for r in shown]


def test_generate_over_a_world_needs_force_and_keeps_a_backup(home: Path) -> None:
    db = home / "jobmatch.duckdb"
    before = db.read_bytes()
    refused = runner.invoke(app, ["--home", str(home), "generate", *TINY])
    assert refused.exit_code != 0 and "--force" in str(refused.exception)
    assert db.read_bytes() == before and not (home / "jobmatch.duckdb.bak").exists()
    forced = runner.invoke(app, ["--home", str(home), "generate", *TINY, "--force"])
    assert forced.exit_code == 0, forced.output
    assert "jobmatch.duckdb.bak" in forced.output
    assert (home / "jobmatch.duckdb.bak").read_bytes() == before
    with Store(db) as store:
        assert store.count("seekers") == 60


def test_generate_asks_at_a_terminal(home: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("cli.backup.interactive", lambda: True)
    before = (home / "jobmatch.duckdb").read_bytes()
    no = runner.invoke(app, ["--home", str(home), "generate", *TINY], input="n\n")
    assert no.exit_code == 1 and "replace it" in no.output
    assert (home / "jobmatch.duckdb").read_bytes() == before
    yes = runner.invoke(app, ["--home", str(home), "generate", *TINY], input="y\n")
    assert yes.exit_code == 0, yes.output
    assert (home / "jobmatch.duckdb.bak").read_bytes() == before


def test_generate_after_only_a_taxonomy_import_needs_no_force(tmp_path: Path) -> None:
    with Store(tmp_path / "jobmatch.duckdb", read_only=False):
        pass  # an empty store, as `migrate` or `taxonomy import-esco` leaves it
    result = runner.invoke(app, ["--home", str(tmp_path), "generate", *TINY])
    assert result.exit_code == 0, result.output
