"""Ranking metrics as pure functions of (recommendations, truth), kept apart from the models.

Data shapes (tidy polars frames):

- ``recs``: ``seeker_id``, ``vacancy_id``, ``rank`` (integer, 1-based, exactly ``1..n`` for a seeker with
  ``n`` recommendations), optionally ``score`` (ignored here). No duplicate (seeker, vacancy) pair.
- ``truth``: ``seeker_id``, ``vacancy_id``, optionally ``gain`` (graded relevance, finite and >= 0,
  default 1). No duplicate (seeker, vacancy) pair. A row with ``gain == 0`` is a judged, non-relevant item.

Conventions (the same as ``trec_eval``, which the tests cross-check against through ``pytrec_eval``):

- **Users**: every per-user function returns one row per distinct ``seeker_id`` in ``truth``, sorted by
  ``seeker_id``. A seeker with no recommendations scores 0 on every metric; so does a seeker whose truth
  has no item with ``gain > 0`` (filter such seekers out before evaluating if they should not count).
  Recommendations for seekers absent from ``truth`` are ignored by the per-user metrics (the catalogue
  metrics use all of ``recs``).
- **Relevance**: an item is relevant when its ``gain > 0``. Precision, recall, AP and RR are binary; NDCG
  uses the graded gains.
- ``precision@k`` = |relevant in top k| / k, always divided by ``k``, also when fewer than ``k`` items were
  recommended (trec_eval ``P_k``).
- ``recall@k`` = |relevant in top k| / |relevant| (trec_eval ``recall_k``).
- ``ndcg@k`` = DCG@k / IDCG@k with linear gains and the log2 discount, DCG@k = sum over the top ``k`` of
  ``gain / log2(rank + 1)``; IDCG@k is the same sum over the seeker's truth gains sorted in decreasing order
  (trec_eval ``ndcg_cut_k``).
- ``map@k`` (per user: AP@k) = sum over relevant items at rank r <= k of precision@r, divided by
  ``min(|relevant|, k)`` (the usual recommender-systems convention, so a perfect top-k list scores 1 even
  when the seeker has more than ``k`` relevant items). ``normalise="relevant"`` divides by ``|relevant|``
  instead, which is trec_eval's ``map_cut_k``; the two differ only when ``|relevant| > k``.
- ``mrr@k`` (per user: RR@k) = 1 / rank of the first relevant item if it is within the top ``k``, else 0
  (trec_eval ``recip_rank`` on the run cut at ``k``).

Catalogue-level metrics (:func:`catalogue_coverage`, :func:`exposure_gini`) describe the whole set of
lists; :func:`evaluate` reports them with ``ci == [v, v]`` (no resampling; see there).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Literal

import numpy as np
import polars as pl

from core.stats import check_bootstrap_args, mean_ci, means_ci

__all__ = [
    "average_precision",
    "bootstrap_ci",
    "catalogue_coverage",
    "evaluate",
    "exposure_gini",
    "ndcg_at_k",
    "per_user_metrics",
    "precision_at_k",
    "recall_at_k",
    "reciprocal_rank",
]

USER = "seeker_id"
ITEM = "vacancy_id"
RANK = "rank"
GAIN = "gain"

APNormaliser = Literal["min", "relevant"]
Discount = Literal["log", "reciprocal", "none"]

_PER_USER = ("precision", "recall", "ndcg", "map", "mrr")


# ----------------------------------------------------------------------------------------------- validation


def _check_k(k: int, name: str = "k") -> int:
    if isinstance(k, bool) or not isinstance(k, int | np.integer):
        raise ValueError(f"{name} must be a positive integer, got {k!r}")
    if k <= 0:
        raise ValueError(f"{name} must be a positive integer, got {k}")
    return int(k)


def _check_frame(frame: Any, what: str, required: Sequence[str]) -> pl.DataFrame:
    if not isinstance(frame, pl.DataFrame):
        raise TypeError(f"{what} must be a polars DataFrame, got {type(frame).__name__}")
    missing = [c for c in required if c not in frame.columns]
    if missing:
        raise ValueError(f"{what} lacks column(s) {missing}; it has {frame.columns}")
    nulls = {c: n for c in required if (n := frame[c].null_count())}
    if nulls:
        raise ValueError(f"{what} has null values: {nulls}")
    return frame


def _duplicate_pairs_error(frame: pl.DataFrame, what: str) -> ValueError:
    dup = frame.filter(pl.struct(USER, ITEM).is_duplicated()).select(USER, ITEM).unique().sort(USER).head(3)
    return ValueError(
        f"{what} has duplicate ({USER}, {ITEM}) pairs, e.g. {dup.rows()}; each pair may appear once"
    )


def _check_unique_pairs(frame: pl.DataFrame, what: str) -> None:
    # a per-seeker distinct count is several times faster than n_unique over the pair
    per_user = frame.group_by(USER).agg(n=pl.len(), items=pl.col(ITEM).n_unique())
    if per_user.filter(pl.col("n") != pl.col("items")).height:
        raise _duplicate_pairs_error(frame, what)


def _validate_recs(recs: Any) -> pl.DataFrame:
    recs = _check_frame(recs, "recs", (USER, ITEM, RANK)).select(USER, ITEM, RANK)
    if recs.height == 0:
        value: pl.DataFrame = recs.with_columns(pl.col(RANK).cast(pl.Int64))
        return value
    if not recs.schema[RANK].is_integer():
        raise ValueError(f"recs.{RANK} must be an integer column, got {recs.schema[RANK]}")
    recs = recs.with_columns(pl.col(RANK).cast(pl.Int64))
    per_user = recs.group_by(USER).agg(
        n=pl.len(),
        items=pl.col(ITEM).n_unique(),
        lo=pl.col(RANK).min(),
        hi=pl.col(RANK).max(),
        ranks=pl.col(RANK).n_unique(),
    )
    if per_user.filter(pl.col("n") != pl.col("items")).height:
        raise _duplicate_pairs_error(recs, "recs")
    bad = per_user.filter(
        (pl.col("lo") != 1) | (pl.col("hi") != pl.col("n")) | (pl.col("ranks") != pl.col("n"))
    ).sort(USER)
    if bad.height:
        users = bad[USER].head(3).to_list()
        raise ValueError(
            f"recs.{RANK} must be exactly 1..n for a seeker with n recommendations; "
            f"{bad.height} seeker(s) violate this, e.g. {users}"
        )
    checked: pl.DataFrame = recs
    return checked


def _validate_truth(truth: Any) -> pl.DataFrame:
    truth = _check_frame(truth, "truth", (USER, ITEM))
    if GAIN not in truth.columns:
        truth = truth.with_columns(pl.lit(1.0, dtype=pl.Float64).alias(GAIN))
    elif truth[GAIN].null_count():
        raise ValueError(f"truth.{GAIN} has null values")
    elif truth.height and not truth.schema[GAIN].is_numeric():
        raise ValueError(f"truth.{GAIN} must be numeric, got {truth.schema[GAIN]}")
    truth = truth.select(USER, ITEM, pl.col(GAIN).cast(pl.Float64))
    if truth.height:
        gains = truth[GAIN].to_numpy()
        if not np.isfinite(gains).all() or (gains < 0).any():
            raise ValueError(f"truth.{GAIN} must be finite and >= 0")
    _check_unique_pairs(truth, "truth")
    value: pl.DataFrame = truth
    return value


def _align_ids(recs: pl.DataFrame, truth: pl.DataFrame) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Give the id columns of both frames one dtype (integers widen to Int64), or fail clearly."""
    for col in (USER, ITEM):
        left, right = recs.schema[col], truth.schema[col]
        if left == right:
            continue
        if recs.height == 0:
            recs = recs.with_columns(pl.col(col).cast(right))
        elif truth.height == 0:
            truth = truth.with_columns(pl.col(col).cast(left))
        elif left.is_integer() and right.is_integer():
            recs = recs.with_columns(pl.col(col).cast(pl.Int64))
            truth = truth.with_columns(pl.col(col).cast(pl.Int64))
        else:
            raise ValueError(f"{col} has dtype {left} in recs but {right} in truth; use one dtype for both")
    return recs, truth


def _validated(recs: Any, truth: Any) -> tuple[pl.DataFrame, pl.DataFrame]:
    return _align_ids(_validate_recs(recs), _validate_truth(truth))


# ------------------------------------------------------------------------------------- per-user metrics


def _per_user_table(
    recs: pl.DataFrame, truth: pl.DataFrame, k: int, normalise: APNormaliser = "min"
) -> pl.DataFrame:
    """All five per-user metrics at cutoff ``k``; inputs already validated. One row per truth user."""
    if normalise not in ("min", "relevant"):
        raise ValueError(f"normalise must be 'min' or 'relevant', got {normalise!r}")
    relevant = truth.filter(pl.col(GAIN) > 0)
    hits = (
        recs.filter(pl.col(RANK) <= k)
        .join(relevant, on=[USER, ITEM], how="inner")
        # position of each hit among the seeker's hits = number of relevant items at rank <= this rank
        .with_columns(pl.col(RANK).rank("ordinal").over(USER).cast(pl.Float64).alias("_nth"))
        .group_by(USER)
        .agg(
            _hits=pl.len().cast(pl.Float64),
            _dcg=(pl.col(GAIN) / (pl.col(RANK) + 1).cast(pl.Float64).log(2)).sum(),
            _ap=(pl.col("_nth") / pl.col(RANK)).sum(),
            _first=pl.col(RANK).min().cast(pl.Float64),
        )
    )
    ideal = (
        relevant.with_columns(pl.col(GAIN).rank("ordinal", descending=True).over(USER).alias("_pos"))
        .group_by(USER)
        .agg(
            _rel=pl.len().cast(pl.Float64),
            _idcg=(pl.col(GAIN) / (pl.col("_pos") + 1).cast(pl.Float64).log(2))
            .filter(pl.col("_pos") <= k)
            .sum(),
        )
    )
    users = truth.select(USER).unique().sort(USER)
    table = (
        users.join(ideal, on=USER, how="left")
        .join(hits, on=USER, how="left")
        .with_columns(pl.col("_rel", "_idcg", "_hits", "_dcg", "_ap").fill_null(0.0))
    )
    ap_norm = pl.min_horizontal(pl.col("_rel"), pl.lit(float(k))) if normalise == "min" else pl.col("_rel")
    return table.select(
        USER,
        (pl.col("_hits") / k).alias(f"precision@{k}"),
        pl.when(pl.col("_rel") > 0)
        .then(pl.col("_hits") / pl.col("_rel"))
        .otherwise(0.0)
        .alias(f"recall@{k}"),
        pl.when(pl.col("_idcg") > 0).then(pl.col("_dcg") / pl.col("_idcg")).otherwise(0.0).alias(f"ndcg@{k}"),
        pl.when(pl.col("_rel") > 0).then(pl.col("_ap") / ap_norm).otherwise(0.0).alias(f"map@{k}"),
        (1.0 / pl.col("_first")).fill_null(0.0).alias(f"mrr@{k}"),
    )


def per_user_metrics(recs: pl.DataFrame, truth: pl.DataFrame, k: int) -> pl.DataFrame:
    """``seeker_id`` and the five per-user metrics at ``k`` (``precision@k`` ... ``mrr@k``) in one frame."""
    k = _check_k(k)
    return _per_user_table(*_validated(recs, truth), k)


def _one(
    recs: pl.DataFrame, truth: pl.DataFrame, k: int, name: str, normalise: APNormaliser = "min"
) -> pl.DataFrame:
    k = _check_k(k)
    return _per_user_table(*_validated(recs, truth), k, normalise).select(USER, f"{name}@{k}")


def precision_at_k(recs: pl.DataFrame, truth: pl.DataFrame, k: int) -> pl.DataFrame:
    """Per seeker: |relevant in top k| / k. Columns ``seeker_id``, ``precision@k``."""
    return _one(recs, truth, k, "precision")


def recall_at_k(recs: pl.DataFrame, truth: pl.DataFrame, k: int) -> pl.DataFrame:
    """Per seeker: |relevant in top k| / |relevant|. Columns ``seeker_id``, ``recall@k``."""
    return _one(recs, truth, k, "recall")


def ndcg_at_k(recs: pl.DataFrame, truth: pl.DataFrame, k: int) -> pl.DataFrame:
    """Per seeker: DCG@k / IDCG@k with graded (linear) gains and log2 discount. Columns ``seeker_id``, ``ndcg@k``."""
    return _one(recs, truth, k, "ndcg")


def average_precision(
    recs: pl.DataFrame, truth: pl.DataFrame, k: int, *, normalise: APNormaliser = "min"
) -> pl.DataFrame:
    """Per seeker: AP@k; the mean over seekers is MAP@k. Columns ``seeker_id``, ``map@k``.

    ``normalise="min"`` (default) divides by ``min(|relevant|, k)``; ``"relevant"`` by ``|relevant|``
    (trec_eval ``map_cut_k``).
    """
    return _one(recs, truth, k, "map", normalise)


def reciprocal_rank(recs: pl.DataFrame, truth: pl.DataFrame, k: int) -> pl.DataFrame:
    """Per seeker: 1 / rank of the first relevant item within the top k (0 if none); the mean is MRR@k.

    Columns ``seeker_id``, ``mrr@k``.
    """
    return _one(recs, truth, k, "mrr")


# ------------------------------------------------------------------------------------ catalogue metrics


def _check_size(value: int, name: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int | np.integer) or value <= 0:
        raise ValueError(f"{name} must be a positive integer, got {value!r}")
    return int(value)


def _coverage(recs: pl.DataFrame, catalogue_size: int, k: int) -> float:
    shown = recs.filter(pl.col(RANK) <= k)[ITEM].n_unique()
    if shown > catalogue_size:
        raise ValueError(f"{shown} distinct vacancies recommended but catalogue_size is {catalogue_size}")
    return shown / catalogue_size


def catalogue_coverage(recs: pl.DataFrame, catalogue_size: int, k: int) -> float:
    """Share of the catalogue that appears in at least one seeker's top ``k``: |distinct items| / size."""
    k = _check_k(k)
    catalogue_size = _check_size(catalogue_size, "catalogue_size")
    return _coverage(_validate_recs(recs), catalogue_size, k)


def _gini(recs: pl.DataFrame, k: int, n_items: int, discount: Discount) -> float:
    rank = pl.col(RANK).cast(pl.Float64)
    if discount == "log":
        weight = 1.0 / (rank + 1.0).log(2)
    elif discount == "reciprocal":
        weight = 1.0 / rank
    elif discount == "none":
        weight = pl.lit(1.0, dtype=pl.Float64)
    else:
        raise ValueError(f"discount must be 'log', 'reciprocal' or 'none', got {discount!r}")
    exposure = (
        recs.filter(pl.col(RANK) <= k)
        .with_columns(weight.alias("_w"))
        .group_by(ITEM)
        .agg(pl.col("_w").sum())["_w"]
        .to_numpy()
    )
    if len(exposure) > n_items:
        raise ValueError(f"{len(exposure)} distinct vacancies recommended but n_items is {n_items}")
    x = np.zeros(n_items, dtype=np.float64)
    x[n_items - len(exposure) :] = np.sort(exposure)
    total = x.sum()
    if total <= 0:
        return 0.0  # nothing shown: everyone's exposure is equal (zero)
    i = np.arange(1, n_items + 1, dtype=np.float64)
    gini = float(np.dot(2.0 * i - n_items - 1.0, x) / (n_items * total))
    return min(max(gini, 0.0), (n_items - 1) / n_items)  # clip float noise; the maximum is (n-1)/n


def exposure_gini(recs: pl.DataFrame, k: int, n_items: int, discount: Discount = "log") -> float:
    """Gini coefficient of position-discounted exposure over ALL ``n_items`` items, never-shown ones included.

    An item's exposure is the sum over seekers of ``w(rank)`` for each top-``k`` slot it takes, with
    ``w = 1 / log2(rank + 1)`` (``discount="log"``), ``1 / rank`` (``"reciprocal"``) or 1 (``"none"``).
    Gini = sum_i (2i - n - 1) x_(i) / (n * sum x) over the ascending exposures x_(1..n): 0 when every item
    gets the same exposure, (n - 1) / n < 1 when one item gets it all. Returns 0 when nothing is shown.
    """
    k = _check_k(k)
    n_items = _check_size(n_items, "n_items")
    return _gini(_validate_recs(recs), k, n_items, discount)


# -------------------------------------------------------------------------------------------- bootstrap


def bootstrap_ci(
    per_user_values: Any, n_boot: int = 1000, alpha: float = 0.05, seed: int | None = 0
) -> tuple[float, float]:
    """Percentile bootstrap ``(lo, hi)`` confidence interval of the mean over users (:func:`core.stats.mean_ci`).

    ``per_user_values``: one value per user (numpy array, list or polars Series). Deterministic for a given
    ``seed``. Returns ``(nan, nan)`` when there are no values.
    """
    return mean_ci(per_user_values, n_boot=n_boot, alpha=alpha, seed=seed)


# --------------------------------------------------------------------------------------------- evaluate


def evaluate(
    recs: pl.DataFrame,
    truth: pl.DataFrame,
    ks: Sequence[int] = (10, 50),
    *,
    catalogue_size: int,
    seed: int | None = 0,
    n_boot: int = 1000,
    alpha: float = 0.05,
) -> dict[str, dict[str, Any]]:
    """All metrics at every ``k`` in ``ks``: name -> ``{"value": v, "ci": [lo, hi]}``.

    Names, for each k in order: ``precision@k``, ``recall@k``, ``ndcg@k``, ``map@k``, ``mrr@k``,
    ``coverage@k``, ``gini@k``. Per-user metrics: the value is the mean over the seekers in ``truth``
    and the CI a percentile bootstrap over seekers (one resampling shared by all per-user metrics, so each
    equals ``bootstrap_ci(column, n_boot, alpha, seed)``). Catalogue metrics (coverage with
    ``catalogue_size``, exposure Gini with log discount over ``catalogue_size`` items) are population
    descriptors of the lists and are not resampled: their ``ci`` is ``[v, v]``.
    """
    if isinstance(ks, int):
        raise ValueError("ks must be a sequence of positive integers, e.g. (10, 50)")
    ks = [_check_k(k, "every k in ks") for k in ks]
    if not ks or len(set(ks)) != len(ks):
        raise ValueError(f"ks must be a non-empty sequence of distinct positive integers, got {ks}")
    catalogue_size = _check_size(catalogue_size, "catalogue_size")
    check_bootstrap_args(n_boot, alpha)
    recs_v, truth_v = _validated(recs, truth)
    if truth_v.height == 0:
        raise ValueError("truth is empty: no seekers to evaluate")

    names: list[str] = []
    columns: list[np.ndarray] = []
    for k in ks:
        table = _per_user_table(recs_v, truth_v, k)
        for metric in _PER_USER:
            names.append(f"{metric}@{k}")
            columns.append(table[f"{metric}@{k}"].to_numpy())
    matrix = np.column_stack(columns)
    means = matrix.mean(axis=0)
    lo, hi = means_ci(matrix, n_boot=n_boot, alpha=alpha, seed=seed)
    per_user = {
        name: {"value": float(means[j]), "ci": [float(lo[j]), float(hi[j])]} for j, name in enumerate(names)
    }

    out: dict[str, dict[str, Any]] = {}
    for k in ks:
        for metric in _PER_USER:
            out[f"{metric}@{k}"] = per_user[f"{metric}@{k}"]
        coverage = _coverage(recs_v, catalogue_size, k)
        gini = _gini(recs_v, k, catalogue_size, "log")
        out[f"coverage@{k}"] = {"value": coverage, "ci": [coverage, coverage]}
        out[f"gini@{k}"] = {"value": gini, "ci": [gini, gini]}
    return out
