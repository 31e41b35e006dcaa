"""Group fairness metrics as pure functions of arrays (labels, selections, rankings), with bootstrap CIs.

Every per-group function returns a tidy polars frame with one row per group (sorted by group label):
``group``, ``n`` (the cell size), the metric columns with ``*_lo`` / ``*_hi`` percentile-bootstrap bounds,
and ``suppressed``: cells with fewer than ``min_cell`` members get null values, so no figure about a small
group is shown. Resampling is over *units*: rows by default, or clusters (``clusters``: e.g. one
citizen's applications, or one vacancy's shortlist) so that correlated rows move together. One resampling
is shared by all groups of a call, so ratios between groups get proper intervals.

Definitions (k is the cut-off; ranks are 1-based):

- **selection rate** of group g: selected / members. **Ratio** to a reference group (default: the
  largest) and **difference**; ``demographic_parity_ratio`` / ``_difference`` are min/max and max - min over
  the shown groups (fairlearn's definitions). A ratio under 0.8 raises a *warning* flag (the "four-fifths"
  rule of thumb), never a pass mark.
- **exposure** (Singh & Joachims 2018): a candidate at rank r gets ``1 / log2(1 + r)`` if r <= k, else 0;
  a group's exposure is the mean over its candidates. **Exposure relative to merit** divides by the group's
  mean merit (e.g. expected relevance); its ratio to the reference group is the disparate-treatment ratio.
- **skew@k** (Geyik, Ambler & Kenthapadi 2019) of group g in one ranking: ``ln(share in top k / p_g)``
  for a reference distribution p. **NDKL** of one ranking: ``(1/Z) sum_{i<=k} KL(D_i || p) / log2(i + 1)``
  with D_i the group distribution of the top i and ``Z = sum_{i<=k} 1 / log2(i + 1)``.
  :func:`pooled_skew` is skew@k of the mean top-k share over many rankings against their mean reference
  share, which stays defined where one short list holds no member of a small group.
- **equal opportunity**: recall@k of actual hires per group (a selection rate among the positives); with
  the false positive rate, **equalized odds** (fairlearn's difference and ratio).
- **calibration** per group: mean predicted vs observed rate, their ratio (observed / predicted) and the
  expected calibration error over equal-width bins.
"""

from __future__ import annotations

from collections.abc import Hashable, Mapping, Sequence
from typing import Any

import numpy as np
import polars as pl
import scipy.sparse as sp

from core.stats import bootstrap_sums, percentile_ci

MIN_CELL = 30
N_BOOT = 1000
FOUR_FIFTHS = 0.8


# --- resampling engine ----------------------------------------------------------------------------------


def encode(labels: Sequence[Hashable] | np.ndarray) -> tuple[np.ndarray, list[str]]:
    """Integer codes and sorted group names for a label array (nulls become ``"ukendt"``)."""
    names = ["ukendt" if x is None else str(x) for x in list(labels)]
    uniq = sorted(set(names))
    index = {g: i for i, g in enumerate(uniq)}
    return np.fromiter((index[g] for g in names), dtype=np.int64, count=len(names)), uniq


def bootstrap_group_sums(
    values: np.ndarray,
    codes: np.ndarray,
    n_groups: int,
    *,
    clusters: np.ndarray | None = None,
    n_boot: int = N_BOOT,
    seed: int | None = 0,
) -> np.ndarray:
    """Per-group column sums of ``values`` (n rows x m) in each bootstrap resample: (n_boot, groups, m).

    Units (rows, or the distinct ``clusters``) are drawn with replacement, as many as there are, by
    :func:`core.stats.bootstrap_sums`; a unit drawn c times counts c times. Each unit's rows are summed
    into a sparse (units x groups*m) matrix first, so one matrix product gives every group's sums.
    """
    values = np.asarray(values, dtype=np.float64)
    if values.ndim == 1:
        values = values[:, None]
    n, m = values.shape
    if clusters is None:
        unit = np.arange(n)
        n_units = n
    else:
        _, unit = np.unique(np.asarray(clusters), return_inverse=True)
        unit = unit.ravel()
        n_units = int(unit.max()) + 1 if n else 0
    if n == 0 or n_boot == 0:
        return np.zeros((n_boot, n_groups, m))
    cols = (codes[:, None] * m + np.arange(m)[None, :]).ravel()
    rows = np.repeat(unit, m)
    per_unit = sp.csr_matrix((values.ravel(), (rows, cols)), shape=(n_units, n_groups * m))
    return bootstrap_sums(per_unit, n_boot, seed).reshape(n_boot, n_groups, m)


def _ci(samples: np.ndarray, alpha: float) -> tuple[np.ndarray, np.ndarray]:
    """Percentile interval along axis 0, ignoring resamples where the statistic is undefined (a resample
    without members of a group)."""
    return percentile_ci(samples, alpha, skip_nan=True)


def _ratio(num: np.ndarray, den: np.ndarray) -> np.ndarray:
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(den > 0, num / np.where(den > 0, den, 1.0), np.nan)


def _null_small(frame: pl.DataFrame, min_cell: int, keep: Sequence[str] = ("group", "n")) -> pl.DataFrame:
    small = pl.col("n") < min_cell
    return frame.with_columns(
        *(pl.when(small).then(None).otherwise(pl.col(c)).alias(c) for c in frame.columns if c not in keep),
        small.alias("suppressed"),
    )


def _reference_index(names: list[str], n: np.ndarray, reference: str | None) -> int:
    if reference is None:
        return int(np.argmax(n))
    if reference not in names:
        raise ValueError(f"reference group {reference!r} is not among {names}")
    return names.index(reference)


# --- selection rates ------------------------------------------------------------------------------------


def selection_rates(
    selected: np.ndarray | Sequence[bool],
    groups: Sequence[Hashable] | np.ndarray,
    *,
    reference: str | None = None,
    clusters: np.ndarray | None = None,
    min_cell: int = MIN_CELL,
    n_boot: int = N_BOOT,
    alpha: float = 0.05,
    seed: int | None = 0,
) -> pl.DataFrame:
    """Per group: ``n``, ``rate`` = mean of ``selected``; ``ratio`` and ``difference`` to the reference group
    (default: the largest), each with bootstrap bounds; ``below_four_fifths`` flags a ratio under 0.8."""
    sel = np.asarray(selected, dtype=np.float64)
    codes, names = encode(groups)
    if len(sel) != len(codes):
        raise ValueError("selected and groups must have the same length")
    g = len(names)
    n = np.bincount(codes, minlength=g).astype(np.float64)
    hits = np.bincount(codes, weights=sel, minlength=g)
    ref = _reference_index(names, n, reference)
    rate = _ratio(hits, n)
    boot = bootstrap_group_sums(np.column_stack([np.ones_like(sel), sel]), codes, g,
                                clusters=clusters, n_boot=n_boot, seed=seed)  # fmt: skip
    b_rate = _ratio(boot[:, :, 1], boot[:, :, 0])
    b_ratio = _ratio(b_rate, b_rate[:, [ref]])
    b_diff = b_rate - b_rate[:, [ref]]
    (r_lo, r_hi), (q_lo, q_hi), (d_lo, d_hi) = _ci(b_rate, alpha), _ci(b_ratio, alpha), _ci(b_diff, alpha)
    ratio = _ratio(rate, np.full(g, rate[ref]))
    frame = pl.DataFrame(
        {
            "group": names, "n": n.astype(np.int64), "selected": hits,
            "rate": rate, "rate_lo": r_lo, "rate_hi": r_hi,
            "ratio": ratio, "ratio_lo": q_lo, "ratio_hi": q_hi,
            "difference": rate - rate[ref], "difference_lo": d_lo, "difference_hi": d_hi,
            "reference": [names[ref]] * g,
        }
    )  # fmt: skip
    frame = frame.with_columns((pl.col("ratio") < FOUR_FIFTHS).alias("below_four_fifths"))
    return _null_small(frame, min_cell, keep=("group", "n", "reference"))


def demographic_parity(frame: pl.DataFrame, rate: str = "rate") -> dict[str, float | None]:
    """fairlearn's demographic parity ratio (min / max) and difference (max - min) over shown groups."""
    shown = frame.filter(~pl.col("suppressed"))[rate].drop_nulls().to_numpy()
    if len(shown) == 0:
        return {"ratio": None, "difference": None}
    hi, lo = float(shown.max()), float(shown.min())
    return {"ratio": lo / hi if hi > 0 else None, "difference": hi - lo}


# --- exposure -------------------------------------------------------------------------------------------


def position_exposure(ranks: np.ndarray, k: int | None = None) -> np.ndarray:
    """``1 / log2(1 + rank)`` for ranks within the top k (1-based), 0 beyond k or for unranked (<= 0)."""
    r = np.asarray(ranks, dtype=np.float64)
    ok = r >= 1
    if k is not None:
        ok &= r <= k
    out = np.zeros_like(r)
    out[ok] = 1.0 / np.log2(1.0 + r[ok])
    return out


def exposure_by_group(
    ranks: np.ndarray,
    groups: Sequence[Hashable] | np.ndarray,
    *,
    k: int,
    merit: np.ndarray | None = None,
    queries: np.ndarray | None = None,
    reference: str | None = None,
    min_cell: int = MIN_CELL,
    n_boot: int = N_BOOT,
    alpha: float = 0.05,
    seed: int | None = 0,
) -> pl.DataFrame:
    """Per group: mean position exposure of its candidates (``exposure``), its ratio to the reference
    group; with ``merit``, the mean merit and ``exposure_per_merit`` with its ratio to the reference
    (1 = exposure proportional to merit). Candidates outside the top ``k`` count with exposure 0. Resampled
    over ``queries`` (one ranking each) when given."""
    codes, names = encode(groups)
    expo = position_exposure(ranks, k)
    g = len(names)
    mer = np.zeros_like(expo) if merit is None else np.asarray(merit, dtype=np.float64)
    n = np.bincount(codes, minlength=g).astype(np.float64)
    ref = _reference_index(names, n, reference)
    sums = np.column_stack([np.ones_like(expo), expo, mer])
    total = np.stack([np.bincount(codes, weights=sums[:, j], minlength=g) for j in range(3)], axis=1)
    boot = bootstrap_group_sums(sums, codes, g, clusters=queries, n_boot=n_boot, seed=seed)

    def stats(t: np.ndarray) -> dict[str, np.ndarray]:
        e = _ratio(t[..., 1], t[..., 0])
        out = {"exposure": e, "exposure_ratio": _ratio(e, e[..., [ref]] if e.ndim > 1 else e[ref])}
        if merit is not None:
            mm = _ratio(t[..., 2], t[..., 0])
            epm = _ratio(e, mm)
            out |= {"merit": mm, "exposure_per_merit": epm,
                    "exposure_per_merit_ratio": _ratio(epm, epm[..., [ref]] if epm.ndim > 1 else epm[ref])}  # fmt: skip
        return out

    point, samples = stats(total), stats(boot)
    cols: dict[str, Any] = {"group": names, "n": n.astype(np.int64)}
    for name, value in point.items():
        lo, hi = _ci(samples[name], alpha)
        cols |= {name: value, f"{name}_lo": lo, f"{name}_hi": hi}
    cols["reference"] = [names[ref]] * g
    return _null_small(pl.DataFrame(cols), min_cell, keep=("group", "n", "reference"))


# --- skew and NDKL --------------------------------------------------------------------------------------


def skew_at_k(
    ranked: Sequence[Hashable], reference: Mapping[Hashable, float], k: int
) -> dict[Hashable, float]:
    """skew@k per group of one ranking (labels in rank order): ln(share of the top k / reference share).
    A group absent from the top k gets ``-inf``; a group with reference share 0 is left out."""
    top = list(ranked)[:k]
    kk = len(top)
    out: dict[Hashable, float] = {}
    for g, p in reference.items():
        if p <= 0:
            continue
        share = sum(1 for x in top if x == g) / kk if kk else 0.0
        out[g] = float(np.log(share / p)) if share > 0 else float("-inf")
    return out


def kl_divergence(d: Mapping[Any, float], p: Mapping[Any, float]) -> float:
    """KL(d || p) in nats; ``inf`` if d puts mass where p has none."""
    total = 0.0
    for g, q in d.items():
        if q <= 0:
            continue
        ref = p.get(g, 0.0)
        if ref <= 0:
            return float("inf")
        total += q * float(np.log(q / ref))
    return total


def ndkl(ranked: Sequence[Hashable], reference: Mapping[Any, float], k: int | None = None) -> float:
    """Normalised discounted KL divergence of one ranking's top ``k`` from the reference distribution."""
    labels = list(ranked)[: (len(ranked) if k is None else k)]
    if not labels:
        return 0.0
    counts: dict[Hashable, int] = {}
    total = z = 0.0
    for i, g in enumerate(labels, start=1):
        counts[g] = counts.get(g, 0) + 1
        w = 1.0 / np.log2(i + 1)
        total += w * kl_divergence({h: c / i for h, c in counts.items()}, reference)
        z += w
    return total / z


def pooled_skew(
    top_counts: np.ndarray,
    list_lengths: np.ndarray,
    reference: np.ndarray,
    names: Sequence[str],
    *,
    pool_sizes: np.ndarray | None = None,
    min_cell: int = MIN_CELL,
    n_boot: int = N_BOOT,
    alpha: float = 0.05,
    seed: int | None = 0,
) -> pl.DataFrame:
    """skew@k over many rankings: ``ln(mean_q share_gq@k / mean_q p_gq)``, with a bootstrap over rankings.

    ``top_counts`` (rankings x groups): members of each group in each top k; ``list_lengths``: each top
    k's length; ``reference`` (rankings x groups): each ranking's reference shares. ``n`` is the total count
    of group members in the reference pools when ``pool_sizes`` (rankings x groups) is given, else in the
    top k lists; a cell under ``min_cell`` is suppressed. Also ``share`` and ``reference_share``.
    """
    top = np.asarray(top_counts, dtype=np.float64)
    ref = np.asarray(reference, dtype=np.float64)
    lengths = np.asarray(list_lengths, dtype=np.float64)
    q, g = top.shape
    share = _ratio(top, np.maximum(lengths, 1)[:, None])

    def skew(shares: np.ndarray, references: np.ndarray) -> np.ndarray:
        with np.errstate(divide="ignore", invalid="ignore"):
            return np.where(
                references > 0, np.log(shares / np.where(references > 0, references, 1.0)), np.nan
            )

    point = skew(share.mean(axis=0), ref.mean(axis=0)) if q else np.full(g, np.nan)
    if q and n_boot:
        # resampled rankings: the ratio of mean shares is the ratio of their sums
        sums = bootstrap_sums(np.hstack([share, ref]), n_boot, seed)
        samples = skew(sums[:, :g], sums[:, g:])
    else:
        samples = np.full((1, g), np.nan)
    samples = np.where(np.isneginf(samples), np.nan, samples)
    lo, hi = _ci(samples, alpha)
    n = (np.asarray(pool_sizes).sum(axis=0) if pool_sizes is not None else top.sum(axis=0)).astype(np.int64)
    frame = pl.DataFrame(
        {
            "group": list(names), "n": n, "skew": point, "skew_lo": lo, "skew_hi": hi,
            "share": share.mean(axis=0) if q else np.full(g, np.nan),
            "reference_share": ref.mean(axis=0) if q else np.full(g, np.nan),
        }
    )  # fmt: skip
    return _null_small(frame.sort("group"), min_cell)


# --- equal opportunity, equalized odds, calibration ------------------------------------------------------


def equalized_odds(
    y_true: np.ndarray | Sequence[bool],
    y_pred: np.ndarray | Sequence[bool],
    groups: Sequence[Hashable] | np.ndarray,
) -> dict[str, Any]:
    """True and false positive rates per group and fairlearn's equalized-odds difference (the larger of
    the TPR and FPR max - min gaps) and ratio (the smaller of the two min / max ratios)."""
    yt = np.asarray(y_true, dtype=bool)
    yp = np.asarray(y_pred, dtype=bool)
    codes, names = encode(groups)
    g = len(names)
    pos = np.bincount(codes, weights=yt, minlength=g)
    neg = np.bincount(codes, weights=~yt, minlength=g)
    tpr = _ratio(np.bincount(codes, weights=yt & yp, minlength=g), pos)
    fpr = _ratio(np.bincount(codes, weights=~yt & yp, minlength=g), neg)

    def gap(x: np.ndarray) -> tuple[float, float]:
        hi, lo = float(np.nanmax(x)), float(np.nanmin(x))
        return hi - lo, (lo / hi if hi > 0 else 1.0)

    (dt, rt), (df, rf) = gap(tpr), gap(fpr)
    return {
        "groups": names,
        "tpr": dict(zip(names, tpr.tolist(), strict=True)),
        "fpr": dict(zip(names, fpr.tolist(), strict=True)),
        "difference": max(dt, df),
        "ratio": min(rt, rf),
    }


def recall_by_group(
    in_top_k: np.ndarray | Sequence[bool], groups: Sequence[Hashable] | np.ndarray, **options: Any
) -> pl.DataFrame:
    """Equal opportunity: for rows that are actual positives (hires), the share ranked within the top k,
    per group (:func:`selection_rates` on the positives; ``rate`` is recall@k)."""
    return selection_rates(in_top_k, groups, **options)


def calibration_by_group(
    predicted: np.ndarray,
    observed: np.ndarray,
    groups: Sequence[Hashable] | np.ndarray,
    *,
    bins: int = 10,
    clusters: np.ndarray | None = None,
    reference: str | None = None,
    min_cell: int = MIN_CELL,
    n_boot: int = N_BOOT,
    alpha: float = 0.05,
    seed: int | None = 0,
) -> pl.DataFrame:
    """Per group: mean ``predicted``, mean ``observed``, ``observed_over_predicted`` (1 = calibrated in
    the large; below 1 the model promises this group more than happens) with bootstrap bounds, and the
    expected calibration error ``ece`` over ``bins`` equal-width bins of the prediction."""
    pr = np.asarray(predicted, dtype=np.float64)
    ob = np.asarray(observed, dtype=np.float64)
    codes, names = encode(groups)
    g = len(names)
    sums = np.column_stack([np.ones_like(pr), pr, ob])
    total = np.stack([np.bincount(codes, weights=sums[:, j], minlength=g) for j in range(3)], axis=1)
    boot = bootstrap_group_sums(sums, codes, g, clusters=clusters, n_boot=n_boot, seed=seed)
    n = total[:, 0]
    ref = _reference_index(names, n, reference)

    def stats(t: np.ndarray) -> dict[str, np.ndarray]:
        p, o = _ratio(t[..., 1], t[..., 0]), _ratio(t[..., 2], t[..., 0])
        return {"predicted": p, "observed": o, "observed_over_predicted": _ratio(o, p)}

    point, samples = stats(total), stats(boot)
    cols: dict[str, Any] = {"group": names, "n": n.astype(np.int64)}
    for name, value in point.items():
        lo, hi = _ci(samples[name], alpha)
        cols |= {name: value, f"{name}_lo": lo, f"{name}_hi": hi}
    edges = np.clip((pr * bins).astype(np.int64), 0, bins - 1)
    ece = np.zeros(g)
    for gi in range(g):
        m = codes == gi
        for b in range(bins):
            mb = m & (edges == b)
            if mb.any():
                ece[gi] += mb.sum() / max(m.sum(), 1) * abs(pr[mb].mean() - ob[mb].mean())
    cols["ece"] = ece
    cols["reference"] = [names[ref]] * g
    return _null_small(pl.DataFrame(cols), min_cell, keep=("group", "n", "reference"))


# --- interventions --------------------------------------------------------------------------------------


def programme_shares(
    assignment: Sequence[str] | np.ndarray,
    groups: Sequence[Hashable] | np.ndarray,
    programmes: Sequence[str],
    **options: Any,
) -> pl.DataFrame:
    """Who is offered which programme: per group and programme, the share assigned (a selection rate,
    with ratio and difference to the reference group). Long format with a ``programme`` column."""
    assigned = np.asarray(assignment, dtype=object)
    frames = [
        selection_rates(assigned == p, groups, **options).with_columns(pl.lit(p).alias("programme"))
        for p in programmes
    ]
    return pl.concat(frames)


def mean_by_group(
    values: np.ndarray,
    groups: Sequence[Hashable] | np.ndarray,
    *,
    name: str = "mean",
    reference: str | None = None,
    clusters: np.ndarray | None = None,
    min_cell: int = MIN_CELL,
    n_boot: int = N_BOOT,
    alpha: float = 0.05,
    seed: int | None = 0,
) -> pl.DataFrame:
    """Per group: the mean of ``values`` (e.g. estimated gain of the assigned programme) and its difference
    to the reference group, with bootstrap bounds."""
    v = np.asarray(values, dtype=np.float64)
    codes, names = encode(groups)
    g = len(names)
    n = np.bincount(codes, minlength=g).astype(np.float64)
    ref = _reference_index(names, n, reference)
    point = _ratio(np.bincount(codes, weights=v, minlength=g), n)
    boot = bootstrap_group_sums(np.column_stack([np.ones_like(v), v]), codes, g,
                                clusters=clusters, n_boot=n_boot, seed=seed)  # fmt: skip
    bm = _ratio(boot[:, :, 1], boot[:, :, 0])
    (lo, hi), (dlo, dhi) = _ci(bm, alpha), _ci(bm - bm[:, [ref]], alpha)
    frame = pl.DataFrame(
        {
            "group": names,
            "n": n.astype(np.int64),
            name: point,
            f"{name}_lo": lo,
            f"{name}_hi": hi,
            "difference": point - point[ref],
            "difference_lo": dlo,
            "difference_hi": dhi,
            "reference": [names[ref]] * g,
        }
    )
    return _null_small(frame, min_cell, keep=("group", "n", "reference"))


def as_cells(frame: pl.DataFrame, metrics: Sequence[str]) -> dict[str, dict[str, Any]]:
    """``group -> metric -> {"value": v, "ci": [lo, hi]}`` (plus ``n`` and ``suppressed``) for JSON."""
    out: dict[str, dict[str, Any]] = {}
    for row in frame.iter_rows(named=True):
        cell: dict[str, Any] = {"n": row["n"], "suppressed": bool(row["suppressed"])}
        for m in metrics:
            if m in row:
                cell[m] = {"value": _num(row[m]), "ci": [_num(row.get(f"{m}_lo")), _num(row.get(f"{m}_hi"))]}
        out[str(row["group"])] = cell
    return out


def _num(x: Any) -> float | None:
    if x is None:
        return None
    f = float(x)
    return f if np.isfinite(f) else None
