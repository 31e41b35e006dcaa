"""The one reader of ``seeker_protected`` and the one definition of the audit's age bands.

Protected attributes (gender, age, origin, disability) never become model features. They are read here,
for fairness audits, the analyst's decision rates, the data report and the optional fair re-ranking, and
nowhere else (a test walks the code to keep it so). Everything downstream sees labels, never ages.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import polars as pl

from data import columns as C
from data.store import Store

PROTECTED_TABLE = "seeker_protected"
# Upper bounds (exclusive) of each band; the last band is open-ended.
AGE_BANDS: tuple[tuple[str, int | None], ...] = (("<30", 30), ("30-54", 55), ("55+", None))
GROUP_COLUMNS = (C.SEEKER_ID, "gender", "age_band", "origin_group", "disability")


def age_band(age: int | float) -> str:
    """The audit's age band of one age: under 30, 30-54, 55 and over."""
    return next(label for label, upper in AGE_BANDS if upper is None or age < upper)


def age_band_expr(age: pl.Expr) -> pl.Expr:
    """The same bands as :func:`age_band`, as a polars expression (a null age gives a null band)."""
    *bounded, (last, _) = AGE_BANDS
    expr: pl.Expr = pl.lit(last)
    for label, upper in reversed(bounded):
        expr = pl.when(age < upper).then(pl.lit(label)).otherwise(expr)
    return pl.when(age.is_null()).then(pl.lit(None, pl.String)).otherwise(expr)


def group_frame(protected: pl.DataFrame) -> pl.DataFrame:
    """``seeker_id`` plus one string label per attribute (gender, age band, origin group, disability)."""
    return protected.select(
        C.SEEKER_ID,
        pl.col("gender").cast(pl.String),
        age_band_expr(pl.col("age")).alias("age_band"),
        pl.col("origin_group").cast(pl.String),
        pl.when(pl.col("disability")).then(pl.lit("ja")).otherwise(pl.lit("nej")).alias("disability"),
    )


def protected_groups(source: Store | str | Path, seeker_ids: Sequence[str] | None = None) -> pl.DataFrame:
    """Group labels (``GROUP_COLUMNS``) of the given seekers, in their order, or of all if ``None``.

    Seekers without a row get null labels. ``source`` is an open store or the path of one (opened
    read-only for the call).
    """
    if isinstance(source, Store):
        return _groups_from(source, seeker_ids)
    with Store(source, read_only=True) as store:
        return _groups_from(store, seeker_ids)


def _groups_from(store: Store, seeker_ids: Sequence[str] | None) -> pl.DataFrame:
    groups = group_frame(store.table(PROTECTED_TABLE))
    if seeker_ids is None:
        return groups
    wanted = pl.DataFrame({C.SEEKER_ID: list(seeker_ids)}, schema={C.SEEKER_ID: pl.String})
    return wanted.join(groups, on=C.SEEKER_ID, how="left", maintain_order="left")
