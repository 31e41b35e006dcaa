"""Free-text occupations and skills in an import file, linked to taxonomy ids by the title and skill linker.

The import step (``data.importing``) maps ids and exact labels itself; what is left (``Tømrerlærling``,
``kundeservice og salg``) comes here. A link is accepted only at or above a score, so a guess never becomes
data silently: below it the cell stays as written and the import names it as unknown.
"""

from __future__ import annotations

from collections.abc import Callable

from data.import_labels import LabelResolver, LinkedLabel
from matching.linking.linker import TitleLinker

OCCUPATION_MIN_SCORE = 0.8  # the linker's [0, 1] score of its top occupation
SKILL_MIN_SCORE = 0.75  # and of the best skill found in the cell (link_skills' default threshold is lower)


def linker_resolver(
    make: Callable[[], TitleLinker],
    *,
    occupation_min: float = OCCUPATION_MIN_SCORE,
    skill_min: float = SKILL_MIN_SCORE,
) -> LabelResolver:
    """A resolver that fits the linker (``make()``) only when a file holds text it has to link."""
    fitted: list[TitleLinker] = []

    def linker() -> TitleLinker:
        if not fitted:
            fitted.append(make())
        return fitted[0]

    def resolve(kind: str, values: list[str]) -> dict[str, LinkedLabel]:
        if kind == "occupation":
            top = linker().link(values, k=1)
            return {
                row["query"]: LinkedLabel(
                    row["occupation_id"], row["matched_label"], float(row["score"]), row["named_skill"]
                )
                for row in top.iter_rows(named=True)
                if row["score"] >= occupation_min
            }
        out: dict[str, LinkedLabel] = {}
        for value in values:
            found = linker().link_skills(value, k=1, threshold=skill_min)
            if found.height:
                best = found.row(0, named=True)
                out[value] = LinkedLabel(best["skill_id"], best["label"], float(best["score"]))
        return out

    return resolve
