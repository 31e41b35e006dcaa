"""The tidy ranking frame: per citizen every programme, supported ones ranked by estimated effect."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np
import polars as pl

from data import columns as C
from recommender.interventions.features import ARMS, TREATED

if TYPE_CHECKING:
    from recommender.interventions.dr_learner import Effects

# Columns of the tidy estimate / ranking frames.
RANK = "rank"
EFFECT = "effect"
LOWER = "lower"
UPPER = "upper"
BASELINE = "baseline_p26"
PROPENSITY = "propensity"
SUPPORTED = "supported"
REASON = "reason_da"
TIED_WITH_BEST = "indistinguishable_from_best"
LABEL = "label_da"
RANKING_COLUMNS = (C.SEEKER_ID, RANK, C.PROGRAMME, LABEL, EFFECT, LOWER, UPPER, BASELINE, PROPENSITY,
                   SUPPORTED, TIED_WITH_BEST, REASON)  # fmt: skip


RANKING_SCHEMA: dict[str, Any] = {
    C.SEEKER_ID: pl.String,
    RANK: pl.Int32,
    C.PROGRAMME: pl.String,
    LABEL: pl.String,
    EFFECT: pl.Float64,
    LOWER: pl.Float64,
    UPPER: pl.Float64,
    BASELINE: pl.Float64,
    PROPENSITY: pl.Float64,
    SUPPORTED: pl.Boolean,
    TIED_WITH_BEST: pl.Boolean,
    REASON: pl.String,
}


def ranking_frame(seeker_ids: list[str], eff: Effects) -> pl.DataFrame:
    """``RANKING_COLUMNS`` for citizens whose effects are the rows of ``eff``, in that order."""
    rows: list[dict[str, Any]] = []
    for i, sid in enumerate(seeker_ids):
        rows.extend(_rank_one(sid, eff.take(slice(i, i + 1))))
    return pl.DataFrame(rows, schema=RANKING_SCHEMA) if rows else pl.DataFrame(schema=RANKING_SCHEMA)


def _rank_one(sid: str, eff: Effects) -> list[dict[str, Any]]:
    items = [("none", 0.0, 0.0, 0.0, True, "")]
    for k, arm in enumerate(TREATED):
        ok = bool(eff.supported[0, k]) and np.isfinite(eff.tau[0, k])
        lo = (
            float(eff.lower[0, k])
            if ok and np.isfinite(eff.lower[0, k])
            else (float(eff.tau[0, k]) if ok else np.nan)
        )
        hi = (
            float(eff.upper[0, k])
            if ok and np.isfinite(eff.upper[0, k])
            else (float(eff.tau[0, k]) if ok else np.nan)
        )
        items.append((arm, float(eff.tau[0, k]) if ok else np.nan, lo, hi, ok, str(eff.reason[0, k])))
    ranked = sorted((it for it in items if it[4]), key=lambda it: -it[1])
    best_lower = ranked[0][2]
    rank_of = {it[0]: r for r, it in enumerate(ranked, start=1)}
    rows = []
    for arm, tau, lo, hi, ok, why in sorted(
        items, key=lambda it: (rank_of.get(it[0], 99), ARMS.index(it[0]))
    ):
        rows.append(
            {
                C.SEEKER_ID: sid,
                RANK: rank_of.get(arm),
                C.PROGRAMME: arm,
                LABEL: C.PROGRAMME_LABELS_DA[arm],
                EFFECT: tau if ok else None,
                LOWER: lo if ok else None,
                UPPER: hi if ok else None,
                BASELINE: float(eff.baseline[0]),
                PROPENSITY: float(eff.propensity[0, ARMS.index(arm)]),
                SUPPORTED: ok,
                TIED_WITH_BEST: bool(ok and hi >= best_lower),
                REASON: why,
            }
        )
    return rows
