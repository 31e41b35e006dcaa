"""Head words of Danish (and English) job titles, learned from the taxonomy's own labels.

A Danish compound names its kind of job last (``salgs|konsulent``, ``køkken|chef``), and a title with a
preposition first (``leder af kundeservice``). Character overlap alone can prefer a wrong occupation whose
modifier looks like the query's (a ``...konsulent`` linked to a ``...kok``); the linker therefore gives a
small bonus to label texts whose head word is the query's. Head words are not listed by hand: a word is one
when it heads some label text and at least one other label's head word ends with it (``konsulent`` heads
``konsulent`` and ends ``salgskonsulent``). A word's head is the longest such word it ends with.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

import numpy as np

# Words after which the rest of a title is its field ("leder af kundeservice", "manager of sales").
PREPOSITIONS = frozenset(
    ["af", "for", "i", "på", "ved", "til", "inden", "med", "hos", "indenfor", "of", "in", "at"]
)
MIN_HEAD = 3  # shorter suffixes ("er", "or") are endings, not words


def head_token(text: str) -> str:
    """The word that names the kind of job: the one before the first preposition, else the last one."""
    tokens = text.split()
    for i, token in enumerate(tokens):
        if token in PREPOSITIONS and i > 0:
            return tokens[i - 1]
    return tokens[-1] if tokens else ""


@dataclass
class HeadWords:
    """The head-word vocabulary of a set of label texts; ``ids`` maps texts to head-word numbers."""

    words: dict[str, int]
    _cache: dict[str, int] = field(default_factory=dict, repr=False)

    @classmethod
    def learn(cls, texts: Iterable[str]) -> HeadWords:
        tokens = {t for t in (head_token(x) for x in texts) if len(t) >= MIN_HEAD}
        suffixes: set[str] = set()
        for token in tokens:
            for cut in range(1, len(token) - MIN_HEAD + 1):
                suffixes.add(token[cut:])
        heads = sorted(tokens & suffixes)
        return cls({w: i for i, w in enumerate(heads)})

    def head_of(self, word: str) -> str | None:
        """The longest head word ``word`` ends with (itself included), or None."""
        for cut in range(0, len(word) - MIN_HEAD + 1):
            if word[cut:] in self.words:
                return word[cut:]
        return None

    def id_of(self, text: str) -> int:
        cached = self._cache.get(text)
        if cached is None:
            head = self.head_of(head_token(text))
            cached = self._cache[text] = -1 if head is None else self.words[head]
        return cached

    def ids(self, texts: Sequence[str]) -> np.ndarray:
        """Head-word id per normalised text (-1 where it has none)."""
        return np.fromiter((self.id_of(t) for t in texts), dtype=np.int32, count=len(texts))
