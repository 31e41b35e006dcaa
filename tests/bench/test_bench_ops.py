"""`jobmatch bench ops`: two dashboard processes on one PostgreSQL operations store lose and duplicate no
audit record, write one decision row per decide call, and leave a chain that verifies."""

from __future__ import annotations

from pathlib import Path

from bench.ops import OpsConfig, run_ops, to_markdown, write_results
from core.settings import Settings
from tests.pg import fresh_database


def test_two_processes_on_one_postgresql_store_lose_and_duplicate_nothing(
    built_home: Path, pg_server: str, tmp_path: Path
) -> None:
    settings = Settings(home=built_home)
    result = run_ops(
        settings, OpsConfig(processes=2, threads=2, duration_s=4), ops_url=fresh_database(pg_server)
    )
    assert result["errors"] == 0, result["error_samples"]
    assert result["exit_codes"] == [0, 0] and all(n > 0 for n in result["per_process_calls"])
    audit, decisions = result["audit"], result["decisions"]
    assert audit["lost"] == 0 and audit["duplicated"] == 0 and audit["equal_per_kind"]
    assert audit["rows_written"] == audit["audited_calls_served"] > 0
    assert audit["chain_ok"]
    assert decisions["rows"] == decisions["decide_calls"] and decisions["logged_once"]
    assert result["ok"]
    paths = write_results(result, tmp_path / "ops.json")
    assert paths["json"].exists() and "lost **0**, duplicated **0**" in to_markdown(result)
