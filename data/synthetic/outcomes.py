"""Outcomes of an episode: in work within 13, 26 and 52 weeks (nested, from one uniform draw) and when."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import polars as pl

from data import columns as C


@dataclass(frozen=True)
class Employment:
    within_13w: np.ndarray
    within_26w: np.ndarray
    within_52w: np.ndarray
    weeks_to: np.ndarray  # -1 where not in work within 52 weeks


def draw_employment(rng: np.random.Generator, p26: np.ndarray) -> Employment:
    """One uniform per episode against rising thresholds, so in work by 13 weeks implies by 26 and 52."""
    n = len(p26)
    u = rng.random(n)
    emp26 = u < p26
    emp13 = u < p26 * 0.55
    emp52 = u < np.clip(p26 + 0.25 * (1 - p26), 0, 0.995)
    weeks_to = np.where(
        emp13,
        rng.integers(1, 14, n),
        np.where(emp26, rng.integers(14, 27, n), np.where(emp52, rng.integers(27, 53, n), -1)),
    )
    return Employment(emp13, emp26, emp52, weeks_to)


def outcomes_frame(episode_ids: list[str], seeker_ids: np.ndarray, employment: Employment) -> pl.DataFrame:
    return pl.DataFrame(
        {
            C.EPISODE_ID: episode_ids,
            C.SEEKER_ID: seeker_ids,
            "employed_13w": employment.within_13w,
            "employed_26w": employment.within_26w,
            "employed_52w": employment.within_52w,
            "weeks_to_employment": [w if w > 0 else None for w in employment.weeks_to.tolist()],
        },
        schema_overrides={"weeks_to_employment": pl.Int32},
    )
