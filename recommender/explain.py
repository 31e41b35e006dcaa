"""Signed explanations that add up to the score shown.

The served score is ``ln P(apply) + ln(1 + P(interview | applied))`` (the log of the two-sided score, so
it orders suggestions exactly as that score does). Each side is a tree model whose TreeSHAP contributions
sum exactly to its log-odds; ``ln sigmoid`` (or ``ln(1 + sigmoid)``) of the log-odds is attributed to the
same features in proportion (both are increasing, so every sign is kept and the sum stays exact). A
feature's contribution goes to its consultant-readable reason (``recommender.features.REASON``).

Only a reason with a positive contribution is stated as a reason; a negative one is shown as speaking
against the suggestion, never as a reason for it.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from recommender.features import REASON
from recommender.signals import SIGNAL_AGAINST_DA, SIGNAL_LABELS_DA

REASONS = tuple(dict.fromkeys(REASON.values()))


def log_sigmoid(z: np.ndarray) -> np.ndarray:
    """``ln(1 / (1 + e^-z))`` without overflow."""
    value: np.ndarray = -np.logaddexp(0.0, -z)
    return value


def log1p_sigmoid(z: np.ndarray) -> np.ndarray:
    """``ln(1 + sigmoid(z))``: the employer side's factor of the two-sided score, in log."""
    value: np.ndarray = np.log1p(np.exp(log_sigmoid(z)))
    return value


def log_sigmoid_attribution(contrib: np.ndarray, base: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Contributions to the log-odds ``base + contrib.sum(1)`` rescaled per row to contributions to
    ``ln sigmoid`` of it: ``(contributions, ln sigmoid(base))``, summing exactly to ``ln sigmoid(z)``."""
    return _attribute(contrib, base, log_sigmoid, lambda b: np.exp(log_sigmoid(-b)))


def log1p_sigmoid_attribution(contrib: np.ndarray, base: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """As :func:`log_sigmoid_attribution`, for ``ln(1 + sigmoid(z))``."""

    def slope_at(b: np.ndarray) -> np.ndarray:
        p = np.exp(log_sigmoid(b))
        value: np.ndarray = p * (1 - p) / (1 + p)
        return value

    return _attribute(contrib, base, log1p_sigmoid, slope_at)


def _attribute(contrib: np.ndarray, base: np.ndarray, fn: Callable[[np.ndarray], np.ndarray],
               slope_at: Callable[[np.ndarray], np.ndarray]) -> tuple[np.ndarray, np.ndarray]:  # fmt: skip
    """Rescale each row's contributions by the secant slope of the increasing ``fn`` from ``base`` to the
    row's total (its derivative at ``base`` for a vanishing step), so they sum to ``fn(z) - fn(base)``."""
    z = base + contrib.sum(axis=1)
    step = z - base
    small = np.abs(step) < 1e-9
    slope = np.where(small, slope_at(base), (fn(z) - fn(base)) / np.where(small, 1.0, step))
    return contrib * slope[:, None], fn(base)


def by_reason(contrib: np.ndarray, features: tuple[str, ...]) -> dict[str, np.ndarray]:
    """Feature contributions (rows, features) summed per reason: reason -> (rows,)."""
    out: dict[str, np.ndarray] = {}
    for j, feature in enumerate(features):
        reason = REASON[feature]
        out[reason] = out.get(reason, 0.0) + contrib[:, j]
    return out


def reasons_text(contributions: dict[str, float], top: int = 3) -> str:
    """'nødvendige kompetencer 45 %, ønsket stillingstype 20 %; taler imod: afstand 12 %'.

    Up to ``top`` reasons with a positive contribution, strongest first, then up to ``top`` against; each as
    its share of the contributions' total size (the signed values, which add up to the score, are served in
    ``why_contributions``). A share, not a probability; written the Danish way, with a space before "%"."""
    total = sum(abs(v) for v in contributions.values()) or 1.0
    pro = sorted(((v, k) for k, v in contributions.items() if v > 0), reverse=True)[:top]
    con = sorted((v, k) for k, v in contributions.items() if v < 0)[:top]

    def share(v: float) -> str:
        return f"{100 * abs(v) / total:.0f}\u00a0%"

    parts = [", ".join(f"{SIGNAL_LABELS_DA.get(k, k)} {share(v)}" for v, k in pro)] if pro else []
    if con:
        parts.append("taler imod: " + ", ".join(f"{SIGNAL_AGAINST_DA.get(k, k)} {share(v)}" for v, k in con))
    return "; ".join(parts)


def stated_reasons(text: str) -> list[str]:
    """The reason labels a :func:`reasons_text` states *for* a suggestion (what the tests check)."""
    pro = text.split("taler imod:")[0].strip().rstrip(";")
    return [item.rsplit(" ", 1)[0] for item in pro.split(", ") if item]
