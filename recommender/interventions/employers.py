"""Concrete employers with matching open vacancies for the company-based programmes."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

import numpy as np
import polars as pl

from data import columns as C
from data.geography import haversine_km

# Industries treated as public employers for "løntilskud (offentlig)" (the employers table has no sector
# flag; in Denmark these are mostly municipal / regional). A heuristic, stated as such in the reason.
PUBLIC_INDUSTRIES: tuple[str, ...] = ("Ældrepleje og sociale tilbud", "Sundhed", "Undervisning")
EMPLOYER_COLUMNS = (C.EMPLOYER_ID, "name", "industry", "vacancies", "distance_km", "reason_da")
EmployerFinder = Callable[[Mapping[str, Any], int], pl.DataFrame]
"""(seeker row, how many vacancies to look at) -> matching vacancies with employer_id, title, distance_km."""


def matcher_finder(matcher: Any) -> EmployerFinder:
    """Vacancies from ``matching.retrieval.Matcher.vacancies_for_seeker`` (open, within commute, hours)."""

    def find(seeker: Mapping[str, Any], k: int) -> pl.DataFrame:
        frame = matcher.vacancies_for_seeker(str(seeker[C.SEEKER_ID]), k, explain=False)
        # rounded to 0.1 km as the explained result shows it (``explain_match``), which this used before
        km = [round(float(d), 1) for d in frame["distance_km"]]
        found: pl.DataFrame = frame.select(C.EMPLOYER_ID, "title").with_columns(
            pl.Series("distance_km", km, dtype=pl.Float64)
        )
        return found

    return find


def store_finder(vacancies: pl.DataFrame) -> EmployerFinder:
    """Fallback without indexes: open vacancies in the citizen's desired occupations within their commute
    limit (nearest first)."""

    open_v = vacancies.filter(pl.col("status") == "open")

    def find(seeker: Mapping[str, Any], k: int) -> pl.DataFrame:
        cand = open_v.filter(pl.col(C.OCCUPATION_ID).is_in(list(seeker.get("desired_occupations") or [])))
        dist = haversine_km(
            np.float64(seeker["lat"]),
            np.float64(seeker["lon"]),
            cand["lat"].to_numpy(),
            cand["lon"].to_numpy(),
        )
        cand = cand.with_columns(pl.Series("distance_km", np.asarray(dist, dtype=np.float64)))
        cand = cand.filter(pl.col("distance_km") <= float(seeker["max_commute_km"])).sort("distance_km")
        return cand.head(k).select(C.EMPLOYER_ID, "title", "distance_km")

    return find


def suggest_employers(
    seeker: Mapping[str, Any],
    programmes: Sequence[str],
    employers: pl.DataFrame,
    finder: EmployerFinder,
    k: int = 3,
    look_at: int = 40,
) -> dict[str, pl.DataFrame]:
    """Concrete employers (``EMPLOYER_COLUMNS``) per company-based programme among ``programmes``."""
    wanted = [p for p in programmes if p in C.COMPANY_BASED_PROGRAMMES]
    if not wanted:
        return {}
    found = finder(seeker, look_at)
    per_employer = (
        found.with_row_index("order")
        .group_by(C.EMPLOYER_ID)
        .agg(
            pl.len().alias("vacancies"),
            pl.col("order").min().alias("order"),
            pl.col("title").first().alias("title"),
            pl.col("distance_km").min().alias("distance_km"),
        )
        .join(employers.select(C.EMPLOYER_ID, "name", "industry"), on=C.EMPLOYER_ID, how="inner")
        .sort("order")
    )
    public = pl.col("industry").is_in(list(PUBLIC_INDUSTRIES))
    out = {}
    for p in wanted:
        if p == "loentilskud_offentlig":
            pick, note = per_employer.filter(public), " (offentlig sektor)"
        elif p == "loentilskud_privat":
            pick, note = per_employer.filter(~public), ""
        else:
            pick, note = per_employer, ""
        out[p] = pick.head(k).select(
            C.EMPLOYER_ID,
            "name",
            "industry",
            pl.col("vacancies").cast(pl.Int64),
            pl.col("distance_km").cast(pl.Float64),
            pl.format(
                "{} der passer, fx {}, {} km{}",
                pl.when(pl.col("vacancies") == 1)
                .then(pl.lit("1 åben stilling"))
                .otherwise(pl.format("{} åbne stillinger", pl.col("vacancies"))),
                pl.col("title"),
                pl.col("distance_km").round(0).cast(pl.Int64),
                pl.lit(note),
            ).alias("reason_da"),
        )
    return out
