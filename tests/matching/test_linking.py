"""TitleLinker on the built-in catalogue: titles to occupations, skills in free text, writers, trained encoder."""

from __future__ import annotations

import io
import itertools
import json

import numpy as np
import polars as pl
import pytest
import scipy.sparse as sp

from core.errors import NotFittedError
from data import columns as C
from data.taxonomy import Taxonomy, load_builtin
from embeddings.lexical import CharNgramEncoder
from matching.linking import (
    LINK_SCHEMA,
    SKILL_LINK_SCHEMA,
    TitleLinker,
    candidate_windows,
    label_groups,
    make_linker,
    normalise_text,
    read_titles,
    train_label_encoder,
    write_links,
)


@pytest.fixture(scope="module")
def taxonomy() -> Taxonomy:
    return load_builtin()


@pytest.fixture(scope="module")
def linker(taxonomy: Taxonomy) -> TitleLinker:
    return TitleLinker(taxonomy, None, lexical_weight=1.0).fit()


@pytest.fixture(scope="module")
def char_linker(taxonomy: Taxonomy) -> TitleLinker:
    """Lexical + an (unfitted, so fitted on the catalogue's labels) char-LSA encoder, soft max pooling."""
    return TitleLinker(
        taxonomy, CharNgramEncoder(dim=64), lexical_weight=0.7, aggregate="lse", index_skills=False
    ).fit()


CASES = [
    ("Social- og sundhedshjælper", "dk.o.sosu_hjaelper"),  # exact Danish preferred label
    ("kassedame", "dk.o.kassemedarbejder"),  # Danish synonym
    ("SOSU hjælper", "dk.o.sosu_hjaelper"),  # synonym with other punctuation
    ("sygeplejeske", "dk.o.sygeplejerske"),  # misspelling
    ("elektrikker", "dk.o.elektriker"),  # misspelling
    ("buschauför", "dk.o.buschauffoer"),  # misspelling
    ("tømrerlærling", "dk.o.toemrer"),  # compound not in the catalogue
    ("Warehouse worker", "dk.o.lagerarbejder"),  # English label
    ("forklift driver", "dk.o.truckfoerer"),  # English label, lower case
    ("Heavy truck driver", "dk.o.lastbilchauffoer"),
]


@pytest.mark.parametrize(("title", "expected"), CASES)
def test_titles_link_to_the_right_occupation_at_rank_one(
    linker: TitleLinker, title: str, expected: str
) -> None:
    top = linker.link([title], k=3)
    assert top[C.OCCUPATION_ID][0] == expected
    assert top["rank"].to_list() == [1, 2, 3]


@pytest.mark.parametrize(("title", "expected"), CASES)
def test_fusion_with_char_lsa_agrees(char_linker: TitleLinker, title: str, expected: str) -> None:
    assert char_linker.link([title], k=1)[C.OCCUPATION_ID][0] == expected


def test_link_frame_shape_and_order(linker: TitleLinker, taxonomy: Taxonomy) -> None:
    titles = ["tømrer", "murer", "kassedame"]
    out = linker.link(titles, k=4)
    assert out.columns == ["query", "rank", "occupation_id", "label", "score", "matched_label", "named_skill"]
    assert dict(out.schema) == LINK_SCHEMA
    assert out.height == 12
    assert out["query"].to_list() == [t for t in titles for _ in range(4)]
    for _, group in out.group_by("query", maintain_order=True):
        assert group["rank"].to_list() == [1, 2, 3, 4]
        scores = group["score"].to_numpy()
        assert np.all(np.diff(scores) <= 1e-6)
        assert group["occupation_id"].n_unique() == 4
    # Danish label (falls back to English only where a Danish one is missing)
    first = out.row(0, named=True)
    assert first["label"] == taxonomy.label(first["occupation_id"], "da")


def test_k_is_capped_at_the_number_of_occupations(linker: TitleLinker, taxonomy: Taxonomy) -> None:
    out = linker.link(["tømrer"], k=10_000)
    assert out.height == taxonomy.occupations.height
    assert out["occupation_id"].n_unique() == taxonomy.occupations.height


def test_score_matrix_matches_link(linker: TitleLinker) -> None:
    titles = ["lagermedarbejder", "bus driver"]
    scores = linker.score_matrix(titles)
    assert scores.shape == (2, len(linker.occupation_ids))
    top = linker.link(titles, k=1)
    assert top["occupation_id"].to_list() == [linker.occupation_ids[i] for i in scores.argmax(axis=1)]
    assert np.allclose(top["score"].to_numpy(), scores.max(axis=1))


def test_batches_give_the_same_result(taxonomy: Taxonomy, linker: TitleLinker) -> None:
    small = TitleLinker(taxonomy, None, lexical_weight=1.0, batch_size=1).fit()
    titles = ["tømrer", "kassedame", "forklift driver", "social og sundhedsassistent", ""]
    one, many = small.link(titles, k=5), linker.link(titles, k=5)
    # BLAS may pick another kernel for another number of rows: scores agree to float32 rounding, not bit for bit
    assert one.drop("score").equals(many.drop("score"))
    assert np.allclose(one["score"].to_numpy(), many["score"].to_numpy(), rtol=0, atol=1e-6)


def test_empty_input_gives_an_empty_frame(linker: TitleLinker) -> None:
    out = linker.link([], k=10)
    assert out.height == 0
    assert dict(out.schema) == LINK_SCHEMA


def test_bad_arguments(linker: TitleLinker, taxonomy: Taxonomy) -> None:
    with pytest.raises(TypeError):
        linker.link("tømrer")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="k must be"):
        linker.link(["tømrer"], k=0)
    with pytest.raises(ValueError, match="lexical_weight"):
        TitleLinker(taxonomy, None, lexical_weight=1.5).fit()
    with pytest.raises(ValueError, match="field"):
        TitleLinker(taxonomy, None, field_weights={"title": 2.0}).fit()
    with pytest.raises(ValueError, match="aggregate"):
        TitleLinker(taxonomy, None, aggregate="mean").fit()  # type: ignore[arg-type]


def test_unfitted_linker_raises_a_clear_error(taxonomy: Taxonomy) -> None:
    unfitted = TitleLinker(taxonomy)
    with pytest.raises(NotFittedError, match="call fit"):
        unfitted.link(["tømrer"])
    with pytest.raises(NotFittedError, match="call fit"):
        unfitted.link_skills("truckcertifikat")
    with pytest.raises(NotFittedError):
        unfitted.score_matrix(["tømrer"])


def test_fit_returns_self_and_sets_fitted_state(taxonomy: Taxonomy) -> None:
    linker = TitleLinker(taxonomy, None)
    assert linker.fit() is linker
    assert len(linker.occupation_index_.ids) == taxonomy.occupations.height
    assert linker.skill_index_ is not None


def test_english_label_weight_lowers_english_matches(taxonomy: Taxonomy, linker: TitleLinker) -> None:
    weighted = TitleLinker(taxonomy, None, lexical_weight=1.0, field_weights={"label_en": 0.5}).fit()
    assert weighted.link(["Warehouse worker"], k=1)["score"][0] == pytest.approx(0.5, abs=1e-5)
    assert linker.link(["Warehouse worker"], k=1)["score"][0] == pytest.approx(1.0, abs=1e-5)


# --- skills ------------------------------------------------------------------------------------------


def test_skills_in_a_danish_sentence(linker: TitleLinker) -> None:
    text = (
        "Jeg har truckcertifikat og er vant til ordreplukning med håndscanner. Jeg har førstehjælpsbevis, "
        "er god til kundeservice og har erfaring med Excel."
    )
    found = linker.link_skills(text, k=10)
    assert dict(found.schema) == SKILL_LINK_SCHEMA
    ids = set(found[C.SKILL_ID].to_list())
    assert {
        "dk.s.truckcertifikat",
        "dk.s.ordreplukning",
        "dk.s.haandscanner",
        "dk.s.foerstehjaelp",
        "dk.s.kundeservice",
        "dk.s.excel",
    } <= ids
    for row in found.iter_rows(named=True):
        assert text[row["start"] : row["end"]] == row["span"]
    spans = sorted((r["start"], r["end"]) for r in found.iter_rows(named=True))
    assert all(a_end <= b_start for (_, a_end), (b_start, _) in itertools.pairwise(spans))
    assert found["score"].to_list() == sorted(found["score"].to_list(), reverse=True)


def test_skills_care_profile(linker: TitleLinker) -> None:
    text = "Erfaring med personlig pleje og forflytning; god til at samarbejde i team. Taler engelsk."
    ids = set(linker.link_skills(text)[C.SKILL_ID].to_list())
    assert {
        "dk.s.personlig_pleje",
        "dk.s.forflytning",
        "dk.s.samarbejde",
        "dk.s.engelsk_arbejdsniveau",
    } <= ids


def test_skills_k_threshold_and_empty_text(linker: TitleLinker) -> None:
    text = "truckcertifikat, kundeservice, ordreplukning og førstehjælp"
    assert linker.link_skills(text, k=2).height == 2
    assert linker.link_skills(text, threshold=1.01).height == 0
    assert linker.link_skills("", k=5).height == 0
    assert linker.link_skills("og i på til", k=5).height == 0
    assert linker.link_skills("Vi har en hyggelig frokostordning.", k=5).height == 0


def test_link_skills_needs_a_skill_index(taxonomy: Taxonomy) -> None:
    no_skills = TitleLinker(taxonomy, None, index_skills=False).fit()
    with pytest.raises(NotFittedError, match="skill index"):
        no_skills.link_skills("truckcertifikat")


def test_candidate_windows_stay_inside_punctuation() -> None:
    text = "kørekort, truck og lager. Pleje"
    phrases = {text[s:e] for s, e in candidate_windows(text, max_window=3)}
    assert {"kørekort", "truck", "lager", "truck og lager", "Pleje"} <= phrases
    assert not any("," in p or "." in p for p in phrases)
    assert "og lager" not in phrases and "truck og" not in phrases


def test_normalise_text() -> None:
    assert normalise_text("  SOSU-Hjælper (fastansat) ") == "sosu hjælper fastansat"


# --- writers -----------------------------------------------------------------------------------------


def test_write_csv_and_jsonl(linker: TitleLinker, tmp_path) -> None:
    frame = linker.link(["tømrer", "=HYPERLINK(1)"], k=2)
    csv_path = tmp_path / "out" / "links.csv"
    write_links(frame, csv_path, fmt="csv")
    lines = csv_path.read_text(encoding="utf-8").splitlines()
    assert lines[0] == "query,rank,occupation_id,label,score,matched_label,named_skill"
    assert len(lines) == 1 + frame.height
    assert lines[1].startswith("tømrer,1,dk.o.toemrer,Tømrer,")
    assert any(line.startswith("'=HYPERLINK(1),") for line in lines)  # formula guard
    back = pl.read_csv(csv_path)
    assert back.height == frame.height

    jsonl_path = tmp_path / "links.jsonl"
    write_links(frame, jsonl_path, fmt="jsonl")
    records = [json.loads(line) for line in jsonl_path.read_text(encoding="utf-8").splitlines()]
    assert len(records) == frame.height
    assert list(records[0]) == [
        "query",
        "rank",
        "occupation_id",
        "label",
        "score",
        "matched_label",
        "named_skill",
    ]
    assert records[0]["query"] == "tømrer" and records[0]["rank"] == 1
    assert records[0]["occupation_id"] == "dk.o.toemrer"


def test_write_to_stdout_and_stream(linker: TitleLinker, capsys: pytest.CaptureFixture[str]) -> None:
    frame = linker.link(["murer"], k=1)
    write_links(frame, None, fmt="jsonl")
    out = capsys.readouterr().out
    assert json.loads(out.strip())["occupation_id"] == "dk.o.murer"
    write_links(frame, "-", fmt="csv")
    assert capsys.readouterr().out.startswith(
        "query,rank,occupation_id,label,score,matched_label,named_skill\nmurer,1,dk.o.murer,"
    )
    buf = io.StringIO()
    write_links(linker.link([], k=1), buf, fmt="csv")
    assert buf.getvalue().strip() == "query,rank,occupation_id,label,score,matched_label,named_skill"
    with pytest.raises(ValueError, match="format"):
        write_links(frame, buf, fmt="xml")  # type: ignore[arg-type]


def test_read_titles(tmp_path) -> None:
    path = tmp_path / "titles.txt"
    path.write_text("\ufefftømrer\n\n  kassedame \n", encoding="utf-8")
    assert read_titles(path) == ["tømrer", "kassedame"]
    assert read_titles(io.StringIO("murer\r\nmaler\n")) == ["murer", "maler"]


# --- the trained label encoder ------------------------------------------------------------------------


def _pair_cosines(encoder: CharNgramEncoder, taxonomy: Taxonomy) -> tuple[float, float]:
    """Mean cosine of Danish vs English label of the same occupation, and of different occupations."""
    occ = taxonomy.occupations
    da = encoder.encode([normalise_text(t) for t in occ[C.LABEL_DA]])
    en = encoder.encode([normalise_text(t) for t in occ[C.LABEL_EN]])
    sims = da @ en.T
    same = float(np.diag(sims).mean())
    other = float((sims.sum() - np.trace(sims)) / (sims.size - len(sims)))
    return same, other


def test_trained_encoder_pulls_labels_of_one_concept_together(taxonomy: Taxonomy) -> None:
    groups = label_groups(taxonomy)
    base = CharNgramEncoder(dim=32).fit([normalise_text(t) for g in groups for p in g for t in p], seed=0)
    trained = train_label_encoder(groups, base=base, epochs=6, seed=0)
    again = train_label_encoder(groups, base=base, epochs=6, seed=0)
    assert trained.dim == 32 and trained.model_id != base.model_id
    assert trained.model_id == again.model_id  # deterministic for a seed
    same_before, other_before = _pair_cosines(base, taxonomy)
    same_after, other_after = _pair_cosines(trained, taxonomy)
    assert same_after - other_after > same_before - other_before + 0.1
    linker = TitleLinker(taxonomy, trained, lexical_weight=0.0, aggregate="lse", index_skills=False).fit()
    assert linker.link(["Shop assistant"], k=1)[C.OCCUPATION_ID][0] == "dk.o.butiksassistent"


def test_train_label_encoder_rejects_too_little_material() -> None:
    with pytest.raises(ValueError):
        train_label_encoder([(["tømrer"], [])])


def test_make_linker_lexical_and_cached_trained(taxonomy: Taxonomy, tmp_path, monkeypatch) -> None:
    lexical = make_linker(taxonomy, "lexical", index_skills=False)
    assert (
        lexical.encoder is None
        and lexical.link(["kassedame"], k=1)[C.OCCUPATION_ID][0] == "dk.o.kassemedarbejder"
    )

    from matching.linking import encoder as label_encoder

    real = label_encoder.train_label_encoder
    calls: list[int] = []

    def small(groups, **kwargs):  # the default settings take too long for a unit test
        calls.append(1)
        base = CharNgramEncoder(dim=16).fit([normalise_text(t) for g in groups for p in g for t in p])
        return real(groups, base=base, epochs=2)

    monkeypatch.setattr(label_encoder, "train_label_encoder", small)
    first = make_linker(taxonomy, "trained", model_dir=tmp_path, index_skills=False)
    assert len(list(tmp_path.glob("label-encoder/builtin/v*/encoder.npz"))) == 1
    second = make_linker(taxonomy, "trained", model_dir=tmp_path, index_skills=False)
    assert calls == [1]  # the second one loaded the cached encoder
    assert first.encoder is not None and second.encoder is not None
    assert first.encoder.model_id == second.encoder.model_id
    assert first.link(["tømrer"], k=3).equals(second.link(["tømrer"], k=3))
    with pytest.raises(ValueError, match="unknown linker method"):
        make_linker(taxonomy, "magic")  # type: ignore[arg-type]


def test_hard_batches_hold_concepts_the_encoder_places_near_each_other() -> None:
    """Anchors from two families of n-grams: after ordering, every batch of four is of one family."""
    from matching.linking.encoder import _similar_first

    rng = np.random.default_rng(0)
    family = np.repeat([0, 1], 8)
    cols = family * 10 + rng.integers(0, 3, size=16)  # family 0 uses n-grams 0-2, family 1 uses 10-12
    features = sp.csr_matrix((np.ones(16), (np.arange(16), cols)), shape=(16, 20))
    weights = np.zeros((20, 2), dtype=np.float32)
    weights[:10, 0] = 1.0  # the encoder maps each family to its own direction
    weights[10:, 1] = 1.0
    anchors = rng.permutation(16)
    order = _similar_first(features, weights, anchors, batch_size=4, rng=rng)
    assert sorted(order.tolist()) == list(range(16))  # a permutation of the pairs
    batches = family[anchors[order]].reshape(4, 4)
    assert all(len(set(batch.tolist())) == 1 for batch in batches)
    random_batches = family[anchors].reshape(4, 4)
    assert not all(len(set(batch.tolist())) == 1 for batch in random_batches)  # the test can fail
