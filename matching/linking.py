"""Link free-text job titles to taxonomy occupations, and find taxonomy skills mentioned in free text.

Every occupation is represented by several *label texts* (Danish preferred label, synonyms, English label;
a label with a parenthesis also without it), each scored on its own against the query. An occupation's
score pools its texts: ``max`` (best text) or ``lse`` (temperature-scaled log-sum-exp, a soft maximum in
which further matching labels add a little).

A text score fuses two cosines, ``lexical_weight * lexical + (1 - lexical_weight) * dense``:

- *lexical*: hashed char n-gram TF-IDF (:func:`embeddings.lexical.char_ngram_tfidf`, IDF fitted on the
  taxonomy's label texts): robust to Danish compounds, inflection and misspellings;
- *dense*: any :class:`~embeddings.base.Encoder`. :func:`train_label_encoder` trains the project's own
  cross-lingual one: the char n-gram LSA (:class:`CharNgramEncoder`) fine-tuned contrastively so that labels
  of the same concept (Danish preferred label, English labels, synonyms) land close together.
  :func:`make_linker` builds the benchmarked default (see ``evaluation/linking.py``).

All scoring is matrix products over query batches; pooling per occupation is one ``np.*.reduceat`` over
label texts grouped by occupation (no Python loop over occupations).
"""

from __future__ import annotations

import hashlib
import io
import logging
import re
import sys
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Literal, TextIO

import numpy as np
import polars as pl
import scipy.sparse as sp

from core.errors import NotFittedError
from data import columns as C
from data.taxonomy import Taxonomy
from embeddings.base import Encoder
from embeddings.lexical import CharNgramEncoder, char_ngram_tfidf, fit_idf

log = logging.getLogger(__name__)

# Output columns (link frames); occupation_id / skill_id come from data.columns.
QUERY = "query"
RANK = "rank"
LABEL = "label"
SCORE = "score"
SPAN = "span"
START = "start"
END = "end"

LINK_SCHEMA: dict[str, pl.DataType] = {
    QUERY: pl.String(),
    RANK: pl.Int32(),
    C.OCCUPATION_ID: pl.String(),
    LABEL: pl.String(),
    SCORE: pl.Float32(),
}
SKILL_LINK_SCHEMA: dict[str, pl.DataType] = {
    C.SKILL_ID: pl.String(),
    LABEL: pl.String(),
    SCORE: pl.Float32(),
    SPAN: pl.String(),
    START: pl.Int32(),
    END: pl.Int32(),
}

Aggregate = Literal["max", "lse"]
LinkFormat = Literal["csv", "jsonl"]
LinkerMethod = Literal["trained", "lexical", "char", "minilm"]
FIELDS = ("label_da", "synonym", "label_en")

# The default chosen on the benchmark's dev split (evaluation/linking.py; report in artefacts/reports/linking).
DEFAULT_LEXICAL_WEIGHT = 0.0
DEFAULT_AGGREGATE: Aggregate = "lse"
DEFAULT_TEMPERATURE = 0.05

# Function words a skill mention never starts or ends with (Danish and English).
_STOPWORDS_DA = (
    "og eller i på til med af for at en et den det de der som er var har have kan skal vil jeg du han hun vi "
    "man min mit mine sin sit sine om fra ved under over efter før inden hos samt også ikke meget god godt "
    "gode erfaring erfaren kendskab arbejde arbejdet"
)
_STOPWORDS_EN = (
    "and or in on to with of for at a an the is are was have has can will i you we my as by from also not "
    "very good experience"
)
STOPWORDS = frozenset(f"{_STOPWORDS_DA} {_STOPWORDS_EN}".split())
_TOKEN = re.compile(r"[^\W_]+(?:[-'/][^\W_]+)*")
_BREAK = re.compile(r"[.;:!?()\[\]\n,]")
_PAREN = re.compile(r"\s*\([^)]*\)")
_NON_WORD = re.compile(r"[\W_]+")
# Char n-gram features this frequent among label texts are scored as a small dense block (BLAS) and the
# rest as a sparse product: the same cosine, several times faster than one sparse product.
_DENSE_FEATURES = 256
_CELLS_PER_BATCH = 2**24  # queries x label texts per scoring batch (64 MiB of float32)


def normalise_text(text: str) -> str:
    """Lower case; punctuation and hyphens to single spaces (``SOSU-hjælper`` -> ``sosu hjælper``)."""
    return _NON_WORD.sub(" ", text.lower()).strip()


def label_variants(label: str) -> list[str]:
    """The label, and the label without its parenthesis if it has one (``Excel (regneark)`` -> ``Excel``)."""
    label = label.strip()
    short = _PAREN.sub(" ", label).strip()
    return [label, short] if short and short != label else [label]


# --- label index -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class LabelIndex:
    """Label texts of one concept table, grouped contiguously by concept, with their vectors.

    Texts ``starts[j]`` up to ``starts[j + 1]`` belong to concept ``j``; ``owner[t]`` is the concept of text t.
    """

    ids: list[str]
    display: list[str]
    texts: list[str]  # normalised label texts
    owner: np.ndarray
    field_weight: np.ndarray  # float32 per text
    starts: np.ndarray
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


def concept_texts(
    frame: pl.DataFrame, key: str, field_weights: dict[str, float]
) -> tuple[list[str], list[str], list[str], np.ndarray, np.ndarray]:
    """Per concept: display label (Danish, else English) and its unique normalised texts with field weights."""
    ids: list[str] = []
    display: list[str] = []
    texts: list[str] = []
    owner: list[int] = []
    weights: list[float] = []
    for cid, da, en, syns in frame.select(key, C.LABEL_DA, C.LABEL_EN, C.SYNONYMS).iter_rows():
        row = len(ids)
        ids.append(cid)
        display.append(da or en or cid)
        seen: set[str] = set()
        for fld, values in (("label_da", [da]), ("synonym", syns or []), ("label_en", [en])):
            for value in values:
                for variant in label_variants(value) if value else []:
                    norm = normalise_text(variant)
                    if norm and norm not in seen:
                        seen.add(norm)
                        texts.append(norm)
                        owner.append(row)
                        weights.append(field_weights.get(fld, 1.0))
        if not seen:  # labels made only of punctuation: index the id so every concept has a text
            texts.append(normalise_text(cid) or cid)
            owner.append(row)
            weights.append(1.0)
    return ids, display, texts, np.asarray(owner, dtype=np.int64), np.asarray(weights, dtype=np.float32)


def taxonomy_texts(taxonomy: Taxonomy, *, skills: bool = True) -> list[str]:
    """All normalised label texts of a taxonomy's occupations (and skills), as the linker indexes them."""
    texts = concept_texts(taxonomy.occupations, C.OCCUPATION_ID, {})[2]
    if skills:
        texts += concept_texts(taxonomy.skills, C.SKILL_ID, {})[2]
    return texts


def build_label_index(
    frame: pl.DataFrame,
    key: str,
    encoder: Encoder | None,
    field_weights: dict[str, float] | None = None,
    *,
    batch_size: int = 256,
    progress: bool = False,
) -> LabelIndex:
    """Texts, lexical TF-IDF (IDF fitted on these texts) and dense vectors of a taxonomy table."""
    ids, display, texts, owner, weights = concept_texts(frame, key, field_weights or {})
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
    return LabelIndex(
        ids=ids,
        display=display,
        texts=texts,
        owner=owner,
        field_weight=weights,
        starts=starts,
        idf=idf,
        common=common,
        lexical_common=np.ascontiguousarray(lexical[:, common].toarray().T, dtype=np.float32),
        lexical_rare_t=sp.csr_matrix(rare.T),
        dense=dense,
    )


# --- the linker ------------------------------------------------------------------------------------


class TitleLinker:
    """Link job titles to the top-k occupations of a taxonomy; find skills mentioned in free text.

    ``encoder=None`` is lexical only. With an encoder, text scores are
    ``lexical_weight * lexical_cosine + (1 - lexical_weight) * dense_cosine``. An unfitted
    :class:`CharNgramEncoder` is fitted on the taxonomy's label texts in :meth:`fit`. ``lexical_weight``,
    ``aggregate`` and ``temperature`` are read at link time, so a fitted linker can be re-weighted.
    ``field_weights`` multiply text scores by field (``label_da``, ``synonym``, ``label_en``).
    ``index_skills`` also indexes skills for :meth:`link_skills`, lexical only by default
    (``skill_lexical_weight=1.0``: dense scores of short text windows are noisy).
    """

    def __init__(
        self,
        taxonomy: Taxonomy,
        encoder: Encoder | None = None,
        *,
        lexical_weight: float = 0.5,
        aggregate: Aggregate = "max",
        temperature: float = DEFAULT_TEMPERATURE,
        field_weights: dict[str, float] | None = None,
        index_skills: bool = True,
        skill_lexical_weight: float = 1.0,
        skill_threshold: float = 0.62,
        max_window: int = 5,
        batch_size: int = 256,
        progress: bool = False,
    ) -> None:
        self.taxonomy = taxonomy
        self.encoder = encoder
        self.lexical_weight = lexical_weight
        self.aggregate = aggregate
        self.temperature = temperature
        self.field_weights = dict(field_weights or {})
        self.index_skills = index_skills
        self.skill_lexical_weight = skill_lexical_weight
        self.skill_threshold = skill_threshold
        self.max_window = max_window
        self.batch_size = batch_size
        self.progress = progress

    def __repr__(self) -> str:
        enc = self.encoder.model_id if self.encoder is not None else None
        return (
            f"TitleLinker(taxonomy={self.taxonomy.name!r}, encoder={enc!r}, lexical_weight={self.lexical_weight}, "
            f"aggregate={self.aggregate!r}, fitted={hasattr(self, 'occupation_index_')})"
        )

    # --- fitting ---------------------------------------------------------------------------------

    def _check_params(self) -> None:
        for name in ("lexical_weight", "skill_lexical_weight"):
            if not 0.0 <= getattr(self, name) <= 1.0:
                raise ValueError(f"{name} must lie in [0, 1], not {getattr(self, name)}")
        if self.aggregate not in ("max", "lse"):
            raise ValueError(f"aggregate must be 'max' or 'lse', not {self.aggregate!r}")
        if self.temperature <= 0:
            raise ValueError("temperature must be positive")
        unknown = set(self.field_weights) - set(FIELDS)
        if unknown:
            raise ValueError(f"unknown field(s) in field_weights: {sorted(unknown)}; known: {FIELDS}")
        if self.max_window < 1 or self.batch_size < 1:
            raise ValueError("max_window and batch_size must be at least 1")

    def fit(self) -> TitleLinker:
        """Build the occupation (and skill) label indexes; returns ``self``."""
        self._check_params()
        if self.taxonomy.occupations.height == 0:
            raise ValueError(f"taxonomy {self.taxonomy.name!r} has no occupations")
        encoder = self.encoder
        if isinstance(encoder, CharNgramEncoder) and encoder.idf_ is None:
            encoder.fit(taxonomy_texts(self.taxonomy, skills=self.index_skills))
        self.occupation_index_ = build_label_index(
            self.taxonomy.occupations,
            C.OCCUPATION_ID,
            encoder,
            self.field_weights,
            batch_size=self.batch_size,
            progress=self.progress,
        )
        self.skill_index_: LabelIndex | None = None
        if self.index_skills and self.taxonomy.skills.height:
            self.skill_index_ = build_label_index(
                self.taxonomy.skills,
                C.SKILL_ID,
                encoder if self.skill_lexical_weight < 1.0 else None,
                batch_size=self.batch_size,
            )
        return self

    def _index(self) -> LabelIndex:
        index: LabelIndex | None = getattr(self, "occupation_index_", None)
        if index is None:
            raise NotFittedError("TitleLinker is not fitted: call fit() first")
        return index

    @property
    def occupation_ids(self) -> list[str]:
        """Occupation ids in the column order of :meth:`score_matrix`."""
        return list(self._index().ids)

    # --- scoring ---------------------------------------------------------------------------------

    def _dense_weight(self, weight: float) -> float:
        return 0.0 if self.encoder is None else 1.0 - weight

    def _text_scores(
        self, index: LabelIndex, queries: list[str], dense_q: np.ndarray | None, weight: float
    ) -> np.ndarray:
        """(n_queries, n_texts) fused cosines times field weights; ``queries`` are normalised."""
        dense_w = self._dense_weight(weight)
        scores: np.ndarray
        if dense_w < 1.0:
            scores = index.lexical_scores(queries)
        if dense_w > 0.0:
            if dense_q is None or index.dense is None:
                raise RuntimeError("dense scores requested but the index has no dense vectors")
            dense = np.asarray(dense_q @ index.dense.T, dtype=np.float32)
            if dense_w < 1.0:
                scores *= np.float32(1.0 - dense_w)
                dense *= np.float32(dense_w)
                scores += dense
            else:
                scores = dense
        if not np.all(index.field_weight == 1.0):
            scores *= index.field_weight
        return scores

    def _pool(self, index: LabelIndex, text_scores: np.ndarray) -> np.ndarray:
        """Per-occupation score from its texts' scores: max, or log-sum-exp at ``temperature``."""
        best = np.maximum.reduceat(text_scores, index.starts, axis=1)
        if self.aggregate == "max":
            return best
        tau = np.float32(self.temperature)
        expd = np.exp((text_scores - best[:, index.owner]) / tau)
        return best + tau * np.log(np.add.reduceat(expd, index.starts, axis=1))

    def _batches(self, titles: list[str]) -> Iterator[tuple[int, np.ndarray]]:
        """Occupation scores per batch of titles: ``(offset, (batch, n_occupations) float32)``."""
        index = self._index()
        self._check_params()  # the link-time parameters may have been changed after fit
        queries = [normalise_text(t) for t in titles]
        dense_all = None
        if self._dense_weight(self.lexical_weight) > 0 and self.encoder is not None:
            dense_all = self.encoder.encode(queries, kind="query", batch_size=self.batch_size)
        step = max(1, min(self.batch_size * 4, _CELLS_PER_BATCH // max(1, len(index.texts))))
        for lo in range(0, len(titles), step):
            dense_q = dense_all[lo : lo + step] if dense_all is not None else None
            text_scores = self._text_scores(index, queries[lo : lo + step], dense_q, self.lexical_weight)
            yield lo, self._pool(index, text_scores)

    def score_matrix(self, titles: Sequence[str]) -> np.ndarray:
        """Occupation scores, shape (len(titles), n_occupations), columns in :attr:`occupation_ids` order."""
        titles = _as_list(titles)
        out = np.zeros((len(titles), len(self._index().ids)), dtype=np.float32)
        for lo, block in self._batches(titles):
            out[lo : lo + len(block)] = block
        return out

    def link(self, titles: Sequence[str], k: int = 10) -> pl.DataFrame:
        """Top-``k`` occupations per title, best first: columns ``query, rank, occupation_id, label, score``."""
        index = self._index()
        titles = _as_list(titles)
        if k < 1:
            raise ValueError("k must be at least 1")
        if not titles:
            return pl.DataFrame(schema=LINK_SCHEMA)
        k = min(k, len(index.ids))
        ids, labels = np.asarray(index.ids, dtype=object), np.asarray(index.display, dtype=object)
        parts = []
        for lo, scores in self._batches(titles):
            top = _top_k(scores, k)
            n = len(top)
            parts.append(
                pl.DataFrame(
                    {
                        QUERY: np.repeat(np.asarray(titles[lo : lo + n], dtype=object), k).tolist(),
                        RANK: np.tile(np.arange(1, k + 1, dtype=np.int32), n),
                        C.OCCUPATION_ID: ids[top].ravel().tolist(),
                        LABEL: labels[top].ravel().tolist(),
                        SCORE: np.take_along_axis(scores, top, axis=1).ravel(),
                    },
                    schema=LINK_SCHEMA,
                )
            )
        return pl.concat(parts)

    # --- skills ----------------------------------------------------------------------------------

    def link_skills(self, text: str, k: int = 10, *, threshold: float | None = None) -> pl.DataFrame:
        """Skills mentioned in ``text``: columns ``skill_id, label, score, span, start, end``.

        Candidate phrases are windows of 1..``max_window`` words that do not cross punctuation and neither
        start nor end with a function word; each skill keeps its best window (max over its label texts).
        Skills scoring at least ``threshold`` (default ``skill_threshold``) are returned best first,
        greedily without overlapping spans, at most ``k``; ``start``/``end`` are character offsets.
        """
        self._index()
        if k < 1:
            raise ValueError("k must be at least 1")
        index = self.skill_index_
        if index is None:
            raise NotFittedError(
                "the linker has no skill index: fit with index_skills=True on a taxonomy with skills"
            )
        threshold = self.skill_threshold if threshold is None else threshold
        windows = candidate_windows(text, self.max_window)
        if not windows:
            return pl.DataFrame(schema=SKILL_LINK_SCHEMA)
        phrases = [normalise_text(text[s:e]) for s, e in windows]
        dense_q = None
        if self._dense_weight(self.skill_lexical_weight) > 0 and self.encoder is not None:
            dense_q = self.encoder.encode(phrases, kind="query", batch_size=self.batch_size)
        text_scores = self._text_scores(index, phrases, dense_q, self.skill_lexical_weight)
        per_skill = np.maximum.reduceat(text_scores, index.starts, axis=1)  # (n_windows, n_skills)
        best_window = per_skill.argmax(axis=0)
        best = per_skill[best_window, np.arange(per_skill.shape[1])]
        candidates = np.flatnonzero(best >= threshold)
        # best first; on equal scores the longer span (more specific mention) first
        span_len = np.array([e - s for s, e in windows])[best_window[candidates]]
        candidates = candidates[np.lexsort((-span_len, -best[candidates]))]
        rows: list[dict[str, object]] = []
        taken: list[tuple[int, int]] = []
        for j in candidates:
            if len(rows) >= k:
                break
            s, e = windows[best_window[j]]
            if any(s < te and ts < e for ts, te in taken):
                continue
            taken.append((s, e))
            rows.append(
                {C.SKILL_ID: index.ids[j], LABEL: index.display[j], SCORE: float(best[j]),
                 SPAN: text[s:e], START: s, END: e}
            )  # fmt: skip
        return pl.DataFrame(rows, schema=SKILL_LINK_SCHEMA)


def candidate_windows(text: str, max_window: int = 5) -> list[tuple[int, int]]:
    """Character spans of word windows (1..max_window words) inside punctuation-free stretches."""
    spans: list[tuple[int, int]] = []
    pos = 0
    for piece in _BREAK.split(text):
        tokens = [(m.start() + pos, m.end() + pos, m.group().lower()) for m in _TOKEN.finditer(piece)]
        pos += len(piece) + 1
        for i, (start, _, first) in enumerate(tokens):
            if first in STOPWORDS:
                continue
            for j in range(i, min(i + max_window, len(tokens))):
                if tokens[j][2] not in STOPWORDS:
                    spans.append((start, tokens[j][1]))
    return spans


def _top_k(scores: np.ndarray, k: int) -> np.ndarray:
    """Column indices of the k best scores per row, best first (ties by column order)."""
    if k >= scores.shape[1]:
        return np.argsort(-scores, axis=1, kind="stable")
    part = np.argpartition(-scores, k - 1, axis=1)[:, :k]
    order = np.argsort(-np.take_along_axis(scores, part, axis=1), axis=1, kind="stable")
    return np.take_along_axis(part, order, axis=1)


def _as_list(titles: Sequence[str]) -> list[str]:
    if isinstance(titles, str):
        raise TypeError("pass a list of titles, not one string")
    return [t if isinstance(t, str) else "" for t in titles]


# --- the project's own cross-lingual label encoder -----------------------------------------------------

LabelGroup = tuple[Sequence[str], Sequence[str]]


def label_groups(taxonomy: Taxonomy, *, skills: bool = False) -> list[LabelGroup]:
    """Training groups from a taxonomy: ``([Danish preferred label], [English label, *synonyms])`` per concept."""
    frames = [(taxonomy.occupations, C.OCCUPATION_ID)] + ([(taxonomy.skills, C.SKILL_ID)] if skills else [])
    groups: list[LabelGroup] = []
    for frame, _key in frames:
        for da, en, syns in frame.select(C.LABEL_DA, C.LABEL_EN, C.SYNONYMS).iter_rows():
            groups.append(([da] if da else [], [x for x in (en, *(syns or [])) if x]))
    return groups


def train_label_encoder(
    groups: Sequence[LabelGroup],
    *,
    base: CharNgramEncoder | None = None,
    dim: int = 256,
    epochs: int = 40,
    batch_size: int = 128,
    lr: float = 3e-3,
    scale: float = 20.0,
    primary_prob: float = 0.4,
    seed: int = 0,
    progress: Callable[[int, float], None] | None = None,
) -> CharNgramEncoder:
    """Fine-tune a char n-gram LSA encoder so that labels of the same concept are neighbours.

    ``groups`` holds one ``(primary, other)`` pair of label lists per concept (e.g. Danish preferred label;
    English and other labels). Each epoch draws one pair of labels per concept (the anchor from ``primary``
    with probability ``primary_prob``) and minimises a symmetric in-batch contrastive loss (InfoNCE at
    ``scale``) with Adam, updating only the projection rows of n-grams in the batch. The projection starts
    from the LSA of all group texts (or ``base``), and the result is a :class:`CharNgramEncoder` (same
    ``save``/``load``). Deterministic for a seed; needs no download and no GPU.
    """
    rng = np.random.default_rng(seed)
    texts = sorted({normalise_text(t) for g in groups for part in g for t in part if t and normalise_text(t)})
    if len(texts) < 2:
        raise ValueError("train_label_encoder needs at least two label texts")
    if base is None:
        base = CharNgramEncoder(dim=dim).fit(texts, seed=seed)
    if base.idf_ is None or base.components_ is None:
        raise NotFittedError("base encoder is not fitted")
    text_id = {t: i for i, t in enumerate(texts)}
    features = char_ngram_tfidf(texts, base.idf_).tocsr()
    concepts: list[tuple[np.ndarray, np.ndarray]] = []
    for primary, other in groups:
        p = sorted({text_id[norm] for t in primary if t and (norm := normalise_text(t))})
        o = sorted({text_id[norm] for t in other if t and (norm := normalise_text(t))} - set(p))
        if len(p) + len(o) >= 2:
            concepts.append((np.asarray(p, dtype=np.int64), np.asarray(p + o, dtype=np.int64)))
    if len(concepts) < 2:
        raise ValueError("train_label_encoder needs at least two concepts with two or more labels")

    weights = np.ascontiguousarray(base.components_.T, dtype=np.float32)  # (N_FEATURES, dim)
    m1, m2 = np.zeros_like(weights), np.zeros_like(weights)
    beta1, beta2, eps, step = 0.9, 0.999, 1e-8, 0
    for epoch in range(epochs):
        pairs = np.empty((len(concepts), 2), dtype=np.int64)
        for c, (primary_ids, all_ids) in enumerate(concepts):
            use_primary = len(primary_ids) > 0 and rng.random() < primary_prob
            anchor = rng.choice(primary_ids) if use_primary else rng.choice(all_ids)
            pairs[c] = anchor, rng.choice(all_ids[all_ids != anchor])
        pairs = pairs[rng.permutation(len(pairs))]
        total = 0.0
        for lo in range(0, len(pairs), batch_size):
            batch = pairs[lo : lo + batch_size]
            n = len(batch)
            if n < 2:
                continue
            x = features[np.concatenate([batch[:, 0], batch[:, 1]])]
            cols, inverse = np.unique(x.indices, return_inverse=True)
            xs = sp.csr_matrix((x.data, inverse.ravel(), x.indptr), shape=(2 * n, len(cols)))
            w = weights[cols]
            z = np.asarray(xs @ w, dtype=np.float32)
            norms = np.linalg.norm(z, axis=1, keepdims=True) + 1e-12
            e = z / norms
            a, b = e[:n], e[n:]
            logits = scale * (a @ b.T)
            p_row = np.exp(logits - logits.max(axis=1, keepdims=True))
            p_row /= p_row.sum(axis=1, keepdims=True)
            p_col = np.exp(logits - logits.max(axis=0, keepdims=True))
            p_col /= p_col.sum(axis=0, keepdims=True)
            diag = np.arange(n)
            total += float(-(np.log(p_row[diag, diag] + 1e-12) + np.log(p_col[diag, diag] + 1e-12)).sum() / 2)
            d_logits = p_row + p_col
            d_logits[diag, diag] -= 2.0
            d_logits /= 2 * n
            d_e = np.vstack([scale * d_logits @ b, scale * d_logits.T @ a])
            d_z = (d_e - e * (d_e * e).sum(axis=1, keepdims=True)) / norms
            grad = np.asarray(xs.T @ d_z, dtype=np.float32)
            step += 1
            g1, g2 = m1[cols], m2[cols]
            g1 *= beta1
            g1 += (1 - beta1) * grad
            grad *= grad
            g2 *= beta2
            g2 += (1 - beta2) * grad
            m1[cols], m2[cols] = g1, g2
            step_size = lr * np.sqrt(1 - beta2**step) / (1 - beta1**step)
            np.sqrt(g2, out=g2)
            g2 += eps
            g1 /= g2
            g1 *= step_size
            w -= g1
            weights[cols] = w
        if progress is not None:
            progress(epoch, total / max(1, len(pairs)))
    encoder = CharNgramEncoder(dim=weights.shape[1])
    encoder._set(base.idf_, np.ascontiguousarray(weights.T))
    return encoder


def taxonomy_fingerprint(taxonomy: Taxonomy) -> str:
    """Short hash of the taxonomy's occupation labels (keys cached trained encoders)."""
    h = hashlib.sha256(f"{taxonomy.name}|{taxonomy.version}".encode())
    for row in taxonomy.occupations.select(C.OCCUPATION_ID, C.LABEL_DA, C.LABEL_EN, C.SYNONYMS).iter_rows():
        h.update(repr(row).encode())
    return h.hexdigest()[:12]


def make_linker(
    taxonomy: Taxonomy,
    method: LinkerMethod = "trained",
    *,
    model_dir: Path | None = None,
    index_skills: bool = True,
    progress: bool = False,
) -> TitleLinker:
    """A fitted linker. ``trained`` (default) is the benchmark's winner: the cross-lingual label encoder
    trained on this taxonomy (cached in ``model_dir`` per taxonomy fingerprint), soft max over labels.
    ``lexical``: char TF-IDF only; ``char``: lexical + untrained char-LSA; ``minilm``: lexical + MiniLM.
    """
    if method == "lexical":
        return TitleLinker(taxonomy, None, lexical_weight=1.0, index_skills=index_skills).fit()
    if method == "char":
        return TitleLinker(taxonomy, CharNgramEncoder(), lexical_weight=0.7, index_skills=index_skills).fit()
    if method == "minilm":
        from embeddings.sentence import bundled_minilm

        return TitleLinker(
            taxonomy, bundled_minilm(), lexical_weight=0.7, index_skills=index_skills, progress=progress
        ).fit()
    if method != "trained":
        raise ValueError(f"unknown linker method {method!r}")
    path = (
        model_dir / f"label-encoder-{taxonomy.name}-{taxonomy_fingerprint(taxonomy)}.npz"
        if model_dir
        else None
    )
    if path is not None and path.exists():
        encoder = CharNgramEncoder.load(path)
    else:
        report = (
            (lambda epoch, loss: log.info("label encoder epoch %d loss %.3f", epoch, loss))
            if progress
            else None
        )
        encoder = train_label_encoder(label_groups(taxonomy), progress=report)
        if path is not None:
            encoder.save(path)
    return TitleLinker(
        taxonomy,
        encoder,
        lexical_weight=DEFAULT_LEXICAL_WEIGHT,
        aggregate=DEFAULT_AGGREGATE,
        temperature=DEFAULT_TEMPERATURE,
        index_skills=index_skills,
    ).fit()


# --- input / output ------------------------------------------------------------------------------------


def read_titles(path: str | Path | TextIO) -> list[str]:
    """Titles from a UTF-8 text file (or a text stream, or stdin for ``"-"``), one per line; blanks skipped."""
    if isinstance(path, str | Path):
        text = sys.stdin.read() if str(path) == "-" else Path(path).read_text(encoding="utf-8-sig")
    else:
        text = path.read()
    lines = text.removeprefix("\ufeff").splitlines()
    return [line.strip() for line in lines if line.strip()]


def write_links(
    frame: pl.DataFrame, path_or_stdout: str | Path | TextIO | None = None, fmt: LinkFormat = "csv"
) -> None:
    """Write a link frame as CSV (formula-guarded) or JSON lines to a path, a text stream, or stdout
    (``None`` or ``"-"``)."""
    if fmt not in ("csv", "jsonl"):
        raise ValueError(f"format must be 'csv' or 'jsonl', not {fmt!r}")
    if fmt == "csv":
        from data.export import guard_formulas

        payload = guard_formulas(frame).write_csv()
    else:
        buf = io.StringIO()
        frame.write_ndjson(buf)
        payload = buf.getvalue()
        if payload and not payload.endswith("\n"):
            payload += "\n"
    if path_or_stdout is None or (isinstance(path_or_stdout, str) and path_or_stdout == "-"):
        sys.stdout.write(payload)
    elif isinstance(path_or_stdout, str | Path):
        target = Path(path_or_stdout)
        target.parent.mkdir(parents=True, exist_ok=True)
        tmp = target.with_name(f".{target.name}.tmp")
        tmp.write_text(payload, encoding="utf-8")
        tmp.replace(target)
    else:
        path_or_stdout.write(payload)
