"""Texts that represent seekers and vacancies to an encoder: structured fields in words, then free text.

Labels come from the taxonomy (Danish first), so an encoder sees "Ønsker job som: lagerarbejder" rather
than opaque ids. Protected attributes are never part of these texts.
"""

from __future__ import annotations

import polars as pl

from data import columns as C
from data.taxonomy import Taxonomy

_EDU = {0: "ingen", 1: "grundskole", 2: "grundskole", 3: "erhvervsuddannelse eller gymnasial",
        4: "erhvervsuddannelse", 5: "kort videregående", 6: "bachelor eller professionsbachelor",
        7: "kandidat", 8: "ph.d."}  # fmt: skip


def _labels(taxonomy: Taxonomy, ids: list[str] | None) -> str:
    return ", ".join(taxonomy.label(i) for i in (ids or []) if i)


def seeker_texts(seekers: pl.DataFrame, taxonomy: Taxonomy) -> list[str]:
    """One text per seeker row: desired occupations, skills, education, then the profile text."""
    out = []
    for row in seekers.select("desired_occupations", "skills", "isced_level", "profile_text").iter_rows():
        desired, skills, isced, profile = row
        out.append(
            f"Ønsker job som: {_labels(taxonomy, desired)}. Kompetencer: {_labels(taxonomy, skills)}. "
            f"Uddannelse: {_EDU.get(int(isced), 'ukendt')}. {profile or ''}".strip()
        )
    return out


def vacancy_texts(vacancies: pl.DataFrame, taxonomy: Taxonomy) -> list[str]:
    """One text per vacancy row: title, occupation, essential skills, then the ad text."""
    out = []
    cols = ("title", C.OCCUPATION_ID, "essential_skills", "description")
    for title, occupation, essential, description in vacancies.select(cols).iter_rows():
        out.append(
            f"{title}. Stilling: {taxonomy.label(occupation)}. Krav: {_labels(taxonomy, essential)}. "
            f"{description or ''}".strip()
        )
    return out
