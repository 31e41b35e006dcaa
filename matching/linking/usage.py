"""Danish everyday job titles for ESCO occupations, from the built-in catalogue through a hand-checked concordance.

ESCO's Danish labels give some titles Danish job centres use every day to a rarer sense, and leave others
to no occupation in particular: "sagsbehandler" is a synonym of the insurance claims handler, "controller"
of the ticket inspector, "butiksmedarbejder" of the shelf filler, and "pædagog" is a synonym of five
occupations and the preferred label of none. The built-in catalogue holds these titles as job centres use
them. ``CONCORDANCE_FILE`` names, for 170 of its 204 occupations, the ESCO occupation that is the same job
(by its English preferred label; chosen by hand from the linker's best candidates in and outside the same
ISCO unit group, and left out where ESCO has no such occupation). The catalogue occupation's Danish
label becomes a *usage* label of that ESCO occupation: on an exact tie it ranks below an occupation's
preferred label and above a synonym (:data:`matching.linking.labels.USAGE`). Its Danish synonyms become
synonyms there, level with ESCO's own (a catalogue synonym is looser evidence: "it-tekniker" is one of the
catalogue's network technician, and ESCO gives it to the ICT technician). Neither adds to similarity scores
by default (:data:`matching.linking.linker.USAGE_SIMILARITY`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from importlib import resources
from io import StringIO

import polars as pl

from data import columns as C
from data.taxonomy import Taxonomy, load_builtin
from matching.linking.labels import USAGE_COLUMN, USAGE_SYNONYM_COLUMN

CONCORDANCE_RESOURCE = "esco_concordance.csv"


def read_concordance() -> pl.DataFrame:
    """``builtin_occupation_id, esco_label_en``: the shipped concordance."""
    text = resources.files("data").joinpath("catalogue", CONCORDANCE_RESOURCE).read_text("utf-8")
    return pl.read_csv(
        StringIO(text), schema={"builtin_occupation_id": pl.String, "esco_label_en": pl.String}
    )


@dataclass(frozen=True)
class CatalogueUsage:
    """The catalogue's Danish titles per occupation of another taxonomy: ``titles`` are catalogue occupations'
    preferred labels (on an exact tie above a synonym), ``synonyms`` their other Danish labels (ranked as
    synonyms, level with the taxonomy's own: a catalogue synonym is looser evidence than its title)."""

    titles: dict[str, list[str]] = field(default_factory=dict)
    synonyms: dict[str, list[str]] = field(default_factory=dict)

    def __bool__(self) -> bool:
        return bool(self.titles or self.synonyms)


def catalogue_usage(taxonomy: Taxonomy, catalogue: Taxonomy | None = None) -> CatalogueUsage:
    """The catalogue's Danish titles for ``taxonomy``'s occupations. Empty for the catalogue itself; a
    concordance row whose English label is no occupation's in ``taxonomy`` (another taxonomy or version) is
    skipped."""
    if taxonomy.name == "builtin":
        return CatalogueUsage()
    catalogue = catalogue or load_builtin()
    by_label: dict[str, list[str]] = {}
    for occ, en in taxonomy.occupations.select(C.OCCUPATION_ID, C.LABEL_EN).iter_rows():
        if en:
            by_label.setdefault(en.strip(), []).append(occ)
    labels = {
        occ: (da, [t for t in syns or [] if t])
        for occ, da, syns in catalogue.occupations.select(C.OCCUPATION_ID, C.LABEL_DA, C.SYNONYMS).iter_rows()
    }
    usage = CatalogueUsage()
    for builtin_id, en in read_concordance().iter_rows():
        owners = by_label.get(en.strip(), [])
        if len(owners) == 1 and builtin_id in labels:
            title, synonyms = labels[builtin_id]
            if title:
                usage.titles.setdefault(owners[0], []).append(title)
            usage.synonyms.setdefault(owners[0], []).extend(synonyms)
    return usage


def with_usage_columns(frame: pl.DataFrame, usage: CatalogueUsage) -> pl.DataFrame:
    """``frame`` (occupations) with the list columns the label index reads usage labels from."""
    out = frame
    for column, per_occupation in ((USAGE_COLUMN, usage.titles), (USAGE_SYNONYM_COLUMN, usage.synonyms)):
        extra = pl.DataFrame(
            {C.OCCUPATION_ID: list(per_occupation), column: [list(v) for v in per_occupation.values()]},
            schema={C.OCCUPATION_ID: pl.String, column: pl.List(pl.String)},
        )
        out = out.join(extra, on=C.OCCUPATION_ID, how="left", maintain_order="left").with_columns(
            pl.col(column).fill_null(pl.lit([], dtype=pl.List(pl.String)))
        )
    return out
