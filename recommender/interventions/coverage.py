"""What the product may call each programme's interval: its coverage as measured against true effects.

Coverage cannot be measured where the model is fitted (real data has no true effects), so it is measured
by ``evaluation/interventions.py`` on synthetic worlds and kept in ``coverage.json`` beside this module,
with the parameters it was measured for. An interval is called a "90 %-interval" only for a programme whose
measured coverage lay within ``LEVEL_RANGE`` on every world, and only for a model with those parameters;
otherwise it is shown as "usikkerhed" without a level (issue 14). Beside it the file may hold each
programme's mean coverage over many worlds (``record_mean``: how calibrated the intervals are on average,
which single worlds, each drawing a programme's average once, cannot show); it is evidence for analysts and
does not name a level.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from core.reporting import write_text_atomic
from recommender.interventions.params import DRParams

COVERAGE_FILE = Path(__file__).with_name("coverage.json")
LEVEL_RANGE = (0.85, 0.95)  # empirical coverage of a stated 90 % level that earns the name
_NOT_MODELLING = ("seed", "n_threads")  # parameters that do not change what an interval means


def fingerprint(params: DRParams) -> dict[str, Any]:
    """The parameters a coverage measurement holds for."""
    return {k: v for k, v in params.model_dump().items() if k not in _NOT_MODELLING}


def measured(params: DRParams, path: Path = COVERAGE_FILE) -> dict[str, Any]:
    """Per programme ``{"coverage": {world: share}, "level": stated level or None}`` for a model with
    ``params``; empty when nothing was measured for them (then no interval is called a level)."""
    try:
        record = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    if record.get("params") != fingerprint(params):
        return {}
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


def shown_levels(coverage: Mapping[str, Any]) -> dict[str, float | None]:
    """Programme -> the level its interval may be called (None: "usikkerhed" without a level)."""
    return {arm: rec.get("level") for arm, rec in coverage.items()}


def record(
    params: DRParams, coverage: Mapping[str, Mapping[str, float]], note: str, path: Path = COVERAGE_FILE
) -> Path:
    """Write the measured coverage (programme -> world -> share) for models with ``params``."""
    body: dict[str, Any] = {
        "params": fingerprint(params),
        "level": params.level,
        "note": note,
        "coverage": coverage,
    }
    try:  # the many-worlds means belong to the same parameters: keep them
        earlier = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        earlier = {}
    if earlier.get("params") == body["params"] and "mean_coverage" in earlier:
        body["mean_coverage"], body["mean_note"] = earlier["mean_coverage"], earlier.get("mean_note")
    return _write(body, path)


def record_mean(
    params: DRParams, means: Mapping[str, Mapping[str, float]], note: str, path: Path = COVERAGE_FILE
) -> Path:
    """Add each programme's mean coverage over many worlds (``{"mean", "low", "high", "worlds"}``) to the
    record of per-world coverage for the same parameters (refused for others: they would not belong)."""
    try:
        body = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise ValueError(f"{path}: no per-world coverage to add the mean to ({exc})") from exc
    if body.get("params") != fingerprint(params):
        raise ValueError(f"{path} was measured for other parameters; record the per-world coverage first")
    body["mean_coverage"], body["mean_note"] = {arm: dict(m) for arm, m in means.items()}, note
    return _write(body, path)


def _write(body: Mapping[str, Any], path: Path) -> Path:
    """The record, replaced atomically (the model reads it when it is fitted)."""
    return write_text_atomic(path, json.dumps(body, indent=2, ensure_ascii=False) + "\n")
