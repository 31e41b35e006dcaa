"""The label index: every concept's label texts, grouped by concept, with lexical and dense vectors.

Each concept (occupation or skill) contributes its Danish preferred label, synonyms, English label and
usage labels (an occupation's Danish everyday titles from the built-in catalogue, :mod:`usage`), each also
without a parenthesis. Texts ``starts[j]`` up to ``starts[j + 1]`` belong to concept ``j``; scoring is
matrix products over all texts and pooling one ``reduceat`` per concept (no Python loop over concepts).
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

import numpy as np
import polars as pl
import scipy.sparse as sp

from data import columns as C
from data.taxonomy import Taxonomy
from embeddings.base import Encoder
from embeddings.lexical import char_ngram_tfidf, fit_idf
from matching.linking.heads import HeadWords
from matching.linking.text import label_variants, normalise_text

FIELDS = ("label_da", "synonym", "label_en", "usage", "usage_synonym")
# Label types, best first on an exact tie: a preferred label (Danish or English), a Danish everyday title
# from the built-in catalogue (:mod:`matching.linking.usage`), a synonym.
PREFERRED, USAGE, OTHER = 0, 1, 2
USAGE_COLUMN = "usage_da"  # optional list columns of an occupations frame: its usage labels (titles)
USAGE_SYNONYM_COLUMN = "usage_synonyms_da"  # ... and the catalogue's synonyms for it
# Char n-gram features this frequent among label texts are scored as a small dense block (BLAS) and the
# rest as a sparse product: the same cosine, several times faster than one sparse product.
_DENSE_FEATURES = 256


@dataclass(frozen=True)
class LabelIndex:
    """Label texts of one concept table, grouped contiguously by concept, with their vectors."""

    ids: list[str]
    display: list[str]  # the concept's label shown to users (Danish, else English)
    texts: list[str]  # normalised label texts
    raw: list[str]  # each text as written in the taxonomy (shown as the matched label)
    owner: np.ndarray
    field_weight: np.ndarray  # float32 per text
    starts: np.ndarray
    exact: dict[str, list[tuple[int, int]]]  # normalised text -> (concept, label type), best type first
    heads: np.ndarray  # head-word id per text (-1: none), see :class:`HeadWords`
    head_words: HeadWords
    texts_by_head: list[np.ndarray]  # head-word id -> the texts with that head
    idf: np.ndarray
    common: np.ndarray  # the most frequent n-gram features, scored densely
    lexical_common: np.ndarray  # (len(common), n_texts) float32
    lexical_rare_t: sp.csr_matrix  # (N_FEATURES, n_texts), the other features
    dense: np.ndarray | None  # (n_texts, dim) or None

    def lexical_scores(self, queries: Sequence[str]) -> np.ndarray:
        """(len(queries), n_texts) char n-gram TF-IDF cosines of normalised queries."""
        q = char_ngram_tfidf(list(queries), self.idf)
        out = np.asarray((q @ self.lexical_rare_t).toarray(), dtype=np.float32)
        out += q[:, self.common].toarray() @ self.lexical_common
        return out


def _label_texts(frame: pl.DataFrame, key: str) -> Iterator[tuple[int, str, str, str, str]]:
    """``(concept row, concept id, field, raw text, normalised text)`` per unique text of each concept."""

    def column(name: str) -> list[list[str] | None]:
        return frame[name].to_list() if name in frame.columns else [None] * frame.height

    usage = zip(column(USAGE_COLUMN), column(USAGE_SYNONYM_COLUMN), strict=True)
    for row, ((cid, da, en, syns), (use, use_syns)) in enumerate(
        zip(frame.select(key, C.LABEL_DA, C.LABEL_EN, C.SYNONYMS).iter_rows(), usage, strict=True)
    ):
        seen: set[str] = set()
        fields = (
            ("label_da", [da]),
            ("synonym", syns or []),
            ("label_en", [en]),
            ("usage", use or []),
            ("usage_synonym", use_syns or []),
        )
        for fld, values in fields:
            for value in values:
                for variant in label_variants(value) if value else []:
                    norm = normalise_text(variant)
                    if norm and norm not in seen:
                        seen.add(norm)
                        yield row, cid, fld, variant, norm
        if not seen:  # labels made only of punctuation: index the id so every concept has a text
            yield row, cid, "label_da", cid, normalise_text(cid) or cid


def concept_texts(
    frame: pl.DataFrame, key: str, field_weights: dict[str, float]
) -> tuple[list[str], list[str], list[str], np.ndarray, np.ndarray]:
    """Per concept: display label (Danish, else English) and its unique normalised texts with field weights."""
    ids = frame[key].to_list()
    display = [da or en or cid for cid, da, en in frame.select(key, C.LABEL_DA, C.LABEL_EN).iter_rows()]
    rows = list(_label_texts(frame, key))
    texts = [r[4] for r in rows]
    owner = np.asarray([r[0] for r in rows], dtype=np.int64)
    weights = np.asarray([field_weights.get(r[2], 1.0) for r in rows], dtype=np.float32)
    return ids, display, texts, owner, weights


def taxonomy_texts(taxonomy: Taxonomy, *, skills: bool = True) -> list[str]:
    """All normalised label texts of a taxonomy's occupations (and skills), as the linker indexes them."""
    texts = concept_texts(taxonomy.occupations, C.OCCUPATION_ID, {})[2]
    if skills:
        texts += concept_texts(taxonomy.skills, C.SKILL_ID, {})[2]
    return texts


def _usage_pairs(frame: pl.DataFrame) -> set[tuple[int, str]]:
    """(concept row, normalised text) of every usage label, also those another field already carries."""
    if USAGE_COLUMN not in frame.columns:
        return set()
    return {
        (row, normalise_text(variant))
        for row, titles in enumerate(frame[USAGE_COLUMN].to_list())
        for title in titles or []
        for variant in label_variants(title)
    }


def _exact_table(
    rows: list[tuple[int, str, str, str, str]], weights: np.ndarray, usage: set[tuple[int, str]]
) -> dict[str, list[tuple[int, int]]]:
    """Normalised text -> the concepts that carry it, preferred labels first; down-weighted fields left out,
    except usage labels (their weight only scales what they add to similarity). A synonym that is also a
    usage label of the same concept ranks as usage (the text is indexed once, as the synonym)."""
    table: dict[str, list[tuple[int, int]]] = {}
    for (row, _, fld, _, norm), weight in zip(rows, weights, strict=True):
        if weight >= 1.0 or fld.startswith("usage"):
            kind = {"synonym": OTHER, "usage": USAGE, "usage_synonym": OTHER}.get(fld, PREFERRED)
            if kind == OTHER and (row, norm) in usage:
                kind = USAGE
            table.setdefault(norm, []).append((row, kind))
    for entries in table.values():
        entries.sort(key=lambda e: (e[1], e[0]))
    return table


def build_label_index(
    frame: pl.DataFrame,
    key: str,
    encoder: Encoder | None,
    field_weights: dict[str, float] | None = None,
    *,
    batch_size: int = 256,
    progress: bool = False,
) -> LabelIndex:
    """Texts, lexical TF-IDF (IDF fitted on these texts), head words and dense vectors of a taxonomy table."""
    ids, display, texts, owner, weights = concept_texts(frame, key, field_weights or {})
    rows = list(_label_texts(frame, key))
    idf = fit_idf(texts)
    lexical = char_ngram_tfidf(texts, idf)
    df = np.bincount(lexical.indices, minlength=lexical.shape[1])
    common = np.sort(np.argsort(-df, kind="stable")[: min(_DENSE_FEATURES, int((df > 0).sum()))])
    rare = lexical.copy()
    rare.data[np.isin(rare.indices, common)] = 0.0
    rare.eliminate_zeros()
    dense = (
        encoder.encode(texts, kind="passage", batch_size=batch_size, progress=progress)
        if encoder is not None
        else None
    )
    starts = np.flatnonzero(np.r_[True, owner[1:] != owner[:-1]]).astype(np.int64)
    if len(starts) != len(ids):
        raise RuntimeError("label index: every concept needs at least one label text")
    head_words = HeadWords.learn(texts)
    heads = head_words.ids(texts)
    order = np.argsort(heads, kind="stable")
    bounds = np.searchsorted(heads[order], np.arange(len(head_words.words) + 1))
    return LabelIndex(
        ids=ids,
        display=display,
        texts=texts,
        raw=[r[3] for r in rows],
        owner=owner,
        field_weight=weights,
        starts=starts,
        exact=_exact_table(rows, weights, _usage_pairs(frame)),
        heads=heads,
        head_words=head_words,
        texts_by_head=[order[a:b] for a, b in itertools.pairwise(bounds)],
        idf=idf,
        common=common,
        lexical_common=np.ascontiguousarray(lexical[:, common].toarray().T, dtype=np.float32),
        lexical_rare_t=sp.csr_matrix(rare.T),
        dense=dense,
    )
