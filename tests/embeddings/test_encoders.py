"""Encoders share one contract: batch in, unit float32 rows out, stable model id; plus the cache."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from core.errors import ArtefactError, NotFittedError
from data.store import Store
from data.taxonomy import load_builtin
from embeddings.base import Encoder
from embeddings.cache import encode_cached
from embeddings.lexical import CharNgramEncoder, FusionEncoder
from embeddings.ngrams import hashed_counts, vectoriser
from embeddings.sentence import bundled_minilm
from matching.build import taxonomy_corpus

TEXTS = ["Lagerarbejder med truckcertifikat", "Sygeplejerske i hjemmeplejen", "Kok i et travlt køkken"]


@pytest.fixture(scope="module")
def char() -> CharNgramEncoder:
    return CharNgramEncoder(dim=64).fit(taxonomy_corpus(load_builtin()))


@pytest.fixture(scope="module")
def minilm() -> Encoder:
    return bundled_minilm()


def _contract(encoder: Encoder) -> None:
    out = encoder.encode(TEXTS)
    assert out.shape == (3, encoder.dim) and out.dtype == np.float32
    np.testing.assert_allclose(np.linalg.norm(out, axis=1), 1.0, atol=1e-5)
    assert encoder.encode([]).shape == (0, encoder.dim)
    np.testing.assert_allclose(encoder.encode(TEXTS[:1])[0], out[0], atol=1e-5)  # batch-independent
    with pytest.raises(TypeError):
        encoder.encode("one string")  # type: ignore[arg-type]


def test_char_encoder_contract_and_danish_variants(char: CharNgramEncoder) -> None:
    _contract(char)
    a, b, c = char.encode(["sygeplejerske", "sygeplejersker", "tømrer"])
    assert a @ b > 0.8 > a @ c


@pytest.mark.minilm
def test_minilm_is_offline_and_meets_contract(minilm: Encoder) -> None:
    _contract(minilm)
    assert minilm.dim == 384 and minilm.model_id.startswith("st:all-MiniLM-L6-v2:torch:")
    cook, chef, nurse = minilm.encode(["cook in a restaurant", "chef", "registered nurse"])
    assert cook @ chef > cook @ nurse


@pytest.mark.minilm
def test_fusion_is_weighted_sum_of_cosines(char: CharNgramEncoder, minilm: Encoder) -> None:
    fusion = FusionEncoder([(minilm, 0.5), (char, 0.5)])
    _contract(fusion)
    f, m, c = fusion.encode(TEXTS), minilm.encode(TEXTS), char.encode(TEXTS)
    np.testing.assert_allclose(f @ f.T, 0.5 * (m @ m.T) + 0.5 * (c @ c.T), atol=1e-5)
    with pytest.raises(ValueError):
        FusionEncoder([(char, 0.0)])


def test_char_save_load_round_trip_and_checksum(char: CharNgramEncoder, tmp_path: Path) -> None:
    folder = char.save(tmp_path / "char")
    loaded = CharNgramEncoder.load(tmp_path / "char")
    assert loaded.model_id == char.model_id and loaded.config == char.config
    np.testing.assert_allclose(loaded.encode(TEXTS), char.encode(TEXTS), atol=1e-6)
    manifest = json.loads((folder / "manifest.json").read_text())
    assert manifest["kind"] == "char-ngram-encoder" and set(manifest["files"]) == {"encoder.npz"}
    with np.load(folder / "encoder.npz", allow_pickle=False) as data:  # plain arrays, no pickle
        assert set(data.files) == {"idf", "components"}
    arrays = folder / "encoder.npz"
    arrays.write_bytes(arrays.read_bytes()[:-100])
    with pytest.raises(ArtefactError, match=r"encoder\.npz fails its checksum") as info:
        CharNgramEncoder.load(tmp_path / "char")
    assert "`jobmatch build`" in str(info.value)
    with pytest.raises(ArtefactError, match="nothing built"):
        CharNgramEncoder.load(tmp_path / "absent")
    with pytest.raises(NotFittedError):
        CharNgramEncoder().encode(TEXTS)
    with pytest.raises(ValueError, match="at least two"):
        CharNgramEncoder().fit(["only one"])


def test_cache_encodes_only_what_changed(char: CharNgramEncoder, tmp_path: Path) -> None:
    with Store(tmp_path / "c.duckdb", read_only=False) as store:
        first, n1 = encode_cached(store, char, TEXTS)
        again, n2 = encode_cached(store, char, [*TEXTS, "Ny tekst om rengøring", TEXTS[0]])
        assert (n1, n2) == (3, 1)
        np.testing.assert_allclose(again[:3], first, atol=1e-6)
        np.testing.assert_allclose(again[4], first[0], atol=1e-6)
        assert store.count("embedding_cache") == 4
        _, n3 = encode_cached(store, char, TEXTS, kind="query")
        assert n3 == 3  # query and passage texts are cached apart


def test_char_svd_fits_a_large_corpus_on_a_sample_and_a_small_one_whole(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A corpus within ``svd_sample`` gives the very model it gave before the cap existed; a larger one is
    fitted on a sample (another basis) while the idf still counts every text; encoding in chunks changes no
    vector."""
    corpus = taxonomy_corpus(load_builtin())[:400]
    whole = CharNgramEncoder(dim=16).fit(corpus)
    assert CharNgramEncoder(dim=16, svd_sample=len(corpus)).fit(corpus).model_id == whole.model_id
    sampled = CharNgramEncoder(dim=16, svd_sample=100).fit(corpus)
    assert sampled.model_id != whole.model_id
    assert sampled.idf_ is not None and np.array_equal(sampled.idf_, whole.idf_)
    texts = corpus[:250]
    at_once = whole.encode(texts)
    monkeypatch.setattr("embeddings.lexical.ENCODE_CHUNK", 7)
    assert np.array_equal(whole.encode(texts), at_once)


def test_counts_per_distinct_word_are_exactly_the_vectorisers() -> None:
    """The per-word shortcut gives scikit-learn's char_wb hashing counts bit for bit: repeated words, case,
    runs of mixed whitespace, Danish letters, one-letter words, empty texts."""
    texts = [*taxonomy_corpus(load_builtin())[:300], "", "   ", "a", "Sygeplejerske SYGEPLEJERSKE sygeplejerske",
             "Ødegård\tkøkken\n\nmedhjælper  i  Århus", "İstanbul ǅemal straße ﬁ", "x y x"]  # fmt: skip
    expected = vectoriser().transform(texts).tocsr()
    expected.sum_duplicates()
    got = hashed_counts(texts)
    assert got.shape == expected.shape and got.dtype == expected.dtype
    for part in ("indptr", "indices", "data"):
        assert np.array_equal(getattr(got, part), getattr(expected, part)), part
    assert hashed_counts([]).shape == (0, expected.shape[1])
