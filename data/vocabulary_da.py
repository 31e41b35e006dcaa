"""Danish words for the stored enumerations: imports accept them, reports show them.

The store keeps the canonical value (``open``, ``applied``, ``dagpenge``); a Danish file may say ``åben`` or
``søgt`` instead, and a person reading a report sees ``Åben`` and ``Kontanthjælp``.
"""

from __future__ import annotations

from typing import Final

from data import columns as C

# Canonical value -> the Danish word an import accepts for it (lower case), per column.
DANISH_VALUES: Final[dict[str, dict[str, str]]] = {
    "status": {"open": "åben", "closed": "lukket", "filled": "besat"},
    "event": {
        "shown": "vist",
        "viewed": "set",
        "applied": "søgt",
        "interview": "samtale",
        "hired": "ansat",
        "rejected": "afvist",
    },
    "source": {"consultant": "konsulent", "self": "selv"},
    "benefit_type": {
        "dagpenge": "dagpenge",
        "kontanthjaelp": "kontanthjælp",
        "uddannelseshjaelp": "uddannelseshjælp",
        "sygedagpenge": "sygedagpenge",
        "selvforsoerger": "selvforsørger",
    },
    "target_group": {"jobparat": "jobparat", "aktivitetsparat": "aktivitetsparat"},
}

# Canonical value -> label for people (reports), per column.
LABELS_DA: Final[dict[str, dict[str, str]]] = {
    **{
        column: {value: word.capitalize() for value, word in words.items()}
        for column, words in DANISH_VALUES.items()
    },
    "programme": dict(C.PROGRAMME_LABELS_DA),
}


def aliases(column: str) -> dict[str, str]:
    """Lower-case words an import accepts for ``column`` -> the canonical value (Danish and the value itself)."""
    words = DANISH_VALUES.get(column, {})
    return {**{word: value for value, word in words.items()}, **{value: value for value in words}}


def label(column: str, value: object) -> object:
    """The Danish label of a stored value, or the value itself where there is none."""
    return LABELS_DA.get(column, {}).get(str(value), value) if value is not None else value
