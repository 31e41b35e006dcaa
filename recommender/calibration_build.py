"""Fitting the relevance calibration at build time, on history the scoring model has not seen.

A twin of the served model is trained the same way on the history before the last weeks (the window);
for a sample of citizens at risk then, the twin's top suggestions among vacancies live in the window and
inside the served hard filters (commute limit, hours) are scored, and each pair is labelled by whether the
citizen applied to it within the window. The map is fitted on most citizens and its reliability is
measured on the rest (a held-out slice), so the figure the card shows is checked, not assumed.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import numpy as np
import polars as pl

from core.reporting import markdown_table, write_results
from core.settings import Settings
from data import columns as C
from data.geography import haversine_km
from data.interactions import TimeSplitFrames, time_split, training_events
from data.store import Store
from matching.retrieval import HOURS_TOLERANCE
from recommender.base import Recommender
from recommender.calibration import (
    ScoreCalibrator,
    calibration_root,
    expected_calibration_error,
    reliability_table,
)
from recommender.calibration import save_calibration as _save
from recommender.context import AsOf, RecContext

TOP_K = 20  # per citizen: the suggestions a consultant could see (10 on a card list, plus margin)
MAX_SEEKERS = 3_000
# Citizens x live vacancies the twin scores at most: fewer citizens are sampled where the window holds many
# vacancies. The default world's 2,700 live vacancies keep all 3,000 citizens; a Copenhagen-sized world's
# 40,600 would make it 122 million scored pairs (the build's longest step), here 30 million, 739 citizens.
MAX_PAIRS = 30_000_000
HELD_OUT_SHARE = 0.3
BATCH = 200
Twin = Callable[[RecContext, TimeSplitFrames, int], Recommender]


def held_out_pairs(
    ctx: RecContext, model: Recommender, events: pl.DataFrame, start: datetime, end: datetime, *,
    top_k: int = TOP_K, max_seekers: int = MAX_SEEKERS, max_pairs: int = MAX_PAIRS, seed: int = 0,
) -> pl.DataFrame:  # fmt: skip
    """(seeker_id, vacancy_id, score, applied) for each sampled citizen's top-k live, filtered vacancies;
    at most ``max_seekers`` citizens, and fewer where they times the live vacancies exceed ``max_pairs``."""
    ctx = ctx.at(
        AsOf.window(start, end)
    )  # ranked as a consultant would have seen it on the window's first day
    posted, deadline = ctx.vacancy_array("posted"), ctx.vacancy_array("deadline")
    live = np.flatnonzero((posted < np.datetime64(end.date())) & (deadline >= np.datetime64(start.date())))
    at_risk = np.flatnonzero(ctx.seeker_array("registered_at") < np.datetime64(start.date()))
    rng = np.random.default_rng(seed)
    n_seekers = min(max_seekers, max(1, max_pairs // max(len(live), 1)), len(at_risk))
    users = np.sort(rng.choice(at_risk, n_seekers, replace=False))
    users = users[np.argsort(ctx.seeker_array("lon")[users], kind="stable")]  # batches stay in one area
    applied = _applied_in(events, start, end)
    frames = [_score_batch(ctx, model, users[i : i + BATCH], live, top_k, applied)
              for i in range(0, len(users), BATCH)]  # fmt: skip
    return pl.concat(frames) if frames else _empty()


def _applied_in(events: pl.DataFrame, start: datetime, end: datetime) -> set[tuple[str, str]]:
    window = events.filter(
        pl.col(C.EVENT).is_in(list(C.APPLICATION_STEPS)) & (pl.col("ts") >= start) & (pl.col("ts") < end)
    )
    return set(zip(window[C.SEEKER_ID].to_list(), window[C.VACANCY_ID].to_list(), strict=True))


def _score_batch(ctx: RecContext, model: Recommender, users: np.ndarray, live: np.ndarray, top_k: int,
                 applied: set[tuple[str, str]]) -> pl.DataFrame:  # fmt: skip
    s_lat, s_lon = ctx.seeker_array("lat")[users], ctx.seeker_array("lon")[users]
    dist = haversine_km(s_lat[:, None], s_lon[:, None], ctx.vacancy_array("lat")[live][None, :],
                        ctx.vacancy_array("lon")[live][None, :])  # fmt: skip
    hours = np.abs(
        ctx.seeker_array("hours_wanted")[users][:, None] - ctx.vacancy_array("hours")[live][None, :]
    )
    allowed = (dist <= ctx.seeker_array("max_commute_km")[users][:, None]) & (hours <= HOURS_TOLERANCE)
    columns = np.flatnonzero(allowed.any(axis=0))
    if len(columns) == 0:
        return _empty()
    scores = np.where(allowed[:, columns], model.score_matrix(ctx, users, live[columns]), -np.inf)
    top = np.argsort(-scores, axis=1, kind="stable")[:, :top_k]
    picked = np.take_along_axis(scores, top, axis=1)
    keep = np.isfinite(picked)
    sids = np.repeat(ctx.seekers.external(users), top.shape[1]).reshape(top.shape)[keep]
    vids = ctx.vacancies.external(live[columns][top[keep]])
    return pl.DataFrame({
        C.SEEKER_ID: sids, C.VACANCY_ID: vids, "score": picked[keep].astype(np.float64),
        "applied": [(s, v) in applied for s, v in zip(sids.tolist(), vids.tolist(), strict=True)],
    })  # fmt: skip


def _empty() -> pl.DataFrame:
    return pl.DataFrame(schema={C.SEEKER_ID: pl.String, C.VACANCY_ID: pl.String, "score": pl.Float64,
                                "applied": pl.Boolean})  # fmt: skip


def fit_and_check(pairs: pl.DataFrame, seed: int = 0) -> tuple[ScoreCalibrator, dict[str, Any]]:
    """Fit on most citizens, measure on the held-out rest: ECE and the reliability table of that slice."""
    seekers = np.array(sorted(set(pairs[C.SEEKER_ID].to_list())), dtype=object)
    rng = np.random.default_rng(seed)
    held = set(rng.choice(seekers, round(HELD_OUT_SHARE * len(seekers)), replace=False).tolist())
    is_held = pairs[C.SEEKER_ID].is_in(list(held))
    fit_on, check_on = pairs.filter(~is_held), pairs.filter(is_held)
    y_fit, y_check = fit_on["applied"].to_numpy().astype(float), check_on["applied"].to_numpy().astype(float)
    calibrator = ScoreCalibrator().fit(fit_on["score"].to_numpy(), y_fit)
    predicted = calibrator.predict(check_on["score"].to_numpy())
    table = reliability_table(predicted, y_check)
    report = {"pairs_fit": fit_on.height, "pairs_held_out": check_on.height,
              "applications_fit": int(y_fit.sum()), "applications_held_out": int(y_check.sum()),
              "base_rate_held_out": float(y_check.mean()) if len(y_check) else float("nan"),
              "ece_held_out": expected_calibration_error(predicted, y_check),
              "ece_uncalibrated_held_out": _raw_ece(check_on, y_check),
              "reliability_held_out": table.to_dicts()}  # fmt: skip
    return calibrator, report


def _raw_ece(check_on: pl.DataFrame, y: np.ndarray) -> float | None:
    """The same error for the raw score read as a probability, where it lies in [0, 1] (for comparison)."""
    raw = check_on["score"].to_numpy()
    return expected_calibration_error(raw, y) if len(raw) and raw.min() >= 0 and raw.max() <= 1 else None


def hybrid_twin(ctx: RecContext, cut: TimeSplitFrames, seed: int) -> Recommender:
    """The served hybrid's recipe (``recommender.service.train_and_save``), one window earlier."""
    from recommender.hybrid import HybridConfig, HybridRecommender
    from recommender.lightfm_model import LightFMConfig

    config = HybridConfig(seed=seed, lightfm=LightFMConfig(seed=seed))
    return HybridRecommender(config=config).fit(ctx, cut.train, cut.ranker_events)


def calibrate_and_save(settings: Settings, twin: Twin = hybrid_twin, seed: int = 0) -> dict[str, Any]:
    """Train ``twin`` on the history before the window, fit and check the map on the window, save it."""
    from matching.retrieval import Matcher
    from recommender.service import context_with_vectors

    started = time.perf_counter()
    with Store(settings.db_path) as store:
        ctx = context_with_vectors(store, Matcher.open(settings, store))
        events = training_events(store)
        cut = time_split(events)  # the window is the default test period: the last 8 weeks
        last = events["ts"].max()
        if not isinstance(last, datetime):
            raise ValueError("no interactions to calibrate on")
        end = last + timedelta(seconds=1)
        pairs = held_out_pairs(ctx, twin(ctx, cut, seed), events, cut.split.valid_end, end, seed=seed)
        calibrator, checked = fit_and_check(pairs, seed)
        window_weeks = round((end - cut.split.valid_end).days / 7)
        meta = {"data_version": store.data_version, "target": "applies within the window",
                "window_weeks": window_weeks, "window": [str(cut.split.valid_end.date()), str(end.date())],
                "score": "the served ranking score (score_matrix)", **checked}  # fmt: skip
        folder = _save(calibrator, calibration_root(settings.models_dir), meta)
    written = write_reliability(meta, settings.reports_dir / "relevance_calibration")
    return {
        "folder": str(folder),
        "report": str(written),
        **meta,
        "seconds": round(time.perf_counter() - started, 1),
    }


def write_reliability(meta: dict[str, Any], folder: Path) -> Path:
    """reliability.json + reliability.md: the held-out slice's ECE and reliability table, for people."""
    rows = [(r["bin"], f"{r['n']:,}", f"{100 * r['predicted']:.2f} %", f"{100 * r['observed']:.2f} %",
             f"{100 * r['se']:.2f}") for r in meta["reliability_held_out"]]  # fmt: skip
    raw = meta["ece_uncalibrated_held_out"]
    md = "\n".join([
        "# Relevance calibration: reliability on a held-out slice", "",
        f"Target: the citizen applies to the suggested vacancy within {meta['window_weeks']} weeks "
        f"(window {meta['window'][0]} to {meta['window'][1]}); score: {meta['score']}, mapped by isotonic "
        "regression fitted on 70 % of the sampled citizens; the table is the other 30 %.", "",
        f"- held-out suggestions: {meta['pairs_held_out']:,}, applications among them: "
        f"{meta['applications_held_out']:,} (base rate {100 * meta['base_rate_held_out']:.2f} %)",
        f"- expected calibration error (ECE): {100 * meta['ece_held_out']:.3f} percentage points"
        + (f" (the raw score read as a probability: {100 * raw:.2f})" if raw is not None else ""), "",
        markdown_table(rows, ("bin", "suggestions", "predicted", "observed", "s.e. (pp)"),
                       right=("suggestions", "predicted", "observed", "s.e. (pp)")), "",
    ])  # fmt: skip
    return write_results(meta, folder, "reliability", md=md)["markdown"]
