"""The tidy ranking frame: per citizen every programme, supported ones ranked by estimated effect.

``lower``/``upper`` bound the estimate's uncertainty; ``interval_level`` is the level they may be called
(only where the coverage was measured and held, see :mod:`.coverage`; null: "usikkerhed" without a
level). ``prob_best`` and ``prob_as_good_as_best`` are the model's chances; ``*_shown`` is the same number
where its calibration held (see :mod:`.coverage`), null where a card must not state it. "Tied with the best" is the probability rule of :mod:`.uncertainty`, not interval overlap; the
ranking is by the estimates shown, the probabilities compare options as :mod:`.uncertainty` says (pooled
averages, so the best-looking option is not taken at face value).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

import numpy as np
import polars as pl

from data import columns as C
from recommender.interventions.coverage import shown_probability
from recommender.interventions.features import ARMS
from recommender.interventions.uncertainty import TIE_PROBABILITY, prob_at_least_as_good, prob_best

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
INTERVAL_LEVEL = "interval_level"
PROB_BEST = "prob_best"
PROB_AS_GOOD = "prob_as_good_as_best"
PROB_BEST_SHOWN = "prob_best_shown"
PROB_AS_GOOD_SHOWN = "prob_as_good_as_best_shown"
RANKING_COLUMNS = (C.SEEKER_ID, RANK, C.PROGRAMME, LABEL, EFFECT, LOWER, UPPER, INTERVAL_LEVEL, BASELINE,
                   PROPENSITY, SUPPORTED, PROB_BEST, PROB_AS_GOOD, PROB_BEST_SHOWN, PROB_AS_GOOD_SHOWN,
                   TIED_WITH_BEST, REASON)  # fmt: skip


RANKING_SCHEMA: dict[str, Any] = {
    C.SEEKER_ID: pl.String,
    RANK: pl.Int32,
    C.PROGRAMME: pl.String,
    LABEL: pl.String,
    EFFECT: pl.Float64,
    LOWER: pl.Float64,
    UPPER: pl.Float64,
    INTERVAL_LEVEL: pl.Float64,
    BASELINE: pl.Float64,
    PROPENSITY: pl.Float64,
    SUPPORTED: pl.Boolean,
    PROB_BEST: pl.Float64,
    PROB_AS_GOOD: pl.Float64,
    PROB_BEST_SHOWN: pl.Float64,
    PROB_AS_GOOD_SHOWN: pl.Float64,
    TIED_WITH_BEST: pl.Boolean,
    REASON: pl.String,
}


def ranking_frame(
    seeker_ids: list[str],
    eff: Effects,
    levels: Mapping[str, float | None] | None = None,
    claims: Mapping[str, list[list[float]]] | None = None,
) -> pl.DataFrame:
    """``RANKING_COLUMNS`` for citizens whose effects are the rows of ``eff``, in that order; ``levels``:
    programme -> the level its interval may be called; ``claims``: chance -> the bins where its stated
    value may be shown (both see :mod:`.coverage`; missing: none)."""
    rows: list[dict[str, Any]] = []
    for i, sid in enumerate(seeker_ids):
        rows.extend(_rank_one(sid, eff.take(slice(i, i + 1)), levels or {}, claims or {}))
    return pl.DataFrame(rows, schema=RANKING_SCHEMA) if rows else pl.DataFrame(schema=RANKING_SCHEMA)


def _joint(eff: Effects, *, compare: bool = False) -> tuple[np.ndarray, np.ndarray]:
    """(A,) estimates with "none" at 0 and NaN where unsupported, and the treated options' covariance;
    ``compare``: those options are compared by (pooled prior on the averages), where the model has them."""
    ok = eff.supported[0] & np.isfinite(eff.tau[0])
    if compare and eff.compare_tau is not None and eff.compare_cov is not None:
        return np.concatenate([[0.0], np.where(ok, eff.compare_tau[0], np.nan)]), eff.compare_cov[0]
    tau = np.concatenate([[0.0], np.where(ok, eff.tau[0], np.nan)])
    if eff.cov is not None:
        return tau, eff.cov[0]
    return tau, np.diag(np.nan_to_num(eff.se[0]) ** 2)


def _rank_one(
    sid: str, eff: Effects, levels: Mapping[str, float | None], claims: Mapping[str, list[list[float]]]
) -> list[dict[str, Any]]:
    tau, _ = _joint(eff)
    compare_tau, compare_cov = _joint(eff, compare=True)
    lo = np.concatenate([[0.0], np.where(np.isfinite(eff.lower[0]), eff.lower[0], tau[1:])])
    hi = np.concatenate([[0.0], np.where(np.isfinite(eff.upper[0]), eff.upper[0], tau[1:])])
    ok = np.isfinite(tau)
    order = sorted(np.flatnonzero(ok).tolist(), key=lambda a: -tau[a])
    rank_of = {a: r for r, a in enumerate(order, start=1)}
    as_good = prob_at_least_as_good(compare_tau, compare_cov, order[0])
    best = prob_best(compare_tau, compare_cov)
    rows = []
    for a in sorted(range(len(ARMS)), key=lambda a: (rank_of.get(a, 99), a)):
        arm = ARMS[a]
        s = bool(ok[a])
        p_best, p_as_good = (float(best[a]), float(as_good[a])) if s else (None, None)
        rows.append(
            {
                C.SEEKER_ID: sid,
                RANK: rank_of.get(a),
                C.PROGRAMME: arm,
                LABEL: C.PROGRAMME_LABELS_DA[arm],
                EFFECT: float(tau[a]) if s else None,
                LOWER: float(lo[a]) if s else None,
                UPPER: float(hi[a]) if s else None,
                INTERVAL_LEVEL: levels.get(arm) if s and a > 0 else None,
                BASELINE: float(eff.baseline[0]),
                PROPENSITY: float(eff.propensity[0, a]),
                SUPPORTED: s,
                PROB_BEST: p_best,
                PROB_AS_GOOD: p_as_good,
                PROB_BEST_SHOWN: shown_probability(p_best, claims.get("best", [])),
                PROB_AS_GOOD_SHOWN: shown_probability(p_as_good, claims.get("as_good", [])),
                TIED_WITH_BEST: bool(s and as_good[a] >= TIE_PROBABILITY),
                REASON: "" if a == 0 else str(eff.reason[0, a - 1]),
            }
        )
    return rows
