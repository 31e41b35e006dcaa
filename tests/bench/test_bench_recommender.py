"""The recommender benchmark's machinery at a tiny size: subprocess isolation, keys, sane timings, files."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from bench.recommender import (
    SERVING_KEYS,
    TRAINING_KEYS,
    run_recommender_benchmark,
    top_k,
    training_world,
    wait_for_quiet,
    write_results,
)


@pytest.fixture(scope="module")
def result(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    return run_recommender_benchmark(
        # The 80-vacancy serving world is the 2k-event training world (generated once, reused).
        [2_000], [80, 400], repeats=2, n_seekers=20, n_pairs=200, n_batch=3, serving_seekers=267,
        serving_events=2_000, vector_dim=16, max_wait_s=0, progress=False,
        workdir=tmp_path_factory.mktemp("bench"),
    )  # fmt: skip


def test_training_rows(result: dict[str, Any]) -> None:
    (row,) = result["training"]
    assert set(TRAINING_KEYS) <= set(row)
    assert 0 < row["events"] <= 2_000 and 0 < row["positives"] < row["events"]
    assert row["users"] == training_world(2_000).seekers and row["items"] == training_world(2_000).vacancies
    assert row["fit_s"] > 0 and row["fit_cpu_s"] > 0
    assert row["peak_rss_mib"] >= row["peak_rss_before_fit_mib"] > 0
    assert 0 < row["rss_at_fit_start_mib"] <= row["fit_peak_rss_mib"] <= row["peak_rss_mib"]
    assert row["runs"] == 2 == len(row["all_fit_s"])
    assert isinstance(row["positives"], int) and isinstance(row["fit_s"], float)
    assert row["params"]["loss"] == "warp" and row["params"]["use_features"] is True


def test_serving_rows(result: dict[str, Any]) -> None:
    rows = result["serving"]
    assert [r["vacancies"] for r in rows] == [80, 400]
    for row in rows:
        assert set(SERVING_KEYS) <= set(row)
        assert 0 < row["p50_ms"] <= row["p95_ms"]
        assert 0 < row["lightfm_p50_ms"] <= row["lightfm_p95_ms"] and row["content_signals_p50_ms"] > 0
        assert row["n_requests"] == 20 and row["per_pair_sample"] == 200
        assert row["speedup_vs_per_pair_predict"] > 1
        assert row["request_speedup_vs_per_pair_predict"] > 0
        assert row["max_abs_diff_vs_predict"] < 1e-3  # the exported representations reproduce predict


def test_load_and_machine_recorded(result: dict[str, Any]) -> None:
    load = result["load"]
    assert {"loadavg_before_wait", "loadavg_at_start", "loadavg_at_end", "waited_s", "quiet"} <= set(load)
    assert result["machine"]["cpus"] and result["config"]["isolated_processes"] is True


def test_write_results(result: dict[str, Any], tmp_path: Path) -> None:
    paths = write_results(result, tmp_path / "bench")
    assert paths["json"] == tmp_path / "bench" / "recommender.json"
    assert json.loads(paths["json"].read_text(encoding="utf-8"))["training"][0]["runs"] == 2
    md = paths["markdown"].read_text(encoding="utf-8")
    assert "| events |" in md and "speedup vs per-pair predict" in md
    assert write_results(result, tmp_path / "x.json")["markdown"] == tmp_path / "x.md"


def test_top_k_matches_full_sort() -> None:
    scores = np.random.default_rng(0).random(500).astype(np.float32)
    assert top_k(scores, 10).tolist() == np.argsort(-scores, kind="stable")[:10].tolist()
    assert top_k(scores[:5], 10).tolist() == np.argsort(-scores[:5], kind="stable").tolist()


def test_wait_for_quiet_gives_up_after_max_wait() -> None:
    load = wait_for_quiet(threshold=-1.0, poll_s=0.01, max_wait_s=0.0)
    assert load["quiet"] is False and load["waited_s"] == 0.0
