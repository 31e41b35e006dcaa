"""The context's desired-occupation cache: built once on first use, kept for the context's life."""

from __future__ import annotations

import numpy as np
import polars as pl

from recommender.context import RecContext
from recommender.signals import content_signals


def _context() -> RecContext:
    seekers = pl.DataFrame({
        "seeker_id": ["s1", "s2"], "skills": [["a"], ["b"]], "desired_occupations": [["o2"], ["o1", "o3"]],
        "isced_level": [3, 3], "jobcenter_id": ["jc", "jc"], "target_group": ["jobparat", "jobparat"],
        "lat": [55.4, 55.4], "lon": [10.4, 10.4], "max_commute_km": [20.0, 20.0], "hours_wanted": [37, 37],
    })  # fmt: skip
    vacancies = pl.DataFrame({
        "vacancy_id": ["v1", "v2"], "employer_id": ["e", "e"], "occupation_id": ["o1", "o2"],
        "essential_skills": [["a"], ["b"]], "optional_skills": [[], []], "hours": [37, 20],
        "min_isced": [2, 4], "lat": [55.4, 55.5], "lon": [10.4, 10.5],
    })  # fmt: skip
    employers = pl.DataFrame({"employer_id": ["e"], "industry": ["x"], "municipality": ["Odense"]})
    return RecContext.from_frames(seekers, vacancies, employers)


def test_desired_occupations_built_once_and_read_by_the_signals() -> None:
    ctx = _context()
    desired = ctx.desired_occupations
    assert ctx.desired_occupations is desired  # cached on the context
    lookup = desired.seekers[:, desired.vacancy_columns].toarray()
    assert lookup.tolist() == [[0.0, 1.0], [1.0, 0.0]]  # s1 wants v2's occupation, s2 wants v1's
    signals = content_signals(ctx, np.array([0, 1]), np.array([0, 1]))
    assert signals["desired_occupation"].tolist() == lookup.tolist()
    ctx.seeker_vectors = np.ones((2, 3), dtype=np.float32)  # vectors change; the occupations stay
    assert ctx.desired_occupations is desired
