"""The recommender evaluation harness on small worlds of every form (fast): report format, per-form sections,
the oracle as a true upper bound, what serving can reach; targets on the default world are marked
evaluation (run with `pytest -m evaluation`)."""

from __future__ import annotations

import dataclasses
import json
from datetime import timedelta
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from data.interactions import time_split
from data.store import Store
from data.synthetic.generate import WorldSize
from data.synthetic.world import generate_store
from data.synthetic.world_forms import WORLD_FORMS
from data.taxonomy import load_builtin
from embeddings.lexical import CharNgramEncoder
from evaluation.ground_truth import GroundTruth
from evaluation.recommender import DEPTHS, run_recommender_evaluation
from evaluation.recommender_report import BASELINES
from matching.build import taxonomy_corpus
from recommender.context import RecContext

SERVED = {*BASELINES, "hybrid"}
MODELS = SERVED | {"oracle_served", "hybrid_unrestricted", "oracle"}
SMALL = WorldSize(seekers=700, vacancies=300, interactions=6_000, episodes=50, seed=5)


@pytest.fixture(scope="module")
def encoder() -> CharNgramEncoder:
    return CharNgramEncoder(dim=64).fit(taxonomy_corpus(load_builtin()))


@pytest.fixture(scope="module")
def runs(tmp_path_factory: pytest.TempPathFactory, encoder: CharNgramEncoder) -> dict[str, Any]:
    """One evaluation per world form into one report folder; linear is the 'home' world with the sweep."""
    folder = tmp_path_factory.mktemp("eval")
    reports, paths = {}, {}
    for form in WORLD_FORMS:
        paths[form] = folder / f"{form}.duckdb"
        generate_store(paths[form], dataclasses.replace(SMALL, world_form=form), show_progress=False)
        with Store(paths[form]) as store:
            reports[form] = run_recommender_evaluation(store, encoder, folder / "report", progress=False,
                                                       depths=form == "linear", home=form == "linear")  # fmt: skip
    return {"reports": reports, "paths": paths, "out": folder / "report"}


def test_report_format_and_world_sections(runs: dict[str, Any], encoder: CharNgramEncoder) -> None:
    out = runs["out"]
    metrics = json.loads((out / "metrics.json").read_text())
    assert set(metrics) == MODELS | {"world_forms"}
    assert set(metrics["world_forms"]) == {f"{form}/seed5" for form in WORLD_FORMS}
    for section in metrics["world_forms"].values():
        assert set(section) == MODELS | {"funnel"}
        assert 0 < section["funnel"]["reachable_share"]["value"] < 1
    for name in MODELS:
        for metric in ("ndcg@10", "recall@50", "precision@10", "map@10", "mrr@10", "coverage@10", "gini@10"):
            cell = metrics[name][metric]
            assert cell["ci"][0] <= cell["value"] <= cell["ci"][1], (name, metric)
        share = metrics[name]["share_of_oracle_ndcg@10"]
        assert share["ci"][0] <= share["value"] <= share["ci"][1], name
    assert metrics["oracle"]["share_of_oracle_ndcg@10"]["value"] == pytest.approx(1.0)
    assert set(metrics) - {"world_forms", "hybrid"} == {
        n for n in MODELS if "hybrid_minus_model_ndcg@10" in metrics[n]
    }
    for png in ("metrics.png", "forms.png", "exposure.png"):
        assert (out / png).stat().st_size > 10_000, png
    text = (out / "report.md").read_text()
    assert "**Pipeline: served.**" in text and "**Oracle: time-aware**" in text and "| hybrid |" in text
    assert all(f"## World `{form}/seed5`" in text for form in WORLD_FORMS)
    home = runs["reports"]["linear"]
    assert [r["depth"] for r in home["depth_sweep"]] == list(DEPTHS)
    assert home["chosen_depth"] in DEPTHS
    reach = [r["reachable"] for r in home["depth_sweep"]]
    assert reach == sorted(reach)  # deeper retrieval never reaches less
    assert sum(home["reachable"].values()) == pytest.approx(1.0)
    assert [e["strength"] for e in home["exposure"]] == [0.0, 0.25, 0.5, 1.0, 2.0]
    # seeded: a second run gives the same figures
    with Store(runs["paths"]["linear"]) as store:
        again = run_recommender_evaluation(store, encoder, None, progress=False, depths=False)
    assert again["metrics"]["hybrid"]["ndcg@10"] == home["metrics"]["hybrid"]["ndcg@10"]


@pytest.mark.parametrize("form", WORLD_FORMS)
def test_oracle_is_an_upper_bound_on_every_form(runs: dict[str, Any], form: str) -> None:
    metrics = runs["reports"][form]["metrics"]
    oracle, served_oracle = (
        metrics["oracle"]["ndcg@10"]["value"],
        metrics["oracle_served"]["ndcg@10"]["value"],
    )
    for name, cells in metrics.items():
        assert oracle >= cells["ndcg@10"]["value"], (form, name)
        if name in SERVED:
            assert served_oracle >= cells["ndcg@10"]["value"], (form, name)


def test_oracle_knows_when_a_vacancy_is_open(runs: dict[str, Any]) -> None:
    """A vacancy whose posting period ended before the test window cannot yield a test positive."""
    with Store(runs["paths"]["linear"]) as store:
        ctx, events = RecContext.from_store(store), store.table("interactions")
        gt = GroundTruth(store, ctx)
        split = time_split(events, carry_over=False).split
    start = np.datetime64(split.valid_end, "us")
    window = (start, np.datetime64(events["ts"].max(), "us"))
    deadline = ctx.vacancy_array("deadline").astype("datetime64[us]")
    closed = np.flatnonzero(deadline < start - np.timedelta64(timedelta(days=4)))[:50]
    users = np.arange(40)
    timeless = gt.expected_gain(users, closed)
    assert (timeless > 0).sum() > 100  # these pairs could arise, just not inside the window
    assert np.all(gt.expected_gain(users, closed, window) == 0)


@pytest.mark.evaluation
def test_targets_on_default_world(tmp_path: Path, encoder: CharNgramEncoder) -> None:
    """Issue 13's targets: the served hybrid beats the rule by >= 0.02 NDCG@10 with a paired CI above 0 and
    every other baseline (the rule given the deadline by hand, ``rule_timed``, included), and reaches >= 75%
    of the time-aware oracle."""
    path = tmp_path / "w.duckdb"
    generate_store(path, WorldSize(), show_progress=False)
    with Store(path) as store:
        metrics = run_recommender_evaluation(store, encoder, tmp_path / "report", progress=False)["metrics"]
    lead = metrics["rule"]["hybrid_minus_model_ndcg@10"]
    assert lead["value"] >= 0.02 and lead["ci"][0] > 0
    for baseline in SERVED - {"hybrid"}:
        assert metrics[baseline]["hybrid_minus_model_ndcg@10"]["ci"][0] > 0, baseline
    assert metrics["hybrid"]["share_of_oracle_ndcg@10"]["value"] >= 0.75
