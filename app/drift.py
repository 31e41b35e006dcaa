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
    """One row per feature: PSI, the reading, and the mean (numeric) or top level (categorical) of each."""
    rows = []
    for col in numeric:
        r, c = reference[col].to_numpy().astype(float), current[col].to_numpy().astype(float)
        value = psi(*numeric_shares(r, c)) if len(r) and len(c) else float("nan")
        rows.append({"feature": col, "psi": value, "reference": f"{np.mean(r):.1f}" if len(r) else "–",
                     "newest": f"{np.mean(c):.1f}" if len(c) else "–"})  # fmt: skip
    for col in CATEGORICAL:
        r_list, c_list = reference[col].to_list(), current[col].to_list()
        value = psi(*categorical_shares(r_list, c_list)) if r_list and c_list else float("nan")
        rows.append({"feature": col, "psi": value, "reference": _top(r_list), "newest": _top(c_list)})
    frame = pl.DataFrame(rows)
    return frame.with_columns(
        pl.when(pl.col("psi") < 0.1).then(pl.lit("stabil"))
        .when(pl.col("psi") < 0.25).then(pl.lit("se nærmere på"))
        .otherwise(pl.lit("skift: tjek modellerne")).alias("reading")
    )  # fmt: skip


def _top(values: list[object]) -> str:
    if not values:
        return "–"
    levels, counts = np.unique([str(v) for v in values], return_counts=True)
    i = int(np.argmax(counts))
    return f"{levels[i]} ({counts[i] / len(values):.0%})"


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
