"""The benchmark suite's figures: medians, ratios oriented so above 1 beats the baseline, one table and one JSON."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from bench.suite import SECTIONS, Figure, run_bench_all, to_markdown, write_results
from core.settings import Settings


def test_figure_is_the_median_with_n_and_a_speedup_ratio() -> None:
    f = Figure("retrieval", "search p50", "ms", [4.0, 1.0, 2.0], baseline="exact", baseline_value=10.0)
    assert f.value == 2.0 and f.n == 3 and f.n_of == "runs"
    assert f.ratio == pytest.approx(5.0), "baseline time / time"


def test_higher_is_better_ratio_and_no_baseline() -> None:
    f = Figure(
        "recommender", "NDCG@10", "", [0.3], "evaluation", 1, "popularity", 0.01, higher_is_better=True
    )
    assert f.ratio == pytest.approx(30.0), "value / baseline value"
    assert Figure("load", "errors", "", [0.0]).ratio is None
    assert Figure("x", "y", "ms", [1.0], "queries", 200).n == 200, "a percentile over 200 queries says so"
    with pytest.raises(ValueError, match="no measurements"):
        Figure("x", "y", "ms", [])


def test_table_and_json_carry_every_figure(tmp_path: Path) -> None:
    figures = [
        Figure("retrieval", "search p50, ivf", "ms", [0.5], "queries", 200, "exact (flat)", 5.0),
        Figure("encoders", "char throughput", "texts/s", [400.0, 420.0, 410.0], baseline="MiniLM",
               baseline_value=10.0, higher_is_better=True),
        Figure("recommender", "NDCG@10, hybrid", "", [0.3], "evaluation", 1, "popularity", 0.01,
               higher_is_better=True, source="from the last evaluation run"),
    ]  # fmt: skip
    from dataclasses import asdict

    result = {
        "mode": "quick",
        "machine": {"when": "now", "cpus": 2, "platform": "linux", "python": "3.11", "loadavg": [1.0, 1.0, 1.0],
                    "loadavg_at_start": [2.0, 2.0, 2.0]},
        "section_s": {"retrieval": 1.0}, "total_s": 1.0, "failed": {"load": "RuntimeError: boom\ntrace"},
        "figures": [asdict(f) for f in figures],
    }  # fmt: skip
    md = to_markdown(result)
    assert "| retrieval | search p50, ivf | 0.5 | ms | exact (flat) (5.00) | 10.00x | 200 queries |" in md
    assert "| encoders | char throughput | 410 | texts/s | MiniLM (10.00) | 41.00x | 3 runs |" in md
    assert "NDCG@10, hybrid (from the last evaluation run)" in md
    assert "load average (1, 5, 15 min) [2.00, 2.00, 2.00] at start".lower() in md.lower()
    assert "- load: RuntimeError: boom" in md
    paths = write_results(result, tmp_path)
    saved = json.loads(paths["json"].read_text())
    assert [f["value"] for f in saved["figures"]] == [0.5, 410.0, 0.3]
    assert paths["markdown"].read_text() == md


def test_unknown_section_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="unknown sections"):
        run_bench_all(Settings(home=tmp_path), sections=["nope"], progress=False)
    assert set(SECTIONS) >= {"generate", "retrieval", "recommender", "interventions", "dashboard", "load"}


def test_a_failing_section_is_recorded_and_the_suite_goes_on(tmp_path: Path) -> None:
    """An empty home has no world to benchmark: the section fails with its reason, the result still comes."""
    result = run_bench_all(Settings(home=tmp_path / "empty"), sections=["interventions"], progress=False)
    assert set(result["failed"]) == {"interventions"}
    assert result["figures"] == [] and result["section_s"]["interventions"] >= 0
    assert "Failed sections" in to_markdown(result)
