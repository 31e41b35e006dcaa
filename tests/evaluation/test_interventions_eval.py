"""Evaluation of the intervention recommender: the report's shape on a small world, targets on the full one."""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pytest

from data.synthetic.generate import WorldSize, generate_world
from data.taxonomy import load_builtin
from evaluation.interventions import (
    NSW_EXPERIMENTAL_USD,
    _uplift,
    ihdp_available,
    nsw_available,
    run_intervention_evaluation,
)
from recommender.interventions import DRParams

FAST = DRParams(n_folds=2, bootstrap=10, nuisance_max_iter=60, nuisance_learning_rate=0.1)


@pytest.fixture(scope="module")
def small_world() -> dict:
    return generate_world(
        load_builtin(), WorldSize(seekers=1500, vacancies=300, interactions=500, episodes=2500, seed=5)
    )


def test_synthetic_report_shape_and_sanity(small_world: dict, tmp_path: Path) -> None:
    result = run_intervention_evaluation(small_world, tmp_path, seed=1, params=FAST, ihdp_reps=0, nsw_seeds=0)
    data = json.loads((tmp_path / "interventions.json").read_text(encoding="utf-8"))
    pv = data["synthetic"]["policy_value"]
    assert set(pv) == {"model", "historical", "random", "oracle"}
    assert pv["oracle"] >= max(pv["model"], pv["historical"], pv["random"]) - 1e-12
    syn = result["synthetic"]
    assert syn["policies"]["none"]["policy_value"] <= pv["oracle"]
    assert syn["overlap"]["jobrettet_uddannelse_6u_estimates_for_non_dagpenge"] == 0
    for arm, row in syn["per_programme"].items():
        if "sqrt_pehe" in row:
            assert row["sqrt_pehe"] >= 0 and row["ate_error"] >= 0, arm
    assert syn["policy_tree"]["depth_2"]["rules_da"]
    for key, dif in syn["differences"].items():
        lo, hi = dif["ci"]
        assert lo <= dif["difference"] <= hi, key
    assert syn["differences"]["model_minus_oracle"]["difference"] <= 1e-12
    assert data["ihdp"] == {"status": "skipped"} and data["nsw_cps"] == {"status": "skipped"}
    for name in ("interventions.md", "policy_value.png", "uplift_curves.png", "pehe.png"):
        assert (tmp_path / name).stat().st_size > 0, name
    md = (tmp_path / "interventions.md").read_text(encoding="utf-8")
    assert "| model |" in md and "Policy tree" in md


@pytest.mark.skipif(
    ihdp_available() is not None or nsw_available() is not None, reason="econml/causaldata absent"
)
def test_ihdp_and_nsw_keys(small_world: dict, tmp_path: Path) -> None:
    result = run_intervention_evaluation(small_world, tmp_path, seed=0, params=FAST, ihdp_reps=2, nsw_seeds=1)
    data = json.loads((tmp_path / "interventions.json").read_text(encoding="utf-8"))
    assert data["ihdp"]["status"] == "ok" and data["ihdp"]["replications"] == 2
    assert math.isfinite(data["ihdp"]["sqrt_pehe"]) and math.isfinite(data["ihdp"]["ate_error"])
    assert data["nsw_cps"]["experimental_usd"] == NSW_EXPERIMENTAL_USD
    assert math.isfinite(data["nsw_cps"]["effect_usd"])
    assert data["nsw_cps"]["naive_difference_usd"] < 0  # the CPS controls earn far more: confounding
    assert (tmp_path / "ihdp.png").exists()
    assert set(result["targets"]) == {
        "synthetic_model_at_least_90pct_of_oracle",
        "synthetic_model_above_historical",
        "ihdp_sqrt_pehe_below_bart",
        "nsw_within_500_usd",
    }


def test_uplift_curve_and_qini() -> None:
    rng = np.random.default_rng(0)
    truth = rng.normal(0.05, 0.05, 1000)
    perfect = _uplift(truth, truth)
    assert perfect["qini"] == pytest.approx(1.0)
    assert perfect["model"][-1] == pytest.approx(truth.mean())
    noise = _uplift(rng.normal(size=1000), truth)
    assert abs(noise["qini"]) < 0.3
    assert _uplift(np.zeros(0), np.zeros(0))["qini"] is None


@pytest.fixture(scope="module")
def full_result(tmp_path_factory: pytest.TempPathFactory) -> dict:
    """Default-size world (20,000 seekers, 25,000 episodes), 100 IHDP replications, 5 NSW seeds (~3 min)."""
    world = generate_world(load_builtin(), WorldSize())
    return run_intervention_evaluation(world, tmp_path_factory.mktemp("full"), seed=0)


@pytest.mark.evaluation
@pytest.mark.timeout(1800)
def test_full_evaluation_meets_targets(full_result: dict) -> None:
    pol = full_result["synthetic"]["policies"]
    assert pol["model"]["share_of_oracle"] >= 0.90
    assert pol["model"]["policy_value"] > pol["random"]["policy_value"]
    assert full_result["ihdp"]["sqrt_pehe"] < 2.1
    assert full_result["nsw_cps"]["abs_error_usd"] <= 500


@pytest.mark.evaluation
@pytest.mark.timeout(1800)
def test_full_evaluation_clearly_above_historical(full_result: dict) -> None:
    pol = full_result["synthetic"]["policies"]
    assert pol["model"]["policy_value"] > pol["historical"]["policy_value"] + 0.003
    diff = full_result["synthetic"]["differences"]["model_minus_historical"]
    assert diff["ci"][0] > 0 and diff["difference"] == pytest.approx(
        pol["model"]["policy_value"] - pol["historical"]["policy_value"]
    )
    assert full_result["targets"]["synthetic_model_above_historical"]
