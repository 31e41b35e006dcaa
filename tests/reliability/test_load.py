"""The load harness: concurrent consultants on one workspace serve without errors, and every suggestion shown
and every decision made is in the audit log (and the decisions table) exactly once, with the chain intact."""

from __future__ import annotations

from pathlib import Path

import pytest

from app.audit import AuditLog
from app.ops import OpsStore
from bench.load import AUDITED, LoadConfig, latency_stats, run_load, to_markdown
from core.settings import Settings
from data.store import Store


@pytest.fixture(scope="module")
def load_result(built_home: Path) -> dict:
    # decide_every=2 makes several writes per consultant even in a few seconds on a slow machine.
    cfg = LoadConfig(threads=8, duration_s=4.0, other_every=2, decide_every=2)
    return run_load(Settings(home=built_home), cfg, progress=False)


def test_concurrent_consultants_serve_without_errors(load_result: dict) -> None:
    assert load_result["errors"] == 0, load_result["error_samples"]
    ops = load_result["operations"]
    assert {"suggest_vacancies", "programmes"} <= set(ops)
    assert load_result["calls"] == sum(op["n"] for op in ops.values()) > 0
    consultants = load_result["world"]["consultants"]
    assert len(consultants) == 8
    assert {c["jobcenter_id"] for c in consultants} == {"jc-kbh", "jc-odense"}
    assert all(c["citizens_opened"] >= 1 for c in consultants), "every thread did work"
    assert load_result["ok"]


def test_the_world_reported_is_the_homes(load_result: dict, built_home: Path) -> None:
    with Store(Settings(home=built_home).db_path, read_only=True) as store:
        counts = {"seekers": store.count("seekers"), "vacancies": store.count("vacancies")}
    assert {k: load_result["world"][k] for k in counts} == counts
    assert counts["seekers"] != Settings().seekers, "the home's own size, not the settings' default"


def test_audit_rows_equal_audited_calls_and_chain_verifies(load_result: dict) -> None:
    audit, ops = load_result["audit"], load_result["operations"]
    assert (
        audit["rows_written"]
        == audit["audited_calls_served"]
        == sum(ops[op]["n"] for op in AUDITED if op in ops)
    )
    for op, kind in AUDITED.items():
        served = ops[op]["n"] if op in ops else 0
        assert audit["by_kind"][kind] == {"served": served, "audit_rows": served}
    assert audit["equal"] and audit["chain_ok"]


def test_decisions_rows_equal_decide_calls(load_result: dict) -> None:
    decisions = load_result["decisions"]
    assert decisions["decide_calls"] == load_result["operations"].get("decide", {}).get("n", 0)
    assert decisions["rows_written"] == decisions["decide_calls"]
    assert decisions["equal"]


def test_concurrency_rules_hold_in_the_run(load_result: dict) -> None:
    checked = load_result["concurrency"]["checked"]
    assert checked["world_is_read_only"], "the dashboard's workspace never writes the world"
    assert checked["distinct_thread_cursors"] == 8, "each thread reads through its own cursor"
    assert checked["shared_matcher_objects"] == 1, "one set of FAISS indexes serves every thread"


def test_the_real_installation_is_untouched(built_home: Path, load_result: dict) -> None:
    """The harness works on a copy: the source home gets no audit records and no decisions."""
    settings = Settings(home=built_home)
    if settings.ops_path.exists():
        with OpsStore.open(settings) as ops:
            assert not any(
                u.startswith("last-") for (u,) in ops.rows("SELECT DISTINCT user_id FROM audit_log")
            )
            assert AuditLog(ops).verify().ok
            assert ops.rows("SELECT count(*) FROM decisions WHERE user_id LIKE 'last-%'") == [(0,)]


def test_report_names_every_figure(load_result: dict) -> None:
    md = to_markdown(load_result)
    for needle in ("suggest_vacancies", "programmes", "p99 ms", "Errors: **0**", "Hash chain: verifies"):
        assert needle in md
    d = load_result["decisions"]
    assert f"Decisions rows {d['rows_written']:,} vs decide calls {d['decide_calls']:,}." in md


def test_latency_stats_percentiles() -> None:
    stats = latency_stats([float(x) for x in range(1, 101)])
    assert stats["n"] == 100
    assert stats["p50_ms"] == pytest.approx(50.5)
    assert stats["p95_ms"] == pytest.approx(95.05)
    assert stats["p99_ms"] == pytest.approx(99.01)
    assert stats["max_ms"] == 100.0
    assert latency_stats([]) == {"n": 0}


def test_invalid_configuration_is_refused() -> None:
    with pytest.raises(ValueError, match="invalid load configuration"):
        LoadConfig(threads=0)


def test_a_consultant_back_at_a_citizen_notes_instead_of_accepting_again(
    built_home: Path, tmp_path: Path
) -> None:
    import shutil
    from collections import Counter

    from app.workspace import Workspace
    from bench.load import _consultants, _one_citizen, _Worker

    home = tmp_path / "home"
    shutil.copytree(built_home, home, ignore=shutil.ignore_patterns("ops.*"))
    ws = Workspace.open(Settings(home=home, demo_login=False))
    try:
        user = _consultants(ws, 1)[0]
        sid = ws.queue(user)["seeker_id"][0]
        worker = _Worker(user, [sid], {}, Counter(), [])
        cfg = LoadConfig(decide_every=1, other_every=99)

        def timed(op: str, call):  # type: ignore[no-untyped-def]
            worker.served[op] += 1
            return call()  # a refusal raises here and fails the test

        _one_citizen(ws, worker, cfg, sid, 1, timed)  # first pass: accepts the top suggestion
        _one_citizen(ws, worker, cfg, sid, 2, timed)  # the caseload again: a note, not a second accept
        actions = ws.ops.rows("SELECT action FROM decisions WHERE seeker_id = ? ORDER BY ts, ord", [sid])
        assert [a for (a,) in actions] == ["accept", "note"]
    finally:
        ws.close()
