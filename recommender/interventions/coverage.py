"""What the product may claim about programmes: each interval's level and each stated chance, as measured
against true effects.

Coverage cannot be measured where the model is fitted (real data has no true effects), so it is measured
by ``evaluation/interventions.py`` on synthetic worlds and kept in ``coverage.json`` beside this module,
with the parameters it was measured for. An interval is called a "90 %-interval" only for a programme whose
measured coverage lay within ``LEVEL_RANGE`` on every world, and only for a model with those parameters;
otherwise it is shown as "usikkerhed" without a level (issue 14). Beside it the file may hold each
programme's mean coverage over many worlds (``record_mean``: how calibrated the intervals are on average,
which single worlds, each drawing a programme's average once, cannot show); it is evidence for analysts and
does not name a level.

The same holds for the two chances a card states (of being the best; of being at least as good as the top
pick): the evaluation bins them by what was stated and counts how often it came true (``probabilities``).
A chance is shown as a number only in a bin where, on average over the measured worlds, it came true at
least as often as stated, less ``PROBABILITY_TOLERANCE``; elsewhere the card says what the tie rule says
without the number. Means over many worlds (``record_mean``), where recorded, decide in place of the
few report worlds': each world draws the programmes' average errors once, so three worlds say little.
Over many worlds a bin must also not be shown overstated: the 95 % interval of how often it came true
must reach what was stated.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np

from core.reporting import write_text_atomic
from recommender.interventions.params import DRParams

COVERAGE_FILE = Path(__file__).with_name("coverage.json")
LEVEL_RANGE = (0.85, 0.95)  # empirical coverage of a stated 90 % level that earns the name
_NOT_MODELLING = ("seed", "n_threads")  # parameters that do not change what an interval means
# Bins of a stated chance for its calibration; a chance is shown where its bin held (``probability_claims``).
PROBABILITY_BINS = (0.0, 0.01, 0.05, 0.10, 0.20, 0.35, 0.50, 0.65, 0.80, 1.0)
PROBABILITY_TOLERANCE = 0.05  # how much less often than stated a shown chance may have come true, on average
MIN_BIN_OPTIONS = 200  # options a bin needs over all worlds to count as measured
PROBABILITIES = ("best", "as_good")  # the chance of being the best; of being at least as good as the top pick


def fingerprint(params: DRParams) -> dict[str, Any]:
    """The parameters a coverage measurement holds for."""
    return {k: v for k, v in params.model_dump().items() if k not in _NOT_MODELLING}


def measured(params: DRParams, path: Path = COVERAGE_FILE) -> dict[str, Any]:
    """Per programme ``{"coverage": {world: share}, "level": stated level or None}`` for a model with
    ``params``; empty when nothing was measured for them (then no interval is called a level)."""
    record = _record_for(params, path)
    lo, hi = LEVEL_RANGE
    out = {}
    means = record.get("mean_coverage") or {}
    for arm, cov in (record.get("coverage") or {}).items():
        values = list(cov.values())
        ok = bool(values) and all(lo <= c <= hi for c in values)
        out[arm] = {
            "coverage": dict(cov),
            "level": params.level if ok else None,
            "mean_coverage": means.get(arm),
        }
    return out


def _record_for(params: DRParams, path: Path) -> dict[str, Any]:
    """The record at ``path`` if it was measured for models with ``params``, else empty."""
    try:
        body = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return body if isinstance(body, dict) and body.get("params") == fingerprint(params) else {}


def shown_levels(coverage: Mapping[str, Any]) -> dict[str, float | None]:
    """Programme -> the level its interval may be called (None: "usikkerhed" without a level)."""
    return {arm: rec.get("level") for arm, rec in coverage.items()}


def probability_claims(params: DRParams, path: Path = COVERAGE_FILE) -> dict[str, list[list[float]]]:
    """Per chance (``PROBABILITIES``) the ``[low, high]`` bins where a stated value may be shown: measured
    for a model with ``params``, with at least ``MIN_BIN_OPTIONS`` options, and on average over the worlds
    true at least as often as stated less ``PROBABILITY_TOLERANCE``. Empty: no chance is shown."""
    body = _record_for(params, path)
    out: dict[str, list[list[float]]] = {}
    over_many = body.get("mean_probabilities")  # many worlds' means, where measured, over three worlds'
    for name, bins in (over_many or body.get("probabilities") or {}).items():
        out[name] = [[b["low"], b["high"]] for b in bins if bin_holds(b)]
    return out


def merged_ranges(bins: list[list[float]]) -> list[tuple[float, float]]:
    """Adjacent bins joined: ``[[0, .01], [.01, .05], [.2, .35]]`` -> ``[(0, .05), (.2, .35)]``."""
    out: list[tuple[float, float]] = []
    for lo, hi in sorted(bins):
        if out and abs(out[-1][1] - lo) < 1e-12:
            out[-1] = (out[-1][0], hi)
        else:
            out.append((lo, hi))
    return out


def bin_holds(b: Mapping[str, Any]) -> bool:
    """Whether a bin's stated chances may be shown (a bin as ``record`` or ``record_mean`` keeps it: per
    world, or already the mean over worlds)."""
    options = b["options"]
    total = sum(options.values()) if isinstance(options, Mapping) else options
    stated = _mean(b["stated"])
    shown_overstated = b.get("observed_high") is not None and b["observed_high"] < stated  # over many worlds
    return (
        total >= MIN_BIN_OPTIONS
        and _mean(b["observed"]) >= stated - PROBABILITY_TOLERANCE
        and not shown_overstated
    )


def shown_probability(p: float | None, bins: list[list[float]]) -> float | None:
    """``p`` where it falls in one of the ``bins`` that held, else None (the card states no number)."""
    if p is None or not np.isfinite(p):
        return None
    return p if any(lo <= p < hi or (hi == 1.0 and p == 1.0) for lo, hi in bins) else None


def _mean(value: Mapping[str, float] | float) -> float:
    """The mean over worlds of a per-world value, or a value that already is one."""
    return float(np.mean(list(value.values()))) if isinstance(value, Mapping) else float(value)


def record(
    params: DRParams,
    coverage: Mapping[str, Mapping[str, float]],
    note: str,
    path: Path = COVERAGE_FILE,
    probabilities: Mapping[str, Any] | None = None,
) -> Path:
    """Write the measured coverage (programme -> world -> share) for models with ``params``, and with
    ``probabilities`` the calibration of the stated chances (chance -> bins, each with ``low``, ``high``
    and world -> ``options``, ``stated``, ``observed``)."""
    body: dict[str, Any] = {
        "params": fingerprint(params),
        "level": params.level,
        "note": note,
        "coverage": coverage,
    }
    if probabilities is not None:
        body["probabilities"] = probabilities
    earlier = _record_for(params, path)  # the many-worlds means belong to the same parameters: keep them
    body.update({k: earlier[k] for k in ("mean_coverage", "mean_note", "mean_probabilities") if k in earlier})
    return _write(body, path)


def record_mean(
    params: DRParams,
    means: Mapping[str, Mapping[str, float]],
    note: str,
    path: Path = COVERAGE_FILE,
    probabilities: Mapping[str, Any] | None = None,
) -> Path:
    """Add each programme's mean coverage over many worlds (``{"mean", "low", "high", "worlds"}``) to the
    record of per-world coverage for the same parameters (refused for others: they would not belong), and
    with ``probabilities`` the stated chances' bins over those worlds (each bin's ``options`` a total,
    ``stated`` and ``observed`` means over worlds); those then decide which chances are shown."""
    try:
        body = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise ValueError(f"{path}: no per-world coverage to add the mean to ({exc})") from exc
    if body.get("params") != fingerprint(params):
        raise ValueError(f"{path} was measured for other parameters; record the per-world coverage first")
    body["mean_coverage"], body["mean_note"] = {arm: dict(m) for arm, m in means.items()}, note
    if probabilities is not None:
        body["mean_probabilities"] = probabilities
    return _write(body, path)


def _write(body: Mapping[str, Any], path: Path) -> Path:
    """The record, replaced atomically (the model reads it when it is fitted)."""
    return write_text_atomic(path, json.dumps(body, indent=2, ensure_ascii=False) + "\n")
