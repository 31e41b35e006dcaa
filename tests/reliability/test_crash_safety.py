"""Crash safety: SIGKILL real `jobmatch import` / `jobmatch build` subprocesses and check what is left.

The default run kills each step once (import, the build's embedding + index phase, its training phase);
the slow run kills 24 times. Every kill must leave a store that opens, world tables that are exactly the
previous or the new version, artefacts that load, answers that are the previous or the new ones (or a
refusal naming `jobmatch build` while an artefact is stale), and a rerun that reaches a clean run's state.
"""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import pytest

from bench.faults import (
    STEPS,
    FaultConfig,
    Kill,
    Probe,
    _classify,
    _settings,
    run_faults,
    serve,
    verify_artefacts,
    write_results,
)


def _check(result: dict[str, Any], kills: int) -> dict[str, dict[str, Any]]:
    rows = {r["step"]: r for r in result["summary"]}
    problems = [(k["step"], p) for k in result["kills"] for p in k["problems"]]
    assert problems == []
    assert result["ok"] is True
    assert rows["total"]["kills"] == len(result["kills"]) == kills
    assert {k["step"] for k in result["kills"]} == set(STEPS)
    for step in STEPS:
        row = rows[step]
        assert row["kills"] >= kills // len(STEPS)
        assert row["store opened"] == row["kills"] == row["rerun completed"]
        assert row["tables previous"] + row["tables new"] == row["kills"]
        assert row["served previous"] + row["served new"] + row["refused (stale)"] == row["kills"]
        assert row["wrong answers"] == 0
        landed = ("before any write", "mid-write", "between writes", "after the last write")
        assert sum(row[c] for c in landed) == row["kills"]
    # the build never touches the world tables; an uncommitted import leaves the previous version served
    for k in result["kills"]:
        if k["step"] != "import":
            assert k["tables"] == "previous"
        elif k["tables"] == "previous":
            assert k["match"] == "previous" and k["recommend"] == "previous"
        else:
            assert k["match"] == "refused (stale)"
    return rows


def test_kills_during_import_build_and_training_leave_a_consistent_state(tmp_path: Path) -> None:
    result = run_faults(tmp_path / "work", FaultConfig(kills=3, seed=1, import_rows=1_500))
    _check(result, 3)
    paths = write_results(result, tmp_path / "out" / "faults.json")
    assert "| **total** | 3 |" in paths["markdown"].read_text()
    # The reference states the kills are judged against: served, refused as stale, served anew.
    work, probe = tmp_path / "work", Probe(**result["probe"])
    before, stale, after = (serve(_settings(work / name), probe) for name in ("base", "imported", "built"))
    assert isinstance(before["match"], list) and isinstance(before["recommend"], list)
    assert "jobmatch build" in stale["match"] and "jobmatch build" in stale["recommend"]
    assert isinstance(after["match"], list) and after["match"] != before["match"]
    # The harness is not vacuous: damage the reference build and it reports exactly that.
    built = work / "built"
    settings = _settings(built)
    assert verify_artefacts(settings) == []
    live = built / "indexes" / "vacancies" / (built / "indexes" / "vacancies" / "CURRENT").read_text()
    index_file = live / "index.faiss"
    index_file.write_bytes(index_file.read_bytes()[:100])
    problems = verify_artefacts(settings)
    assert len(problems) == 1 and "vacancies index unusable" in problems[0] and "checksum" in problems[0]
    kill = Kill("build: training", "phase", "start", 1.0)
    answers = {"match": [("V1", 0.9)], "recommend": [("V1", 0.5)]}
    _classify(kill.step, kill, {"match": [("V2", 0.9)], "recommend": "refused: stale"},
              {"previous": answers, "new": answers})  # fmt: skip
    assert kill.match == "DIFFERENT" and kill.recommend == "refused (stale)"
    assert len(kill.problems) == 2  # different answers, and a refusal that does not name the fix
    shutil.rmtree(tmp_path / "work")


@pytest.mark.slow
def test_at_least_twenty_kills_leave_a_consistent_state(tmp_path: Path) -> None:
    result = run_faults(tmp_path / "work", FaultConfig(kills=24, seed=0))
    rows = _check(result, 24)
    after_a_write = sum(rows["total"][c] for c in ("mid-write", "between writes", "after the last write"))
    assert after_a_write >= 3, rows["total"]
