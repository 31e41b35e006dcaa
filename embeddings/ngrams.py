"""Hashed char n-gram counts of texts, worked out once per distinct word instead of once per occurrence.

The char encoder's features are scikit-learn's ``HashingVectorizer(analyzer="char_wb")`` counts. Its n-grams
never cross a word boundary, so a text's counts are the sum of its words' counts: (texts x words occurrence
matrix) @ (words x n-gram hashes). Generated ads and profiles reuse a small vocabulary, so hashing each
distinct word once instead of every word of every text makes a Copenhagen-sized world's 155,000 texts a
matter of seconds, not many minutes, and the counts are exactly the vectoriser's (tests/embeddings).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import scipy.sparse as sp
from sklearn.feature_extraction.text import HashingVectorizer

N_FEATURES = 2**15
NGRAMS = (2, 4)


def vectoriser() -> HashingVectorizer:
    """The reference definition of the features (lower-cased, char n-grams inside word boundaries)."""
    return HashingVectorizer(
        analyzer="char_wb", ngram_range=NGRAMS, n_features=N_FEATURES, alternate_sign=False, norm=None,
        lowercase=True,
    )  # fmt: skip


def hashed_counts(texts: Sequence[str]) -> sp.csr_matrix:
    """``vectoriser().transform(texts)``, float64 counts with sorted indices, computed per distinct word."""
    vocabulary: dict[str, int] = {}
    word_ids: list[int] = []
    lengths = np.zeros(len(texts), dtype=np.int64)
    for row, text in enumerate(texts):
        words = text.lower().split()  # what the vectoriser does: lower-case, then split on whitespace
        lengths[row] = len(words)
        word_ids.extend(vocabulary.setdefault(w, len(vocabulary)) for w in words)
    rows = np.repeat(np.arange(len(texts)), lengths)
    occurrences = sp.csr_matrix(
        (np.ones(len(word_ids)), (rows, np.asarray(word_ids, dtype=np.int64))),
        shape=(len(texts), len(vocabulary)),
    )
    per_word = vectoriser().transform(list(vocabulary)) if vocabulary else sp.csr_matrix((0, N_FEATURES))
    counts = sp.csr_matrix(occurrences @ per_word)
    counts.sort_indices()
    return counts
