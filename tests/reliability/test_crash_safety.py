"""Crash safety: SIGKILL real `jobmatch import` / `jobmatch build` subprocesses and check what is left.

The default run kills each step once (the import, inside its refresh, the build's index phase, its training,
the release switch); the slow run kills 30 times. Every kill must leave CURRENT on a complete release (the
previous or the new one), world tables of exactly that version, artefacts that load, exactly that release's
answers for a fresh reader (never a refusal), a reader that held the previous release answering all through,
and a rerun that removes the leftovers and reaches a clean run's state.
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
    classify,
    landing,
    run_faults,
    serve,
    settings_for,
    verify_artefacts,
    write_results,
)
from bench.faults_report import BEFORE_SWAP
from bench.faults_watch import Layout
from bench.faults_world import Probe

IMPORTS = ("import", "import: refresh", "release switch")  # steps that kill `jobmatch import`


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
        assert row["rerun completed"] == row["kills"]
        assert row["tables previous"] + row["tables new"] == row["kills"]
        assert row["served previous"] + row["served new"] == row["kills"]
        assert row["refused"] == row["wrong answers"] == 0
        assert row["before the swap"] + row["after the swap"] == row["kills"]
        assert row["reader answers"] >= 2 * row["kills"]
    for k in result["kills"]:
        assert k["served"] == k["live"]  # a fresh reader serves the release CURRENT names, nothing else
        assert (k["live"] == "previous") == (k["landed"] in BEFORE_SWAP)
        if k["step"] in IMPORTS:
            assert k["tables"] == k["live"]  # the import's world tables are in its release only
        else:
            assert k["tables"] == "previous"  # the build never touches the world tables
        if k["landed"] in BEFORE_SWAP[1:]:  # a writer that started and was not published left its folder
            assert k["leftovers"] or k["orphans"]
    return rows


def test_kills_during_import_refresh_build_training_and_switch_leave_a_consistent_state(
    tmp_path: Path,
) -> None:
    result = run_faults(tmp_path / "work", FaultConfig(kills=5, seed=1, import_rows=1_500))
    _check(result, 5)
    paths = write_results(result, tmp_path / "out" / "faults.json")
    assert "| **total** | 5 |" in paths["markdown"].read_text()
    # The reference states the kills are judged against: the import is served at once (no refusal, models
    # trained on the previous data), the build serves models trained on the imported data.
    work, probe = tmp_path / "work", Probe(**result["probe"])
    before, imported, built = (
        serve(settings_for(work / name), probe) for name in ("base", "imported", "built")
    )
    for said in (before, imported, built):
        assert all(isinstance(said[k], list) and said[k] for k in ("match", "recommend", "programmes"))
    assert imported["match"] != before["match"]  # the refresh indexed the imported seekers
    assert imported["trained on"] == before["trained on"] != built["trained on"]
    assert built["trained on"]["hybrid"] == imported["data_version"]
    # The harness is not vacuous: damage the reference build's live index and it reports exactly that.
    settings = settings_for(work / "built")
    assert verify_artefacts(settings) == []
    side = settings.indexes_dir / "vacancies"
    index_file = side / (side / "CURRENT").read_text() / "index.faiss"
    index_file.write_bytes(index_file.read_bytes()[:100])
    problems = verify_artefacts(settings)
    assert len(problems) == 1 and "vacancies index unusable" in problems[0] and "checksum" in problems[0]
    shutil.rmtree(work)


def test_serving_anything_but_the_live_release_answers_is_a_problem() -> None:
    answers = {"release": "r1", "data_version": "d1", "trained on": {"hybrid": "d0"},
               "match": [["V1", 0.9]], "recommend": [["V1", 0.5]], "programmes": [["none", 0.0]]}  # fmt: skip
    expect = {"previous": answers, "new": {**answers, "match": [["V2", 0.9]], "trained on": {"hybrid": "d1"}}}
    kill = Kill("release switch", "w", "manifest written", 0.1, live="new")
    classify(kill, {**answers, "release": "r9", "data_version": "d9"}, expect)  # the previous one's answers
    assert kill.served == "DIFFERENT" and kill.problems == [
        "trained on, match: not the new release's answers"
    ]
    kill = Kill("release switch", "w", "manifest written", 0.1, live="previous")
    classify(kill, {**answers, "release": "r9"}, expect)  # a rerun names its release anew: that is fine
    assert kill.served == "previous" and kill.problems == []
    kill = Kill("import", "w", "start", 0.1, live="new")
    classify(kill, {**expect["new"], "recommend": "refused: index is for data version d0"}, expect)
    assert kill.served == "refused" and len(kill.problems) == 1 and "recommend refused" in kill.problems[0]


def _layout(live: str, published: tuple[str, ...], writing: str = "", manifest: bool = False,
            links: tuple[str, ...] = ("r1",) * 3) -> Layout:  # fmt: skip
    return Layout(live, published, writing, manifest, ("", ""), "", links)


def test_where_a_kill_landed_is_read_from_what_it_left() -> None:
    source = _layout("r1", ("r1",))
    assert landing(source, source) == "before the writer started"
    assert landing(source, _layout("r1", ("r1",), ".r2.tmp")) == "writing"
    assert (
        landing(source, _layout("r1", ("r1",), ".r2.tmp", manifest=True)) == "publishing: before the rename"
    )
    assert landing(source, _layout("r1", ("r1", "r2"))) == "publishing: renamed, pointer not swapped"
    assert (
        landing(source, _layout("r2", ("r1", "r2"), links=("r2", "r1", "r1")))
        == "publishing: links not swapped"
    )
    assert landing(source, _layout("r2", ("r1", "r2"), links=("r2",) * 3)) == "published"


@pytest.mark.slow
def test_thirty_kills_leave_a_consistent_state(tmp_path: Path) -> None:
    result = run_faults(tmp_path / "work", FaultConfig(kills=30, seed=0))
    rows = _check(result, 30)
    assert all(rows[step]["kills"] == 6 for step in STEPS)
