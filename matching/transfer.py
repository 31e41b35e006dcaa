"""Jobs in other industries: occupations a citizen could move to given their skills, with the gap to close.

Two signals, both shown: the share of the occupation's essential skills the citizen already has, and the
semantic closeness of the occupation to the citizen's profile (embedding neighbours). Occupations in the
sectors the citizen already targets are left out: this view is about transfer.
"""

from __future__ import annotations

import weakref
from typing import Any

import numpy as np
import polars as pl

from data import columns as C
from data.clock import open_vacancy
from data.geography import haversine_km
from matching.retrieval import Matcher

SKILL_WEIGHT = 0.6  # ranking blend shown to the user; skill evidence counts more than text similarity


def _sectors(matcher: Matcher) -> dict[str, str]:
    occ = matcher.taxonomy.occupations
    return {
        o: (s if s else f"ISCO {str(i or '9')[:1]}")
        for o, s, i in occ.select(C.OCCUPATION_ID, C.SECTOR, C.ISCO_CODE).iter_rows()
    }


def _encode_occupations(matcher: Matcher) -> np.ndarray:
    tax = matcher.taxonomy
    texts = [
        f"{tax.label(o)}. Krav: " + ", ".join(tax.label(s) for s in tax.skills_of(o))
        for o in tax.occupations[C.OCCUPATION_ID].to_list()
    ]
    return matcher.encoder.encode(texts)


class OccupationVectorCache:
    """Each matcher's occupation vectors (one per taxonomy occupation, in taxonomy order), encoded on first
    use: a few hundred texts, too slow to encode per request.

    Keyed weakly by the matcher, whose taxonomy and encoder are fixed at construction: an entry is valid
    for the matcher's life and goes with it. That is the only invalidation needed, since a new data version
    or encoder means a new :class:`Matcher`.
    """

    def __init__(self) -> None:
        self._vectors: weakref.WeakKeyDictionary[Matcher, np.ndarray] = weakref.WeakKeyDictionary()

    def get(self, matcher: Matcher) -> np.ndarray:
        vectors = self._vectors.get(matcher)
        if vectors is None:
            vectors = self._vectors[matcher] = _encode_occupations(matcher)
        return vectors


OCCUPATION_VECTORS = OccupationVectorCache()


_NONE_NEARBY: dict[str, Any] = {"open_nearby": 0, "nearest_km": None}


def _open_vacancies(matcher: Matcher, s: dict[str, Any]) -> tuple[dict[str, int], dict[str, dict[str, Any]]]:
    """Open vacancies per occupation: all of them, and those within the citizen's commute limit with the
    nearest one's distance (as the crow flies: no road or transit data ships with the product)."""
    frame = matcher.vacancies.frame.filter(open_vacancy(matcher.today()))
    km = haversine_km(
        np.float64(s["lat"]), np.float64(s["lon"]), frame["lat"].to_numpy(), frame["lon"].to_numpy()
    )
    frame = frame.select(C.OCCUPATION_ID).with_columns(pl.Series("km", np.asarray(km, dtype=float)))
    counts = frame.group_by(C.OCCUPATION_ID).len()
    near = (
        frame.filter(pl.col("km") <= float(s["max_commute_km"]))
        .group_by(C.OCCUPATION_ID)
        .agg(pl.len().alias("open_nearby"), pl.col("km").min().round(1).alias("nearest_km"))
    )
    return (
        dict(zip(counts[C.OCCUPATION_ID].to_list(), counts["len"].to_list(), strict=True)),
        {r[C.OCCUPATION_ID]: {"open_nearby": r["open_nearby"], "nearest_km": r["nearest_km"]}
         for r in near.iter_rows(named=True)},
    )  # fmt: skip


def other_industries(matcher: Matcher, seeker: str | dict[str, Any], n: int = 5) -> pl.DataFrame:
    """Top-n occupations outside the citizen's target sectors, with shared skills and the skill gap."""
    s = matcher.seekers.row(seeker) if isinstance(seeker, str) else seeker
    tax = matcher.taxonomy
    sectors = _sectors(matcher)
    own = {sectors.get(o) for o in s["desired_occupations"]}
    have = set(s["skills"])
    occ_ids = tax.occupations[C.OCCUPATION_ID].to_list()
    sims = OCCUPATION_VECTORS.get(matcher) @ matcher.seeker_vector(s)
    open_count, nearby = _open_vacancies(matcher, s)
    rows = []
    for i, occ in enumerate(occ_ids):
        if sectors[occ] in own or occ in s["desired_occupations"]:
            continue
        essential = tax.skills_of(occ)
        if not essential:
            continue
        shared = [x for x in essential if x in have]
        coverage = len(shared) / len(essential)
        score = SKILL_WEIGHT * coverage + (1 - SKILL_WEIGHT) * float(sims[i])
        rows.append({C.OCCUPATION_ID: occ, "occupation": tax.label(occ), "sector": sectors[occ],
                     "score": round(score, 4), "essential_coverage": round(coverage, 3),
                     "similarity": round(float(sims[i]), 4), "shared_skills": [tax.label(x) for x in shared],
                     "gap_skills": [tax.label(x) for x in essential if x not in have],
                     "open_vacancies": open_count.get(occ, 0), **nearby.get(occ, _NONE_NEARBY)})  # fmt: skip
    rows.sort(key=lambda r: (-r["score"], r[C.OCCUPATION_ID]))
    schema: dict[str, Any] = {"shared_skills": pl.List(pl.String), "gap_skills": pl.List(pl.String)}
    if not rows:
        return pl.DataFrame(schema={C.OCCUPATION_ID: pl.String, "occupation": pl.String, "sector": pl.String,
                                    "score": pl.Float64, "essential_coverage": pl.Float64,
                                    "similarity": pl.Float64, **schema, "open_vacancies": pl.Int64,
                                    "open_nearby": pl.Int64, "nearest_km": pl.Float64})  # fmt: skip
    schema |= {"open_nearby": pl.Int64, "nearest_km": pl.Float64}
    return pl.DataFrame(rows[:n], schema_overrides=schema).with_row_index("rank", offset=1)
