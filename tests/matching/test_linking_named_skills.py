"""Skills a title names break near-ties between occupations (``Python udvikler``: software, not building)."""

from __future__ import annotations

import numpy as np
import polars as pl
import pytest

from data import columns as C
from data.taxonomy import Taxonomy
from matching.linking.import_resolver import linker_resolver
from matching.linking.linker import CEILING, TitleLinker
from matching.linking.named_skills import named_skills, skill_terms

OCCUPATIONS = pl.DataFrame(
    {
        C.OCCUPATION_ID: ["o.bygherre", "o.software", "o.data", "o.hr", "o.kok"],
        C.LABEL_DA: ["Bygherre", "Softwareudvikler", "Dataanalytiker", "HR-konsulent", "Kok"],
        C.LABEL_EN: ["property developer", "software developer", "data analyst", "HR consultant", "cook"],
        C.SYNONYMS: [
            ["udvikler", "ejendomsudvikler"],
            ["programmør", "it-udvikler"],
            ["dataudvikler"],
            [],
            [],
        ],
    }
)
SKILLS = pl.DataFrame(
    {
        C.SKILL_ID: ["s.python", "s.hr", "s.budget"],
        C.LABEL_DA: [None, None, "Budgetlægning"],
        C.LABEL_EN: ["Python (computer programming)", "HR", "budgeting"],
        C.SYNONYMS: [[], [], []],
    }
)
USES = pl.DataFrame(
    {
        C.OCCUPATION_ID: ["o.software", "o.data", "o.data", "o.bygherre", "o.kok"],
        C.SKILL_ID: ["s.python", "s.python", "s.hr", "s.budget", "s.budget"],
        C.RELATION: ["essential", "optional", "optional", "essential", "optional"],
    }
)


@pytest.fixture(scope="module")
def taxonomy() -> Taxonomy:
    return Taxonomy.build("named-skills", OCCUPATIONS, SKILLS, USES)


def test_skill_terms_map_a_label_to_the_occupations_using_it(taxonomy: Taxonomy) -> None:
    ids = OCCUPATIONS[C.OCCUPATION_ID].to_list()
    texts = [
        "bygherre",
        "udvikler",
        "softwareudvikler",
        "it udvikler",
        "dataanalytiker",
        "hr konsulent",
        "kok",
    ]
    terms = skill_terms(taxonomy, ids, texts)
    assert terms["python"].tolist() == [1, 2]  # the parenthesis dropped; software and data
    assert terms["python computer programming"].tolist() == [1, 2]
    assert "hr" not in terms  # a word of an occupation label: the title's own match weighs it
    assert terms["budgetlægning"].tolist() == [0, 4]
    assert [(text, cols.tolist()) for text, cols in named_skills("Python udvikler", terms)] == [
        ("python", [1, 2])
    ]
    assert named_skills("Python", terms) == []  # the whole title: it names no occupation's skill
    assert named_skills("Tømrer", terms) == []


def test_a_named_skill_lifts_the_occupations_using_it_above_a_near_tie(taxonomy: Taxonomy) -> None:
    linker = TitleLinker(taxonomy, None, lexical_weight=1.0, aggregate="max", index_skills=False).fit()
    cols = {o: linker.occupation_ids.index(o) for o in ("o.bygherre", "o.software", "o.data")}
    linker.named_skills = False
    before = linker.score_matrix(["python udvikler"])[0]
    assert before.argmax() == cols["o.bygherre"]  # "udvikler" is the property developer's synonym
    linker.named_skills = True
    after = linker.score_matrix(["python udvikler"])[0]
    lifted = [c for c in (cols["o.software"], cols["o.data"]) if before[c] >= before.max() - 0.15]
    assert lifted, "the test needs an occupation using Python within the margin"
    assert after.argmax() in lifted
    assert np.all(after[lifted] > after[cols["o.bygherre"]])
    assert np.all(after[lifted] < CEILING)  # a lift is a tie-break, never an exact match's score
    # order among the lifted is their own order
    assert np.argsort(-after[lifted]).tolist() == np.argsort(-before[lifted]).tolist()
    # the link output names the skill behind a lift, and only there
    out = linker.link(["Python udvikler"], k=3)
    named = dict(zip(out[C.OCCUPATION_ID], out["named_skill"], strict=True))
    assert named[linker.occupation_ids[after.argmax()]] == "python"
    assert named["o.bygherre"] is None


def test_a_named_skill_never_overrules_an_exact_label(taxonomy: Taxonomy) -> None:
    linker = TitleLinker(taxonomy, None, lexical_weight=1.0, aggregate="max", index_skills=False).fit()
    top = linker.link(["Bygherre"], k=1).row(0, named=True)
    assert top[C.OCCUPATION_ID] == "o.bygherre" and top["score"] == 1.0


def test_the_import_report_carries_the_named_skill(taxonomy: Taxonomy) -> None:
    linker = TitleLinker(taxonomy, None, lexical_weight=1.0, aggregate="max", index_skills=False).fit()
    resolve = linker_resolver(lambda: linker, occupation_min=0.0)
    found = resolve("occupation", ["Python udvikler", "Bygherre"])
    assert found["Python udvikler"].concept_id in {"o.software", "o.data"}
    assert found["Python udvikler"].named_skill == "python"
    assert found["Bygherre"].named_skill is None


def test_a_skill_too_many_occupations_use_names_none(
    taxonomy: Taxonomy, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The limit is a share of the occupations (5 %), at least ``MIN_USERS_LIMIT``: at 1, a skill of two
    occupations no longer tells them apart from the rest."""
    ids = OCCUPATIONS[C.OCCUPATION_ID].to_list()
    assert "python" in skill_terms(taxonomy, ids, [])
    monkeypatch.setattr("matching.linking.named_skills.MIN_USERS_LIMIT", 1)
    assert "python" not in skill_terms(taxonomy, ids, [])
