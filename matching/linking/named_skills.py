"""Skills a job title names (``Java developer``, ``Cisco netværkstekniker``) -> the occupations that use them.

A title's head word can be a bare label of the wrong occupation: ``udvikler`` (developer) is also a synonym
of the property developer (*bygherre*), and character or encoder similarity cannot tell that ``Java`` makes
it software. The taxonomy can: Java is a skill of 48 ICT occupations and of no building occupation. So a
skill label written as words of the title breaks near-ties among the occupations the title already matches
about equally well (within ``SKILL_MARGIN`` of the best): those that use a named skill go just above the
best, in the order of their own scores. It never overrules an exact match of the title or a clearly better
match, and a title that is itself a skill label names no skill.

Only skill labels written in words that no occupation label uses count: ``HR`` or ``IT`` are words of
occupation labels (``HR-konsulent``), which the title's own match already weighs, and lifting every
occupation that lists them as a skill put the right one (which need not list it) below others.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import numpy as np

from data import columns as C
from data.taxonomy import Taxonomy
from matching.linking.text import label_variants, normalise_text

SKILL_MARGIN = 0.15  # occupations scoring within this of the best may be lifted by a named skill
MAX_SKILL_WORDS = 3  # the longest skill label looked for in a title, in words
MIN_SKILL_CHARS = 2  # "c" alone is no skill mention ("C#" normalises to "c")
MAX_USERS_SHARE = 0.05  # a skill more occupations use (English, customer contact) says little about which
MIN_USERS_LIMIT = 5  # ... but in a small taxonomy a skill of five occupations still tells them apart


def skill_terms(
    taxonomy: Taxonomy, occupation_ids: Sequence[str], occupation_texts: Iterable[str]
) -> dict[str, np.ndarray]:
    """Normalised skill label text (Danish, English, synonyms; with and without a parenthesis) -> sorted
    columns (in ``occupation_ids`` order) of the occupations that have the skill, essential or optional;
    without texts that are words of an occupation label (``occupation_texts``, normalised)."""
    taken = {
        " ".join(words[i : i + size])
        for text in occupation_texts
        for words in [text.split()]
        for size in range(1, MAX_SKILL_WORDS + 1)
        for i in range(len(words) - size + 1)
    }
    column = {occ: i for i, occ in enumerate(occupation_ids)}
    users: dict[str, list[int]] = {}
    for occ, skill in taxonomy.occupation_skills.select(C.OCCUPATION_ID, C.SKILL_ID).iter_rows():
        if occ in column:
            users.setdefault(skill, []).append(column[occ])
    limit = max(MAX_USERS_SHARE * len(column), MIN_USERS_LIMIT)
    terms: dict[str, set[int]] = {}
    frame = taxonomy.skills.select(C.SKILL_ID, C.LABEL_DA, C.LABEL_EN, C.SYNONYMS)
    for skill, da, en, synonyms in frame.iter_rows():
        cols = users.get(skill)
        if not cols or len(cols) > limit:
            continue
        for label in (da, en, *(synonyms or ())):
            for variant in label_variants(label) if label else ():
                text = normalise_text(variant)
                if (
                    len(text) >= MIN_SKILL_CHARS
                    and len(text.split()) <= MAX_SKILL_WORDS
                    and text not in taken
                ):
                    terms.setdefault(text, set()).update(cols)
    return {text: np.asarray(sorted(cols), dtype=np.int64) for text, cols in terms.items()}


def named_skills(title: str, terms: dict[str, np.ndarray]) -> list[tuple[str, np.ndarray]]:
    """The skill label texts the title names in part (never the whole title), each with its users' columns."""
    words = normalise_text(title).split()
    return [
        (text, terms[text])
        for size in range(1, min(MAX_SKILL_WORDS, len(words) - 1) + 1)
        for i in range(len(words) - size + 1)
        if (text := " ".join(words[i : i + size])) in terms
    ]
