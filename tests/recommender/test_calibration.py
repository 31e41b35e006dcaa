"""The relevance calibration: monotone, close to observed rates on a held-out slice, persisted safely."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import polars as pl
import pytest

from core.errors import ArtefactError
from data.store import Store
from recommender.calibration import (
    ScoreCalibrator,
    expected_calibration_error,
    load_calibration,
    reliability_table,
    save_calibration,
)
from recommender.calibration_build import fit_and_check


def _history(n: int, seed: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Scores on no probability scale (a ranker's), a known true rate per score, and drawn outcomes."""
    rng = np.random.default_rng(seed)
    score = rng.normal(0.0, 2.0, n)
    true_rate = 1 / (1 + np.exp(-(1.3 * score - 4.0)))
    return score, true_rate, (rng.random(n) < true_rate).astype(float)


def test_held_out_rates_match_the_calibrated_probabilities() -> None:
    score, _, applied = _history(40_000, seed=1)
    fit, check = slice(0, 28_000), slice(28_000, None)
    calibrator = ScoreCalibrator().fit(score[fit], applied[fit])
    predicted = calibrator.predict(score[check])
    table = reliability_table(predicted, applied[check], bins=10)
    assert table["n"].sum() == 12_000 and table.height == 10
    gap = (table["predicted"] - table["observed"]).abs()
    assert (gap <= 3 * table["se"] + 0.01).all(), table
    assert expected_calibration_error(predicted, applied[check]) < 0.015
    # the raw score read as a probability is far off (it is not one): calibration is what fixes it
    assert expected_calibration_error(np.clip(score[check], 0, 1), applied[check]) > 0.1


def test_the_map_is_monotone_and_a_probability() -> None:
    score, _, applied = _history(20_000, seed=2)
    calibrator = ScoreCalibrator().fit(score, applied)
    grid = np.linspace(-20, 20, 401)
    p = calibrator.predict(grid)
    assert (np.diff(p) >= 0).all() and p.min() >= 0 and p.max() <= 1
    order = np.argsort(score)
    assert (np.diff(calibrator.predict(score[order])) >= 0).all()  # never reorders a list
    assert abs(calibrator.predict(np.array([4.0 / 1.3]))[0] - 0.5) < 0.1  # the true rate is 50 % there


def test_too_few_applications_are_refused() -> None:
    with pytest.raises(ValueError, match="only 3 applications"):
        ScoreCalibrator().fit(np.arange(100.0), np.r_[np.zeros(97), np.ones(3)])
    with pytest.raises(ValueError, match="not fitted"):
        ScoreCalibrator().predict(np.zeros(2))


def test_fit_and_check_holds_out_whole_citizens() -> None:
    score, _, applied = _history(30_000, seed=3)
    pairs = pl.DataFrame({"seeker_id": [f"S{i // 20:05d}" for i in range(30_000)],
                          "vacancy_id": [f"V{i % 977}" for i in range(30_000)],
                          "score": score, "applied": applied.astype(bool)})  # fmt: skip
    _, report = fit_and_check(pairs, seed=0)
    assert report["pairs_fit"] + report["pairs_held_out"] == 30_000
    assert report["pairs_held_out"] == 20 * 450  # 30 % of 1,500 citizens, all 20 pairs each
    assert report["ece_held_out"] < 0.02
    assert len(report["reliability_held_out"]) == 10


def test_round_trip_and_refusal_of_another_data_version(tmp_path: Path) -> None:
    score, _, applied = _history(5_000, seed=4)
    calibrator = ScoreCalibrator().fit(score, applied)
    save_calibration(calibrator, tmp_path / "cal", {"data_version": "v1", "window_weeks": 8})
    loaded, meta = load_calibration(tmp_path / "cal", data_version="v1")
    assert meta["window_weeks"] == 8
    np.testing.assert_array_equal(loaded.predict(score), calibrator.predict(score))
    with pytest.raises(ArtefactError, match="jobmatch build"):
        load_calibration(tmp_path / "cal", data_version="v2")


def test_held_out_pairs_sample_fewer_citizens_where_the_window_holds_many_vacancies(world: Store) -> None:
    """The twin scores at most ``max_pairs`` citizen x live-vacancy pairs: a budget above the world's size
    keeps every sampled citizen (the pairs are those of no budget), a smaller one keeps fewer."""
    from datetime import datetime

    from recommender.baselines import SkillOverlapRecommender
    from recommender.calibration_build import held_out_pairs
    from recommender.context import RecContext

    ctx = RecContext.from_store(world)
    events = world.table("interactions")
    start, end = datetime(2026, 9, 1), datetime(2026, 11, 1)
    model = SkillOverlapRecommender().fit(ctx, events)
    posted, deadline = ctx.vacancy_array("posted"), ctx.vacancy_array("deadline")
    live = int(((posted < np.datetime64(end.date())) & (deadline >= np.datetime64(start.date()))).sum())
    full = held_out_pairs(ctx, model, events, start, end, max_seekers=200, max_pairs=10**12)
    assert full.equals(held_out_pairs(ctx, model, events, start, end, max_seekers=200, max_pairs=200 * live))
    few = held_out_pairs(ctx, model, events, start, end, max_seekers=200, max_pairs=40 * live)
    assert full["seeker_id"].n_unique() > 40 >= few["seeker_id"].n_unique() > 30
