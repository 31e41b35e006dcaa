"""The taxonomy abstraction refuses inconsistent tables and answers lookups."""

from __future__ import annotations

import polars as pl
import pytest

from core.errors import TaxonomyError
from data import columns as C
from data.taxonomy import Taxonomy, load_builtin


def _tiny(**overrides: pl.DataFrame) -> Taxonomy:
    frames = {
        "occupations": pl.DataFrame(
            {
                C.OCCUPATION_ID: ["o1", "o2"],
                C.LABEL_DA: ["Kok", None],
                C.LABEL_EN: ["Cook", "Baker"],
                C.ISCO_CODE: ["5120", "7512"],
            }
        ),
        "skills": pl.DataFrame(
            {C.SKILL_ID: ["s1", "s2"], C.LABEL_DA: ["Madlavning", None], C.LABEL_EN: ["Cooking", "Baking"]}
        ),
        "occupation_skills": pl.DataFrame(
            {
                C.OCCUPATION_ID: ["o1", "o1", "o2"],
                C.SKILL_ID: ["s1", "s2", "s2"],
                C.RELATION: ["essential", "optional", "essential"],
            }
        ),
    }
    frames.update(overrides)
    return Taxonomy.build("tiny", frames["occupations"], frames["skills"], frames["occupation_skills"])


def test_lookups_and_language_fallback() -> None:
    tax = _tiny()
    assert tax.skills_of("o1") == ["s1"]
    assert tax.skills_of("o1", C.OPTIONAL) == ["s2"]
    assert tax.label("o1") == "Kok"
    assert tax.label("o2") == "Baker"  # no Danish label: English
    assert tax.label("o1", "en") == "Cook"
    assert tax.occupations[C.SYNONYMS].to_list() == [[], []]
    with pytest.raises(KeyError, match="o9"):
        tax.skills_of("o9")


def test_duplicate_ids_are_refused() -> None:
    occ = pl.DataFrame({C.OCCUPATION_ID: ["o1", "o1"], C.LABEL_EN: ["a", "b"]})
    with pytest.raises(TaxonomyError, match="duplicate occupation ids"):
        _tiny(
            occupations=occ,
            occupation_skills=pl.DataFrame(
                schema={C.OCCUPATION_ID: pl.String, C.SKILL_ID: pl.String, C.RELATION: pl.String}
            ),
        )


def test_dangling_links_are_refused() -> None:
    rel = pl.DataFrame({C.OCCUPATION_ID: ["o1"], C.SKILL_ID: ["s404"], C.RELATION: ["essential"]})
    with pytest.raises(TaxonomyError, match="unknown skill ids"):
        _tiny(occupation_skills=rel)


def test_unknown_relation_is_refused() -> None:
    rel = pl.DataFrame({C.OCCUPATION_ID: ["o1"], C.SKILL_ID: ["s1"], C.RELATION: ["nice-to-have"]})
    with pytest.raises(TaxonomyError, match="unknown relation"):
        _tiny(occupation_skills=rel)


def test_builtin_summary_is_consistent() -> None:
    summary = load_builtin().summary()
    assert (
        summary["essential_relations"] + summary["optional_relations"]
        == summary["occupation_skill_relations"]
    )
    assert summary["occupations_with_danish_label"] == summary["occupations"]
