"""TitleLinker: free-text job titles -> the top-k occupations of a taxonomy, with the label that matched.

A label text's score fuses two cosines, ``lexical_weight * lexical + (1 - lexical_weight) * dense`` (hashed
char n-gram TF-IDF; any :class:`~embeddings.base.Encoder`, by default the project's trained cross-lingual
one), plus a small bonus where the text's head word is the query's (:mod:`matching.linking.heads`). An
occupation pools its texts' scores: ``max`` or ``lse`` (a soft maximum in which further matching labels add
a little). A title is also scored through its Danish rewrites (:mod:`matching.linking.danish`), each
weighted below 1, and keeps its best; a skill it names (``Java udvikler``) breaks near-ties
(:mod:`matching.linking.named_skills`), and compound guesses that are labels come last
(:mod:`matching.linking.compounds`).

Scores shown lie in [0, 1]: a title equal to an occupation's label scores 1.0 for a preferred label and
0.999 for a synonym (so a preferred label wins a shared label, whatever the number of other labels), and
every other score is the pooled score, kept below both by a smooth ceiling that preserves its order.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Literal

import numpy as np
import polars as pl

from core.errors import NotFittedError
from data import columns as C
from data.taxonomy import Taxonomy
from embeddings.base import Encoder
from embeddings.lexical import CharNgramEncoder
from matching.linking import compounds
from matching.linking.compounds import (
    alternative_guesses,
    field_guesses,
    head_guesses,
    joined_guesses,
    plural_guesses,
    setting_guesses,
    specialised_titles,
)
from matching.linking.danish import title_variants
from matching.linking.labels import (
    FIELDS,
    OTHER,
    PREFERRED,
    USAGE,
    LabelIndex,
    build_label_index,
    taxonomy_texts,
)
from matching.linking.named_skills import SKILL_MARGIN, named_skills, skill_terms
from matching.linking.text import as_title_list, candidate_windows, normalise_text
from matching.linking.usage import CatalogueUsage, with_usage_columns

# Output columns (link frames); occupation_id / skill_id come from data.columns.
QUERY = "query"
RANK = "rank"
LABEL = "label"
SCORE = "score"
MATCHED_LABEL = "matched_label"
NAMED_SKILL = "named_skill"
SPAN = "span"
START = "start"
END = "end"

LINK_SCHEMA: dict[str, pl.DataType] = {
    QUERY: pl.String(),
    RANK: pl.Int32(),
    C.OCCUPATION_ID: pl.String(),
    LABEL: pl.String(),
    SCORE: pl.Float32(),
    MATCHED_LABEL: pl.String(),
    NAMED_SKILL: pl.String(),
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
DEFAULT_TEMPERATURE = 0.05
EXACT_PREFERRED = 1.0  # a title equal to a preferred label
EXACT_USAGE = 0.9995  # ... to a Danish everyday title from the built-in catalogue (:mod:`usage`)
EXACT_OTHER = 0.999  # ... to a synonym only
EXACT_TIERS = {PREFERRED: EXACT_PREFERRED, USAGE: EXACT_USAGE, OTHER: EXACT_OTHER}
# Usage labels decide exact matches (and compound guesses that are labels) and add nothing to similarity:
# scored like other labels they gave their occupations more texts to pool over, which pulled the benchmark's
# unrelated queries toward them (test MRR 0.5752 without usage labels, 0.5715 with them scored, 0.5734 at 0).
USAGE_SIMILARITY = 0.0
TIE_SPAN = 1e-4  # occupations sharing the title as a label of one type are ordered within this (_exact_tiers)
CEILING = 0.998  # every other score stays below both
KNEE = 0.9  # pooled scores above this are bent smoothly towards the ceiling (order kept)
_CELLS_PER_BATCH = 2**24  # label-text scores per scoring batch (64 MiB of float32)


def bounded(pooled: np.ndarray) -> np.ndarray:
    """Pooled scores mapped into [0, CEILING]: unchanged up to KNEE, then a smooth, increasing bend."""
    out = np.clip(pooled, 0.0, None)
    high = out > KNEE
    span = 1.0 - KNEE
    out[high] = KNEE + span * (1.0 - np.exp(-(out[high] - KNEE) / span))
    bounded: np.ndarray = np.minimum(out, CEILING, out=out)
    return bounded


@dataclass
class _Block:
    """One batch of titles: occupation scores, and what is needed to name the label each score came from."""

    lo: int
    scores: np.ndarray  # (titles, occupations)
    row_scores: np.ndarray  # (rows, occupations): per title variant, weighted
    text_scores: np.ndarray  # (rows, label texts)
    first_row: np.ndarray  # (titles + 1,) row offsets of each title's variants
    lexicon: dict[tuple[int, int], str]  # (title in block, occupation) -> label text a compound guess hit
    skills: dict[tuple[int, int], str]  # (title in block, occupation) -> the named skill that lifted it


class TitleLinker:
    """Link job titles to the top-k occupations of a taxonomy; find skills mentioned in free text.

    ``encoder=None`` is lexical only; an unfitted :class:`CharNgramEncoder` is fitted on the taxonomy's
    label texts in :meth:`fit`. ``field_weights`` multiply text scores by field (``label_da``, ``synonym``,
    ``label_en``, ``usage``, ``usage_synonym``; the last two default to ``USAGE_SIMILARITY``). ``usage``
    (the built-in catalogue's Danish titles per occupation, :func:`matching.linking.usage.catalogue_usage`)
    adds those titles as labels.
    ``rewrite`` scores Danish rewrites of each title too; ``exact_first`` puts occupations
    carrying the title as a label first (preferred, then usage, then synonym); ``head_weight`` is the head-word bonus
    (a share of the distance to 1; off by default: it did not help on the benchmark's dev split);
    ``named_skills`` lets a skill the title names break near-ties (:mod:`matching.linking.named_skills`).
    Everything but ``encoder``, ``field_weights``, ``usage`` and ``index_skills`` is
    read at link time, so a fitted linker can be re-weighted. ``index_skills`` also indexes skills for
    :meth:`link_skills`, lexical only by default (dense scores of short text windows are noisy).
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
        usage: CatalogueUsage | None = None,
        rewrite: bool = True,
        exact_first: bool = True,
        head_weight: float = 0.0,
        named_skills: bool = True,
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
        self.field_weights = {
            "usage": USAGE_SIMILARITY,
            "usage_synonym": USAGE_SIMILARITY,
            **(field_weights or {}),
        }
        self.usage = usage or CatalogueUsage()
        self.rewrite = rewrite
        self.exact_first = exact_first
        self.head_weight = head_weight
        self.named_skills = named_skills
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
        for name in ("lexical_weight", "skill_lexical_weight", "head_weight"):
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
        occupations = self.taxonomy.occupations
        if self.usage:
            occupations = with_usage_columns(occupations, self.usage)
        self.occupation_index_ = build_label_index(
            occupations,
            C.OCCUPATION_ID,
            encoder,
            self.field_weights,
            batch_size=self.batch_size,
            progress=self.progress,
        )
        self.specialised_ = specialised_titles(self.occupation_index_.exact)
        self.skill_terms_ = skill_terms(
            self.taxonomy, self.occupation_index_.ids, self.occupation_index_.texts
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
        self,
        index: LabelIndex,
        queries: list[str],
        dense_q: np.ndarray | None,
        weight: float,
        heads: np.ndarray | None = None,
    ) -> np.ndarray:
        """(n_queries, n_texts) fused cosines, head-word bonus, times field weights; queries normalised."""
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
        if heads is not None and self.head_weight > 0:
            beta = np.float32(self.head_weight)
            for row, head in enumerate(heads):
                if head >= 0:
                    cols = index.texts_by_head[head]
                    scores[row, cols] += beta * (np.float32(1.0) - scores[row, cols])
        if not np.all(index.field_weight == 1.0):
            scores *= index.field_weight
        return scores

    def _pool(self, index: LabelIndex, text_scores: np.ndarray) -> np.ndarray:
        """Per-occupation score from its texts' scores: max, or log-sum-exp at ``temperature``.

        The log-sum-exp is stabilised by each row's overall maximum rather than each occupation's (one pass
        less): cosines lie in [-1, 1], so no term underflows in float32 above a temperature of 0.025.
        """
        tau = np.float32(self.temperature)
        if self.aggregate == "max" or tau < 0.025:
            best = np.maximum.reduceat(text_scores, index.starts, axis=1)
            if self.aggregate == "max":
                return best
            expd = np.subtract(text_scores, best[:, index.owner])
            expd *= np.float32(1.0) / tau
            np.exp(expd, out=expd)
            return best + tau * np.log(np.add.reduceat(expd, index.starts, axis=1))
        expd = text_scores * (np.float32(1.0) / tau)
        top = expd.max(axis=1, keepdims=True)
        expd -= top
        np.exp(expd, out=expd)
        pooled = np.log(np.add.reduceat(expd, index.starts, axis=1))
        pooled += top
        pooled *= tau
        return pooled

    def _variants(self, titles: list[str]) -> tuple[list[str], np.ndarray, np.ndarray]:
        """Scored rows: each title's normalised text, then its rewrites; their weights and row offsets."""
        rows: list[str] = []
        weights: list[float] = []
        first = [0]
        for title in titles:
            found = title_variants(title) if self.rewrite else []
            if not found or found[0][1] != 1.0:
                found = [(normalise_text(title), 1.0), *found]
            rows += [text for text, _ in found]
            weights += [w for _, w in found]
            first.append(len(rows))
        return rows, np.asarray(weights, dtype=np.float32), np.asarray(first, dtype=np.int64)

    def _guesses(
        self, title: str, rows: list[str], weights: np.ndarray, best: float
    ) -> list[tuple[str, float, str]]:
        """Compound guesses (:mod:`matching.linking.compounds`) that are labels: ``(text, weight, use)``.

        ``use`` is ``field`` (also a compound written apart, joined, and a title before its setting), ``head``
        (a title whose best score so far is below ``compounds.HEAD_GATE``) or ``tie`` (a head of a title above
        the gate: it may only break a near-tie, see :meth:`_apply_guesses`)."""
        if not self.rewrite:
            return []
        exact = self._index().exact
        out = [(text, weight, "field") for text, weight in field_guesses(title, exact.__contains__)]
        out += [(text, weight, "field") for text, weight in alternative_guesses(title, exact.__contains__)]
        out += [
            (text, weight, "field")
            for text, weight in setting_guesses(normalise_text(title), exact.__contains__, self.specialised_)
        ]
        use = "tie" if best >= compounds.HEAD_GATE else "head"

        def is_preferred(text: str) -> bool:
            return any(kind == PREFERRED for _, kind in exact.get(text, ()))

        for text, weight in zip(rows, weights, strict=True):
            out += [(guess, float(weight) * w, use) for guess, w in head_guesses(text, is_preferred)]
            out += [
                (guess, float(weight) * w, "field")
                for guess, w in [
                    *joined_guesses(text, exact.__contains__),
                    *plural_guesses(text, exact.__contains__),
                ]
            ]
        return out

    def _exact_tiers(self, index: LabelIndex, text: str, pooled: np.ndarray, text_scores: np.ndarray) -> None:
        """Occupations carrying ``text`` as a label get its tier; several in one tier are ordered by how well
        ``text`` matches each one's own (first, preferred) label: pooling over all labels would favour the
        occupation with the most labels (``lagermedarbejder``, a synonym of four: Lagerarbejder first)."""
        entries = index.exact.get(text, ())
        for kind, tier in EXACT_TIERS.items():
            occs = [occ for occ, k in entries if k == kind]
            if len(occs) == 1:
                pooled[occs[0]] = tier
            elif occs:
                own = text_scores[index.starts[occs]]
                pooled[occs] = tier - TIE_SPAN * (1.0 - np.clip(own, 0.0, 1.0))
        for occ, _ in entries:  # the label that matched is the equal one, also where its weight is 0 (usage)
            lo = int(index.starts[occ])
            hi = int(index.starts[occ + 1]) if occ + 1 < len(index.starts) else len(index.texts)
            text_scores[lo + index.texts[lo:hi].index(text)] = 1.0

    def _apply_guesses(
        self, titles: list[str], rows: list[str], weights: np.ndarray, first: np.ndarray, scores: np.ndarray
    ) -> dict[tuple[int, int], str]:
        """Raise the scores of occupations a compound guess names; returns the label text behind each raise.

        A head guess raises only an occupation whose *preferred* label the head is (a head that is merely
        some occupation's synonym is usually a generic word, ``chef`` or ``tekniker``), and only where the
        title already nearly matches it (within ``compounds.HEAD_MARGIN`` of the best): it breaks near-ties
        toward the compound's head and never overrules a clearly better match of the whole title. Above the
        gate a head only breaks a tie: an occupation within ``compounds.HEAD_TIE_MARGIN`` of the best goes
        just above it (``Natsygeplejerske``: Sygeplejerske, not the occupation carrying it as a synonym)."""
        index = self._index()
        margins = {"field": np.inf, "head": compounds.HEAD_MARGIN, "tie": compounds.HEAD_TIE_MARGIN}
        hits: dict[tuple[int, int], str] = {}
        for t, title in enumerate(titles):
            lo, hi = int(first[t]), int(first[t + 1])
            best = float(scores[t].max())
            for guess, weight, use in self._guesses(title, rows[lo:hi], weights[lo:hi], best):
                for occ, kind in index.exact[guess]:
                    if use != "field" and (kind != PREFERRED or scores[t, occ] < best - margins[use]):
                        continue
                    if use == "tie":
                        value = min(best + TIE_SPAN, EXACT_PREFERRED)
                    else:
                        value = weight * EXACT_TIERS[kind]
                        # occupations one guess names keep the order of their own scores, not a tie
                        value -= TIE_SPAN * (1.0 - min(float(scores[t, occ]), 1.0))
                    if value > scores[t, occ]:
                        scores[t, occ] = value
                        hits[(t, occ)] = guess
        return hits

    def _apply_named_skills(self, titles: list[str], scores: np.ndarray) -> dict[tuple[int, int], str]:
        """Occupations using a skill the title names (:mod:`matching.linking.named_skills`) and scoring within
        ``SKILL_MARGIN`` of the best go just above it, in their own order; not where the title is a label.
        Returns the skill text behind each lift (the first the title names that the occupation uses)."""
        lifted: dict[tuple[int, int], str] = {}
        for t, title in enumerate(titles):
            found = named_skills(title, self.skill_terms_)
            row = scores[t]
            best = float(row.max())
            if not found or best > CEILING:
                continue
            users = np.unique(np.concatenate([cols for _, cols in found]))
            near = users[row[users] >= best - SKILL_MARGIN]
            row[near] = best + TIE_SPAN * (1.0 - (best - row[near]) / SKILL_MARGIN)
            for text, cols in found:
                for occ in np.intersect1d(cols, near).tolist():
                    lifted.setdefault((t, occ), text)
        return lifted

    def _batches(self, titles: list[str]) -> Iterator[_Block]:
        """Occupation scores per batch of titles."""
        index = self._index()
        self._check_params()  # the link-time parameters may have been changed after fit
        rows, weights, first = self._variants(titles)
        dense_all = None
        if self._dense_weight(self.lexical_weight) > 0 and self.encoder is not None:
            dense_all = self.encoder.encode(rows, kind="query", batch_size=self.batch_size)
        heads_all = index.head_words.ids(rows) if self.head_weight > 0 else None
        max_rows = max(1, min(self.batch_size * 4, _CELLS_PER_BATCH // max(1, len(index.texts))))
        lo = 0
        while lo < len(titles):
            hi = lo + 1
            while hi < len(titles) and first[hi + 1] - first[lo] <= max_rows:
                hi += 1
            r0, r1 = int(first[lo]), int(first[hi])
            text_scores = self._text_scores(
                index,
                rows[r0:r1],
                None if dense_all is None else dense_all[r0:r1],
                self.lexical_weight,
                None if heads_all is None else heads_all[r0:r1],
            )
            row_scores = bounded(self._pool(index, text_scores))
            if self.exact_first:  # a title (or a rewrite of it) equal to a label: that occupation's tier
                for r in range(r0, r1):
                    self._exact_tiers(index, rows[r], row_scores[r - r0], text_scores[r - r0])
            row_scores *= weights[r0:r1, None]
            offsets = first[lo : hi + 1] - r0
            scores = np.maximum.reduceat(row_scores, offsets[:-1], axis=0)
            skills = (  # before the guesses: a label the title names outranks a skill it names
                self._apply_named_skills(titles[lo:hi], scores) if self.named_skills else {}
            )
            lexicon = (
                self._apply_guesses(titles[lo:hi], rows[r0:r1], weights[r0:r1], offsets, scores)
                if self.exact_first
                else {}
            )
            # where a guess raised an occupation further, the guess decided, not the skill
            decided = {key: text for key, text in skills.items() if key not in lexicon}
            yield _Block(lo, scores, row_scores, text_scores, offsets, lexicon, decided)
            lo = hi

    def score_matrix(self, titles: Sequence[str]) -> np.ndarray:
        """Occupation scores in [0, 1], shape (len(titles), n_occupations), in :attr:`occupation_ids` order."""
        titles = as_title_list(titles)
        unique, inverse = _unique(titles)
        out = np.zeros((len(unique), len(self._index().ids)), dtype=np.float32)
        for block in self._batches(unique):
            out[block.lo : block.lo + len(block.scores)] = block.scores
        per_title: np.ndarray = out[inverse]
        return per_title

    def link(self, titles: Sequence[str], k: int = 10) -> pl.DataFrame:
        """Top-``k`` occupations per title, best first.

        Columns ``query, rank, occupation_id, label, score, matched_label, named_skill``: ``label`` is the
        occupation's (Danish) label, ``matched_label`` the label text of it that matched the title best
        (through the title's best rewrite), ``score`` in [0, 1], ``named_skill`` the skill the title names that
        lifted the occupation among near-ties (null where none did). Repeated titles are scored once.
        """
        index = self._index()
        titles = as_title_list(titles)
        if k < 1:
            raise ValueError("k must be at least 1")
        if not titles:
            return pl.DataFrame(schema=LINK_SCHEMA)
        k = min(k, len(index.ids))
        unique, inverse = _unique(titles)
        top = np.zeros((len(unique), k), dtype=np.int64)
        scores = np.zeros((len(unique), k), dtype=np.float32)
        matched = np.zeros((len(unique), k), dtype=np.int64)
        skill = np.full((len(unique), k), None, dtype=object)
        for block in self._batches(unique):
            rows = slice(block.lo, block.lo + len(block.scores))
            top[rows] = _top_k(block.scores, k)
            scores[rows] = np.take_along_axis(block.scores, top[rows], axis=1)
            matched[rows] = _matched_texts(index, block, top[rows]).reshape(-1, k)
            for (t, occ), text in block.skills.items():
                skill[block.lo + t, top[block.lo + t] == occ] = text
        top, scores, matched, skill = top[inverse], scores[inverse], matched[inverse], skill[inverse]
        return pl.DataFrame(
            {
                QUERY: np.repeat(np.asarray(titles, dtype=object), k).tolist(),
                RANK: np.tile(np.arange(1, k + 1, dtype=np.int32), len(titles)),
                C.OCCUPATION_ID: np.asarray(index.ids, dtype=object)[top].ravel().tolist(),
                LABEL: np.asarray(index.display, dtype=object)[top].ravel().tolist(),
                SCORE: scores.ravel(),
                MATCHED_LABEL: np.asarray(index.raw, dtype=object)[matched].ravel().tolist(),
                NAMED_SKILL: skill.ravel().tolist(),
            },
            schema=LINK_SCHEMA,
        )

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


def _segment_argmax(values: np.ndarray, rows: np.ndarray, start: np.ndarray, stop: np.ndarray) -> np.ndarray:
    """For each entry i: ``start[i] + argmax(values[rows[i], start[i]:stop[i]])``, without a Python loop."""
    width = int((stop - start).max())
    cols = start[:, None] + np.arange(width)[None, :]
    inside = cols < stop[:, None]
    picked = values[rows[:, None], np.minimum(cols, values.shape[1] - 1)]
    picked = np.where(inside, picked, -np.inf)
    positions: np.ndarray = start + picked.argmax(axis=1)
    return positions


def _matched_texts(index: LabelIndex, block: _Block, top: np.ndarray) -> np.ndarray:
    """Label-text number behind each top-k score: the title's best variant row, then its best text."""
    n, k = top.shape
    occ = top.ravel()
    title = np.repeat(np.arange(n), k)
    row = _segment_argmax(block.row_scores.T, occ, block.first_row[title], block.first_row[title + 1])
    ends = np.r_[index.starts[1:], len(index.texts)]
    matched = _segment_argmax(block.text_scores, row, index.starts[occ], ends[occ]).reshape(n, k)
    for (t, o), guess in block.lexicon.items():  # raised by a compound guess: that label matched
        for j in np.flatnonzero(top[t] == o):
            lo, hi = int(index.starts[o]), int(ends[o])
            matched[t, j] = lo + index.texts[lo:hi].index(guess)
    return matched


def _unique(titles: list[str]) -> tuple[list[str], np.ndarray]:
    """Distinct titles in first-seen order, and each title's position among them."""
    position: dict[str, int] = {}
    inverse = np.fromiter(
        (position.setdefault(t, len(position)) for t in titles), dtype=np.int64, count=len(titles)
    )
    return list(position), inverse


def _top_k(scores: np.ndarray, k: int) -> np.ndarray:
    """Column indices of the k best scores per row, best first (ties by column order)."""
    if k >= scores.shape[1]:
        return np.argsort(-scores, axis=1, kind="stable")
    part = np.argpartition(-scores, k - 1, axis=1)[:, :k]
    order = np.argsort(-np.take_along_axis(scores, part, axis=1), axis=1, kind="stable")
    return np.take_along_axis(part, order, axis=1)
