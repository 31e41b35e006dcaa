"""User input quoted back in a message is cut, so a 5,000-character cell cannot flood the one error line."""

from __future__ import annotations

ECHO_LIMIT = 80
ELLIPSIS = "…"


def clip(value: object, limit: int = ECHO_LIMIT) -> str:
    """``value`` as text, cut to ``limit`` characters plus "…" when longer."""
    text = str(value)
    return text if len(text) <= limit else text[:limit] + ELLIPSIS


def quoted(value: object, limit: int = ECHO_LIMIT) -> str:
    """What ``{value!r}`` would show, cut like :func:`clip`, with the full length when it was cut."""
    if not isinstance(value, str):
        return clip(repr(value), limit)
    if len(value) <= limit:
        return repr(value)
    return f"{clip(value, limit)!r} ({len(value):,} characters)"
