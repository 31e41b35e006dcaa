"""The recommender evaluation harness: output format on a small world (fast), targets on the default
world (marked evaluation, run with `pytest -m evaluation`)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from data.store import Store
from data.synthetic.generate import WorldSize
from data.synthetic.world import generate_store
from data.taxonomy import load_builtin
from embeddings.lexical import CharNgramEncoder
from evaluation.recommender import run_recommender_evaluation
from matching.build import taxonomy_corpus

MODELS = {"popularity", "skill_overlap", "embedding", "lightfm_nofeatures", "lightfm", "hybrid", "oracle"}


@pytest.fixture(scope="module")
def encoder() -> CharNgramEncoder:
    return CharNgramEncoder(dim=64).fit(taxonomy_corpus(load_builtin()))


def test_report_format_on_small_world(tmp_path: Path, encoder: CharNgramEncoder) -> None:
    path = tmp_path / "w.duckdb"
    generate_store(path, WorldSize(seekers=1_500, vacancies=500, interactions=15_000, episodes=100, seed=5),
                   show_progress=False)  # fmt: skip
    with Store(path) as store:
        report = run_recommender_evaluation(store, encoder, tmp_path / "report", progress=False)
    metrics = json.loads((tmp_path / "report" / "metrics.json").read_text())
    assert set(metrics) == MODELS
    for name in MODELS:
        for metric in ("ndcg@10", "recall@50", "precision@10", "map@10", "mrr@10", "coverage@10", "gini@10"):
            cell = metrics[name][metric]
            assert cell["ci"][0] <= cell["value"] <= cell["ci"][1], (name, metric)
    assert metrics["oracle"]["share_of_oracle_ndcg@10"]["value"] == pytest.approx(1.0)
    assert (tmp_path / "report" / "metrics.png").stat().st_size > 10_000
    assert (tmp_path / "report" / "exposure.png").exists()
    assert "| hybrid |" in (tmp_path / "report" / "report.md").read_text()
    assert [e["strength"] for e in report["exposure"]] == [0.0, 0.25, 0.5, 1.0, 2.0]
    assert set(report["hybrid_weights"]) == {"citizen", "employer"}
    # seeded: a second run gives the same figures
    with Store(path) as store:
        again = run_recommender_evaluation(store, encoder, None, progress=False)
    assert again["metrics"]["hybrid"]["ndcg@10"] == report["metrics"]["hybrid"]["ndcg@10"]


@pytest.mark.evaluation
def test_targets_on_default_world(tmp_path: Path, encoder: CharNgramEncoder) -> None:
    """Hybrid beats every baseline on NDCG@10 and recall@50 with non-overlapping CIs, >= 80% of oracle."""
    path = tmp_path / "w.duckdb"
    generate_store(path, WorldSize(), show_progress=False)
    with Store(path) as store:
        metrics = run_recommender_evaluation(store, encoder, tmp_path / "report", progress=False)["metrics"]
    hybrid = metrics["hybrid"]
    for baseline in ("popularity", "skill_overlap", "embedding", "lightfm_nofeatures", "lightfm"):
        for metric in ("ndcg@10", "recall@50"):
            assert hybrid[metric]["ci"][0] > metrics[baseline][metric]["ci"][1], (baseline, metric)
    assert hybrid["share_of_oracle_ndcg@10"]["value"] >= 0.8
