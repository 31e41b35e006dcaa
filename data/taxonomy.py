"""Occupations, skills and the occupation -> essential / optional skill links, as tidy polars frames.

Two sources fill the same shape: the built-in Danish catalogue (the embedded default, shipped in
``data/catalogue/builtin_da.json``) and an ESCO import (``data.esco``). Everything downstream sees only
:class:`Taxonomy`.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from functools import cached_property
from importlib import resources
from typing import Literal

import polars as pl

from core.errors import TaxonomyError
from data import columns as C

Lang = Literal["da", "en"]

OCCUPATION_SCHEMA: dict[str, pl.DataType] = {
    C.OCCUPATION_ID: pl.String(),
    C.LABEL_DA: pl.String(),
    C.LABEL_EN: pl.String(),
    C.SYNONYMS: pl.List(pl.String()),
    C.ISCO_CODE: pl.String(),
    C.SECTOR: pl.String(),
    C.ISCED_MIN: pl.Int8(),
}
SKILL_SCHEMA: dict[str, pl.DataType] = {
    C.SKILL_ID: pl.String(),
    C.LABEL_DA: pl.String(),
    C.LABEL_EN: pl.String(),
    C.SYNONYMS: pl.List(pl.String()),
    C.SKILL_TYPE: pl.String(),
}
RELATION_SCHEMA: dict[str, pl.DataType] = {
    C.OCCUPATION_ID: pl.String(),
    C.SKILL_ID: pl.String(),
    C.RELATION: pl.String(),
}


@dataclass(frozen=True)
class Taxonomy:
    """A validated occupation/skill taxonomy; construct through :meth:`build` or a loader."""

    name: str
    occupations: pl.DataFrame
    skills: pl.DataFrame
    occupation_skills: pl.DataFrame
    version: str = ""
    _cache: dict[str, object] = field(default_factory=dict, repr=False, compare=False)

    @classmethod
    def build(
        cls,
        name: str,
        occupations: pl.DataFrame,
        skills: pl.DataFrame,
        occupation_skills: pl.DataFrame,
        version: str = "",
    ) -> Taxonomy:
        """Coerce frames to the canonical schema and check they fit together."""
        tax = cls(
            name=name,
            occupations=_conform(occupations, OCCUPATION_SCHEMA),
            skills=_conform(skills, SKILL_SCHEMA),
            occupation_skills=_conform(occupation_skills, RELATION_SCHEMA).unique(maintain_order=True),
            version=version,
        )
        tax.validate()
        return tax

    def validate(self) -> Taxonomy:
        for frame, key, what in (
            (self.occupations, C.OCCUPATION_ID, "occupation"),
            (self.skills, C.SKILL_ID, "skill"),
        ):
            dupes = frame.filter(pl.col(key).is_duplicated())[key].unique().to_list()
            if dupes:
                raise TaxonomyError(f"{self.name}: duplicate {what} ids: {sorted(dupes)[:5]}")
            if frame[key].null_count():
                raise TaxonomyError(f"{self.name}: {what} without id")
            no_label = frame.filter(pl.col(C.LABEL_DA).is_null() & pl.col(C.LABEL_EN).is_null())
            if no_label.height:
                raise TaxonomyError(f"{self.name}: {what}s without any label: {no_label[key].to_list()[:5]}")
        rel = self.occupation_skills
        bad_rel = rel.filter(~pl.col(C.RELATION).is_in([C.ESSENTIAL, C.OPTIONAL]))
        if bad_rel.height:
            raise TaxonomyError(
                f"{self.name}: unknown relation types {bad_rel[C.RELATION].unique().to_list()}"
            )
        for key, frame, what in (
            (C.OCCUPATION_ID, self.occupations, "occupation"),
            (C.SKILL_ID, self.skills, "skill"),
        ):
            dangling = rel.join(frame.select(key), on=key, how="anti")
            if dangling.height:
                raise TaxonomyError(
                    f"{self.name}: {dangling.height} occupation-skill links name unknown {what} ids, "
                    f"e.g. {dangling[key].head(3).to_list()}"
                )
        return self

    # --- lookups -------------------------------------------------------------------------------

    @cached_property
    def occupation_ids(self) -> list[str]:
        return self.occupations[C.OCCUPATION_ID].to_list()

    @cached_property
    def skill_ids(self) -> list[str]:
        return self.skills[C.SKILL_ID].to_list()

    @cached_property
    def _labels(self) -> dict[str, tuple[str | None, str | None]]:
        out: dict[str, tuple[str | None, str | None]] = {}
        for frame, key in ((self.occupations, C.OCCUPATION_ID), (self.skills, C.SKILL_ID)):
            for row in frame.select(key, C.LABEL_DA, C.LABEL_EN).iter_rows():
                out[row[0]] = (row[1], row[2])
        return out

    def label(self, concept_id: str, lang: Lang = "da") -> str:
        """Label in the wanted language, falling back to the other one (ESCO skills lack Danish labels)."""
        da, en = self._labels[concept_id]
        first, second = (da, en) if lang == "da" else (en, da)
        return first or second or concept_id

    @cached_property
    def _skills_by_occupation(self) -> dict[tuple[str, str], list[str]]:
        out: dict[tuple[str, str], list[str]] = {}
        for occ, skill, relation in self.occupation_skills.iter_rows():
            out.setdefault((occ, relation), []).append(skill)
        return out

    def skills_of(self, occupation_id: str, relation: str = C.ESSENTIAL) -> list[str]:
        """Skill ids linked to an occupation with the given relation (essential or optional)."""
        if occupation_id not in self._labels:
            raise KeyError(f"unknown occupation id {occupation_id!r} in taxonomy {self.name!r}")
        return list(self._skills_by_occupation.get((occupation_id, relation), []))

    def summary(self) -> dict[str, int]:
        rel = self.occupation_skills
        return {
            "occupations": self.occupations.height,
            "skills": self.skills.height,
            "occupation_skill_relations": rel.height,
            "essential_relations": rel.filter(pl.col(C.RELATION) == C.ESSENTIAL).height,
            "optional_relations": rel.filter(pl.col(C.RELATION) == C.OPTIONAL).height,
            "occupations_with_danish_label": self.occupations[C.LABEL_DA].drop_nulls().len(),
            "skills_with_danish_label": self.skills[C.LABEL_DA].drop_nulls().len(),
        }


def _conform(frame: pl.DataFrame, schema: dict[str, pl.DataType]) -> pl.DataFrame:
    """Select and cast to the canonical columns, adding absent optional columns as nulls."""
    exprs = []
    for name, dtype in schema.items():
        if name in frame.columns:
            exprs.append(pl.col(name).cast(dtype))
        else:
            exprs.append(pl.lit(None, dtype=dtype).alias(name))
    out = frame.select(exprs)
    if C.SYNONYMS in out.columns:
        out = out.with_columns(pl.col(C.SYNONYMS).fill_null(pl.lit([], dtype=pl.List(pl.String()))))
    return out


BUILTIN_RESOURCE = "builtin_da.json"


def load_builtin() -> Taxonomy:
    """The built-in Danish catalogue written for this project (the embedded default)."""
    raw = json.loads(resources.files("data").joinpath("catalogue", BUILTIN_RESOURCE).read_text("utf-8"))
    skills = pl.DataFrame(
        [
            {
                C.SKILL_ID: s["id"],
                C.LABEL_DA: s["da"],
                C.LABEL_EN: s["en"],
                C.SYNONYMS: s.get("synonyms_da", []),
                C.SKILL_TYPE: s.get("type", "skill"),
            }
            for s in raw["skills"]
        ],
        schema=SKILL_SCHEMA,
    )
    occupations = pl.DataFrame(
        [
            {
                C.OCCUPATION_ID: o["id"],
                C.LABEL_DA: o["da"],
                C.LABEL_EN: o["en"],
                C.SYNONYMS: o.get("synonyms_da", []),
                C.ISCO_CODE: o["isco"],
                C.SECTOR: o["sector"],
                C.ISCED_MIN: o.get("isced_min"),
            }
            for o in raw["occupations"]
        ],
        schema=OCCUPATION_SCHEMA,
    )
    relations = pl.DataFrame(
        [
            {C.OCCUPATION_ID: o["id"], C.SKILL_ID: s, C.RELATION: rel}
            for o in raw["occupations"]
            for rel in (C.ESSENTIAL, C.OPTIONAL)
            for s in o.get(rel, [])
        ],
        schema=RELATION_SCHEMA,
    )
    return Taxonomy.build("builtin", occupations, skills, relations, version=str(raw.get("version", "")))
