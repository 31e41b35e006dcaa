"""Danish everyday titles from the built-in catalogue as usage labels of ESCO occupations (``Sagsbehandler``: a
municipal caseworker, not the insurance claims handler whose ESCO synonym it is)."""

from __future__ import annotations

from pathlib import Path

import polars as pl
import pytest

from data import columns as C
from data.taxonomy import Taxonomy, load_builtin
from evaluation.linking import strip_usage
from matching.linking.labels import OTHER, USAGE
from matching.linking.linker import TitleLinker
from matching.linking.usage import CatalogueUsage, catalogue_usage, read_concordance

SHARED_DATA = Path(__file__).resolve().parents[2].parent / "shared" / "data"
ESCO = SHARED_DATA / "esco-v1.1.1"
needs_esco = pytest.mark.skipif(
    not ESCO.is_dir(), reason=f"ESCO v1.1.1 is not in {SHARED_DATA} (../shared/data); skipping"
)

OCCUPATIONS = pl.DataFrame(
    {
        C.OCCUPATION_ID: ["o.claims", "o.social", "o.fare", "o.finance", "o.tolk"],
        C.LABEL_DA: [
            "Skadebehandler",
            "Socialsikringsmedarbejder",
            "Billetkontrollør",
            "Økonomichef",
            "Tolk",
        ],
        C.LABEL_EN: [
            "insurance claims handler",
            "social security officer",
            "passenger fare controller",
            "financial controller",
            "interpreter",
        ],
        C.SYNONYMS: [["sagsbehandler"], [], ["controller"], ["controller"], []],
    }
)
BUILTIN = load_builtin()
EMPTY = Taxonomy.build("usage-test", OCCUPATIONS, BUILTIN.skills.head(0), BUILTIN.occupation_skills.head(0))


def linker(titles: dict[str, list[str]] | None, synonyms: dict[str, list[str]] | None = None) -> TitleLinker:
    usage = CatalogueUsage(titles or {}, synonyms or {})
    return TitleLinker(EMPTY, None, lexical_weight=1.0, usage=usage, index_skills=False).fit()


def top(linker: TitleLinker, title: str) -> tuple[str, str]:
    row = linker.link([title], k=1).row(0, named=True)
    return row[C.OCCUPATION_ID], row["matched_label"]


def test_a_usage_label_outranks_another_occupations_synonym() -> None:
    assert top(linker(None), "Sagsbehandler")[0] == "o.claims"
    assert top(linker({"o.social": ["Sagsbehandler"]}), "Sagsbehandler") == ("o.social", "Sagsbehandler")
    # a job ad's form of it reaches the same occupation through the lexicon-checked guesses
    assert top(linker({"o.social": ["Sagsbehandler"]}), "Sagsbehandlere til jobcenter")[0] == "o.social"


def test_a_usage_label_does_not_outrank_a_preferred_label() -> None:
    assert top(linker({"o.social": ["Tolk"]}), "Tolk")[0] == "o.tolk"


def test_a_synonym_that_is_also_a_usage_label_ranks_as_usage() -> None:
    with_usage = linker({"o.finance": ["Controller"]})
    assert top(with_usage, "Controller")[0] == "o.finance"
    kinds = dict(with_usage._index().exact["controller"])
    assert kinds == {2: OTHER, 3: USAGE}  # rows of o.fare and o.finance
    assert top(linker({"o.fare": ["Controller"]}), "Controller")[0] == "o.fare"


def test_a_catalogue_synonym_ranks_level_with_the_taxonomys_own() -> None:
    # "controller" is a synonym of both; as the finance one's catalogue synonym it gains no rank, so the
    # tie is ordered by the occupations' own labels as without it
    plain, with_synonym = linker(None), linker(None, {"o.finance": ["Controller"]})
    assert top(with_synonym, "Controller")[0] == top(plain, "Controller")[0]
    assert dict(with_synonym._index().exact["controller"]) == {2: OTHER, 3: OTHER}
    # where no other occupation carries it, the catalogue synonym alone links the title
    assert top(linker(None, {"o.social": ["Ydelsesmedarbejder"]}), "Ydelsesmedarbejder")[0] == "o.social"


def test_usage_labels_add_no_similarity_by_default() -> None:
    index = linker({"o.social": ["Sagsbehandler"]})._index()
    usage_text = index.texts.index("sagsbehandler", int(index.starts[1]))
    assert index.field_weight[usage_text] == 0.0
    assert index.field_weight.sum() == len(index.field_weight) - 1  # every other label at full weight


def test_the_concordance_names_each_catalogue_occupation_once() -> None:
    concordance = read_concordance()
    catalogue = set(BUILTIN.occupation_ids)
    assert concordance.height >= 150
    assert concordance["builtin_occupation_id"].n_unique() == concordance.height
    assert set(concordance["builtin_occupation_id"]) <= catalogue
    assert not catalogue_usage(BUILTIN)  # the catalogue's own titles are already its labels


@needs_esco
def test_every_concordance_row_names_one_esco_occupation() -> None:
    from data.esco import load_esco

    esco = load_esco(ESCO)
    usage = catalogue_usage(esco)
    by_label = dict(
        zip(esco.occupations[C.LABEL_EN].str.strip_chars(), esco.occupations[C.OCCUPATION_ID], strict=True)
    )
    wanted = {by_label[en.strip()] for en in read_concordance()["esco_label_en"]}
    assert set(usage.titles) == wanted  # every row resolved (170 rows, some onto one occupation)
    assert usage.titles[by_label["social security officer"]] == ["Sagsbehandler"]
    assert "Controller" in usage.titles[by_label["financial controller"]]
    assert "butiksmedarbejder" in usage.synonyms[by_label["shop assistant"]]


def test_the_benchmark_strips_a_query_from_its_own_occupations_usage_only() -> None:
    queries = pl.DataFrame({C.OCCUPATION_ID: ["o.social"], "query": ["sagsbehandler"]})
    usage = CatalogueUsage(
        {"o.social": ["Sagsbehandler"], "o.claims": ["Sagsbehandler"]}, {"o.social": ["Ydelsesmedarbejder"]}
    )
    stripped = strip_usage(usage, queries)
    assert stripped.titles == {"o.social": [], "o.claims": ["Sagsbehandler"]}
    assert stripped.synonyms == {"o.social": ["Ydelsesmedarbejder"]}
