"""Data drift: does the newest batch of citizens look like the population the models were trained on?

Population stability index (PSI) per feature, with the usual reading: below 0.1 stable, 0.1-0.25 worth a
look, above 0.25 a shift large enough to re-check the models. The newest batch is the latest import of
seekers when there is one (``jobmatch import`` records it), else the citizens registered in the last
eight weeks.
"""

from __future__ import annotations

import json
from datetime import timedelta

import numpy as np
import polars as pl

from data.store import Store

NUMERIC = (
    "weeks_unemployed",
    "isced_level",
    "experience_years",
    "max_commute_km",
    "hours_wanted",
    "n_skills",
)
CATEGORICAL = ("benefit_type", "target_group", "consent_employer_view", "driving_licence", "jobcenter_id")
RECENT_WEEKS = 8
EPS = 1e-4


def psi(reference: np.ndarray, current: np.ndarray) -> float:
    """PSI between two share vectors over the same bins (empty bins floored at EPS)."""
    r = np.maximum(np.asarray(reference, dtype=float), EPS)
    c = np.maximum(np.asarray(current, dtype=float), EPS)
    return float(np.sum((c - r) * np.log(c / r)))


def numeric_shares(
    reference: np.ndarray, current: np.ndarray, bins: int = 10
) -> tuple[np.ndarray, np.ndarray]:
    """Shares over the reference's quantile bins (ties merged), for both samples."""
    edges = np.unique(np.quantile(reference, np.linspace(0, 1, bins + 1)[1:-1]))
    r = np.bincount(np.searchsorted(edges, reference, side="right"), minlength=len(edges) + 1)
    c = np.bincount(np.searchsorted(edges, current, side="right"), minlength=len(edges) + 1)
    return r / max(r.sum(), 1), c / max(c.sum(), 1)


def categorical_shares(reference: list[object], current: list[object]) -> tuple[np.ndarray, np.ndarray]:
    levels = sorted({str(x) for x in reference} | {str(x) for x in current})
    r = np.array([sum(str(x) == lv for x in reference) for lv in levels], dtype=float)
    c = np.array([sum(str(x) == lv for x in current) for lv in levels], dtype=float)
    return r / max(r.sum(), 1), c / max(c.sum(), 1)


def drift_table(
    reference: pl.DataFrame, current: pl.DataFrame, numeric: tuple[str, ...] = NUMERIC
) -> pl.DataFrame:
    """One row per feature: PSI, the reading, and per side the mean (numeric) or the most common level and
    its share (categorical), as values: the page words them in the reader's language."""
    rows = []
    for col in numeric:
        r, c = reference[col].to_numpy().astype(float), current[col].to_numpy().astype(float)
        value = psi(*numeric_shares(r, c)) if len(r) and len(c) else float("nan")
        rows.append({"feature": col, "psi": value, **_mean("reference", r), **_mean("newest", c)})
    for col in CATEGORICAL:
        r_list, c_list = reference[col].to_list(), current[col].to_list()
        value = psi(*categorical_shares(r_list, c_list)) if r_list and c_list else float("nan")
        rows.append({"feature": col, "psi": value, **_top("reference", r_list), **_top("newest", c_list)})
    frame = pl.DataFrame(rows, schema=DRIFT_SCHEMA)
    return frame.with_columns(
        pl.when(pl.col("psi") < 0.1).then(pl.lit("stabil"))
        .when(pl.col("psi") < 0.25).then(pl.lit("se nærmere på"))
        .otherwise(pl.lit("skift: tjek modellerne")).alias("reading")
    )  # fmt: skip


DRIFT_SCHEMA = {"feature": pl.String, "psi": pl.Float64,
                "reference_mean": pl.Float64, "reference_top": pl.String, "reference_share": pl.Float64,
                "newest_mean": pl.Float64, "newest_top": pl.String, "newest_share": pl.Float64}  # fmt: skip


def _mean(side: str, values: np.ndarray) -> dict[str, object]:
    return {f"{side}_mean": float(np.mean(values)) if len(values) else None, f"{side}_top": None,
            f"{side}_share": None}  # fmt: skip


def _top(side: str, values: list[object]) -> dict[str, object]:
    """The most common level (as text: booleans read ``True``/``False``) and its share."""
    if not values:
        return {f"{side}_mean": None, f"{side}_top": None, f"{side}_share": None}
    levels, counts = np.unique([str(v) for v in values], return_counts=True)
    i = int(np.argmax(counts))
    return {
        f"{side}_mean": None,
        f"{side}_top": str(levels[i]),
        f"{side}_share": float(counts[i] / len(values)),
    }


def seeker_drift(store: Store) -> tuple[str, pl.DataFrame]:
    """(what was compared, the drift table) for the newest citizens against everyone else."""
    seekers = store.query("SELECT *, len(skills) AS n_skills FROM seekers")
    last = store.meta("last_import:seekers")
    numeric: tuple[str, ...] = NUMERIC
    if last:
        info = json.loads(last)
        newest = pl.col("seeker_id").is_in(info["ids"])
        label = f"seneste import ({info['rows']} borgere, {info['file']}, {info['ts']}) mod resten"
    else:
        cutoff = seekers["registered_at"].max() - timedelta(weeks=RECENT_WEEKS)  # type: ignore[operator]
        newest = pl.col("registered_at") > cutoff
        label = (f"borgere registreret de seneste {RECENT_WEEKS} uger mod resten (ingen import endnu; "
                 "ugers ledighed udeladt, da den følger af registreringsdatoen)")  # fmt: skip
        numeric = tuple(c for c in NUMERIC if c != "weeks_unemployed")
    current, reference = seekers.filter(newest), seekers.filter(~newest)
    summary = f"{label}: {current.height} nye, {reference.height} i træningsgrundlaget"
    return summary, drift_table(reference, current, numeric)
