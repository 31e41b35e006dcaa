"""Text normalisation shared by the linker's index, its queries and skill mention windows."""

from __future__ import annotations

import re
from collections.abc import Sequence

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


def normalise_text(text: str) -> str:
    """Lower case; punctuation and hyphens to single spaces (``SOSU-hjælper`` -> ``sosu hjælper``)."""
    return _NON_WORD.sub(" ", text.lower()).strip()


def label_variants(label: str) -> list[str]:
    """The label, and the label without its parenthesis if it has one (``Excel (regneark)`` -> ``Excel``)."""
    label = label.strip()
    short = _PAREN.sub(" ", label).strip()
    return [label, short] if short and short != label else [label]


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


def as_title_list(titles: Sequence[str]) -> list[str]:
    """A list of titles (non-strings become empty titles); one bare string is refused."""
    if isinstance(titles, str):
        raise TypeError("pass a list of titles, not one string")
    return [t if isinstance(t, str) else "" for t in titles]
