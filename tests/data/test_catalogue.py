"""The built-in Danish catalogue is large, well-formed and spread over every sector."""

from __future__ import annotations

import json
import re
from importlib import resources

import polars as pl
import pytest

from data import columns as C
from data.taxonomy import BUILTIN_RESOURCE, Taxonomy, load_builtin

SECTORS = {
    "care",
    "retail",
    "warehouse_transport",
    "construction",
    "hospitality",
    "cleaning",
    "office",
    "it",
    "teaching",
    "health",
    "manufacturing",
    "service",
}
SKILL_TYPES = {"skill", "knowledge", "transversal"}
ISCED_LEVELS = {1, 2, 3, 4, 5, 6, 7, 8}
DANISH_LETTERS = r"[æøåÆØÅ]"


@pytest.fixture(scope="module")
def tax() -> Taxonomy:
    return load_builtin()


@pytest.fixture(scope="module")
def links(tax: Taxonomy) -> pl.DataFrame:
    return tax.occupation_skills


def test_loads_and_validates(tax: Taxonomy) -> None:
    assert tax.name == "builtin"
    assert tax.version
    assert tax.validate() is tax


def test_raw_file_is_utf8_with_danish_letters_written_directly() -> None:
    text = resources.files("data").joinpath("catalogue", BUILTIN_RESOURCE).read_text("utf-8")
    assert "\\u00" not in text  # æ, ø, å written as themselves, not escaped
    assert re.search(DANISH_LETTERS, text)
    json.loads(text)


def test_occupation_count_and_sector_spread(tax: Taxonomy) -> None:
    occ = tax.occupations
    assert occ.height >= 120
    assert set(occ[C.SECTOR].unique().to_list()) == SECTORS
    per_sector = occ.group_by(C.SECTOR).len()
    assert per_sector.filter(pl.col("len") < 4).height == 0, per_sector.sort("len")


def test_occupation_columns_are_filled(tax: Taxonomy) -> None:
    occ = tax.occupations
    for col in (C.OCCUPATION_ID, C.LABEL_DA, C.LABEL_EN, C.ISCO_CODE, C.SECTOR, C.ISCED_MIN):
        assert occ[col].null_count() == 0, col
    assert occ.filter(pl.col(C.LABEL_DA).str.strip_chars() == "").height == 0
    assert occ[C.OCCUPATION_ID].str.contains(r"^dk\.o\.[a-z0-9_]+$").all()
    assert occ[C.ISCED_MIN].is_in(list(ISCED_LEVELS)).all()
    assert occ.filter(~pl.col(C.SYNONYMS).list.len().is_between(1, 4)).height == 0


def test_isco_codes_are_four_digit_unit_groups(tax: Taxonomy) -> None:
    bad = tax.occupations.filter(~pl.col(C.ISCO_CODE).str.contains(r"^[1-9][0-9]{3}$"))
    assert bad.height == 0, bad.select(C.OCCUPATION_ID, C.ISCO_CODE)


def test_occupation_labels_are_unique(tax: Taxonomy) -> None:
    occ = tax.occupations
    for col in (C.LABEL_DA, C.LABEL_EN):
        dupes = occ.filter(pl.col(col).str.to_lowercase().is_duplicated())
        assert dupes.height == 0, dupes.select(C.OCCUPATION_ID, col)


def test_each_occupation_has_6_to_15_skills_with_essentials(tax: Taxonomy, links: pl.DataFrame) -> None:
    assert set(links[C.RELATION].unique().to_list()) <= {C.ESSENTIAL, C.OPTIONAL}
    counts = (
        tax.occupations.select(C.OCCUPATION_ID)
        .join(links, on=C.OCCUPATION_ID, how="left")
        .group_by(C.OCCUPATION_ID)
        .agg(
            pl.col(C.SKILL_ID).drop_nulls().n_unique().alias("n"),
            (pl.col(C.RELATION) == C.ESSENTIAL).sum().alias("n_essential"),
        )
    )
    bad = counts.filter((pl.col("n") < 6) | (pl.col("n") > 15) | (pl.col("n_essential") < 1))
    assert bad.height == 0, bad


def test_no_skill_is_both_essential_and_optional(links: pl.DataFrame) -> None:
    both = links.group_by(C.OCCUPATION_ID, C.SKILL_ID).len().filter(pl.col("len") > 1)
    assert both.height == 0, both


def test_skills_count_labels_and_types(tax: Taxonomy) -> None:
    skills = tax.skills
    assert skills[C.SKILL_ID].n_unique() >= 400
    assert skills[C.LABEL_DA].null_count() == 0
    assert skills.filter(pl.col(C.LABEL_DA).str.strip_chars() == "").height == 0
    assert skills[C.LABEL_EN].null_count() == 0
    assert skills[C.SKILL_ID].str.contains(r"^dk\.s\.[a-z0-9_]+$").all()
    assert set(skills[C.SKILL_TYPE].unique().to_list()) == SKILL_TYPES
    assert skills.filter(pl.col(C.SYNONYMS).list.len() > 3).height == 0
    assert skills.filter(pl.col(C.LABEL_DA).str.to_lowercase().is_duplicated()).height == 0


def test_every_skill_is_used(tax: Taxonomy, links: pl.DataFrame) -> None:
    unused = tax.skills.join(links.select(C.SKILL_ID).unique(), on=C.SKILL_ID, how="anti")
    assert unused.height == 0, unused[C.SKILL_ID].to_list()


def test_no_two_occupations_share_a_skill_set(links: pl.DataFrame) -> None:
    sets = links.group_by(C.OCCUPATION_ID).agg(pl.col(C.SKILL_ID).sort().str.join("|").alias("skill_set"))
    clashes = sets.filter(pl.col("skill_set").is_duplicated()).sort("skill_set")
    assert clashes.height == 0, clashes[C.OCCUPATION_ID].to_list()


def test_skills_transfer_across_sectors(tax: Taxonomy, links: pl.DataFrame) -> None:
    """Shared skills are what let the product suggest jobs in other industries."""
    sectors_per_skill = (
        links.join(tax.occupations.select(C.OCCUPATION_ID, C.SECTOR), on=C.OCCUPATION_ID)
        .group_by(C.SKILL_ID)
        .agg(pl.col(C.SECTOR).n_unique().alias("n_sectors"))
    )
    assert sectors_per_skill.filter(pl.col("n_sectors") >= 3).height >= 30
    shared = dict(sectors_per_skill.iter_rows())
    for skill in ("dk.s.kundeservice", "dk.s.koerekort_b", "dk.s.hygiejne", "dk.s.tunge_loeft"):
        assert shared[skill] >= 4, skill


def test_labels_are_danish(tax: Taxonomy) -> None:
    occ_da = tax.occupations.filter(pl.col(C.LABEL_DA).str.contains(DANISH_LETTERS)).height
    skill_da = tax.skills.filter(pl.col(C.LABEL_DA).str.contains(DANISH_LETTERS)).height
    assert occ_da >= 30
    assert skill_da >= 100
    labels = set(tax.occupations[C.LABEL_DA].to_list())
    assert {"Social- og sundhedshjælper", "Pædagog", "Lagerarbejder", "Rengøringsassistent"} <= labels
