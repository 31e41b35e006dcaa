"""Jobs in other industries: occupations a citizen could move to given their skills, with the gap to close.

Two signals, both shown: the share of the occupation's essential skills the citizen already has, and the
semantic closeness of the occupation to the citizen's profile (embedding neighbours). Occupations in the
sectors the citizen already targets are left out: this view is about transfer.
"""

from __future__ import annotations

import weakref
from dataclasses import dataclass
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


@dataclass(frozen=True)
class _Occupations:
    """What every call reads of one matcher, fixed for its life: the occupations in taxonomy order with their
    sector, essential skills and vector, and the open vacancies' occupation and place."""

    ids: list[str]
    sectors: dict[str, str]
    essential: list[list[str]]
    vectors: np.ndarray
    open_rows: dict[str, np.ndarray]  # occupation -> its open vacancies' rows in open_lat / open_lon
    open_lat: np.ndarray
    open_lon: np.ndarray


class OccupationCache:
    """Each matcher's :class:`_Occupations`, made on first use: encoding a few hundred occupation texts and
    filtering the open vacancies is too slow per request (it was most of this view's 10 ms).

    Keyed weakly by the matcher, whose taxonomy, encoder, vacancies and "today" are fixed at construction:
    an entry is valid for the matcher's life and goes with it. That is the only invalidation needed, since a
    new data version or encoder means a new :class:`Matcher`.
    """

    def __init__(self) -> None:
        self._entries: weakref.WeakKeyDictionary[Matcher, _Occupations] = weakref.WeakKeyDictionary()

    def get(self, matcher: Matcher) -> _Occupations:
        entry = self._entries.get(matcher)
        if entry is None:
            tax = matcher.taxonomy
            ids = tax.occupations[C.OCCUPATION_ID].to_list()
            frame = matcher.vacancies.frame.filter(open_vacancy(matcher.today()))
            entry = self._entries[matcher] = _Occupations(
                ids, _sectors(matcher), [tax.skills_of(o) for o in ids], _encode_occupations(matcher),
                _rows_by(frame[C.OCCUPATION_ID].to_list()), frame["lat"].to_numpy(), frame["lon"].to_numpy(),
            )  # fmt: skip
        return entry


OCCUPATIONS = OccupationCache()


def _rows_by(occupations: list[str]) -> dict[str, np.ndarray]:
    rows: dict[str, list[int]] = {}
    for i, o in enumerate(occupations):
        rows.setdefault(o, []).append(i)
    return {o: np.asarray(r, dtype=np.int64) for o, r in rows.items()}


def _open_vacancies(occ: _Occupations, s: dict[str, Any], wanted: list[str]) -> dict[str, dict[str, Any]]:
    """For each wanted occupation: its open vacancies, those within the citizen's commute limit and the
    nearest one's distance (as the crow flies: no road or transit data ships with the product)."""
    limit, none = float(s["max_commute_km"]), np.zeros(0, dtype=np.int64)
    out = {}
    for o in wanted:
        rows = occ.open_rows.get(o, none)
        mine = np.asarray(haversine_km(np.float64(s["lat"]), np.float64(s["lon"]), occ.open_lat[rows],
                                       occ.open_lon[rows]), dtype=float)  # fmt: skip
        near = mine[mine <= limit]
        out[o] = {"open_vacancies": int(mine.size), "open_nearby": int(near.size),
                  "nearest_km": round(float(near.min()), 1) if near.size else None}  # fmt: skip
    return out


def other_industries(matcher: Matcher, seeker: str | dict[str, Any], n: int = 5) -> pl.DataFrame:
    """Top-n occupations outside the citizen's target sectors, with shared skills and the skill gap."""
    s = matcher.seekers.row(seeker) if isinstance(seeker, str) else seeker
    tax = matcher.taxonomy
    occ = OCCUPATIONS.get(matcher)
    own = {occ.sectors.get(o) for o in s["desired_occupations"]}
    have = set(s["skills"])
    sims = occ.vectors @ matcher.seeker_vector(s)
    scored = []  # (score, occupation, index, coverage): rows are built for the n shown only
    for i, o in enumerate(occ.ids):
        essential = occ.essential[i]
        if occ.sectors[o] in own or o in s["desired_occupations"] or not essential:
            continue
        coverage = sum(x in have for x in essential) / len(essential)
        scored.append((SKILL_WEIGHT * coverage + (1 - SKILL_WEIGHT) * float(sims[i]), o, i, coverage))
    scored.sort(key=lambda t: (-round(t[0], 4), t[1]))
    top = scored[:n]
    places = _open_vacancies(occ, s, [o for _, o, _, _ in top])
    rows = [{C.OCCUPATION_ID: o, "occupation": tax.label(o), "sector": occ.sectors[o], "score": round(score, 4),
             "essential_coverage": round(coverage, 3), "similarity": round(float(sims[i]), 4),
             "shared_skills": [tax.label(x) for x in occ.essential[i] if x in have],
             "gap_skills": [tax.label(x) for x in occ.essential[i] if x not in have], **places[o]}
            for score, o, i, coverage in top]  # fmt: skip
    schema: dict[str, Any] = {"shared_skills": pl.List(pl.String), "gap_skills": pl.List(pl.String)}
    if not rows:
        return pl.DataFrame(schema={C.OCCUPATION_ID: pl.String, "occupation": pl.String, "sector": pl.String,
                                    "score": pl.Float64, "essential_coverage": pl.Float64,
                                    "similarity": pl.Float64, **schema, "open_vacancies": pl.Int64,
                                    "open_nearby": pl.Int64, "nearest_km": pl.Float64})  # fmt: skip
    schema |= {"open_nearby": pl.Int64, "nearest_km": pl.Float64}
    return pl.DataFrame(rows[:n], schema_overrides=schema).with_row_index("rank", offset=1)
