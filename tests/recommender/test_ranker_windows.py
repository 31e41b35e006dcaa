"""The ranker learns from horizon-long windows of history, each ranked as of its first day: the timing
features read that day, the negatives come from what serving would have retrieved then, and the
two-sided score and its explanation stay exact."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import numpy as np
import polars as pl
import pytest

from recommender.context import HORIZON_DAYS, AsOf, RecContext
from recommender.features import occupation_open, timing, wishes
from recommender.hybrid import HybridRecommender
from recommender.lightfm_model import LightFMRecommender
from recommender.ranker_data import served_pools, windows
from tests.recommender.test_conformance import CTX, EVENTS


def _ctx(posted: list[date], deadline: list[date], occupations: list[str] | None = None) -> RecContext:
    n = len(posted)
    seekers = pl.DataFrame({
        "seeker_id": ["S0", "S1"], "jobcenter_id": ["jc"] * 2, "postcode": [5000, 5000], "lat": [55.39, 55.39],
        "lon": [10.38, 10.38], "isced_level": [3, 3], "experience_years": [2.0, 2.0], "target_group": ["j"] * 2,
        "desired_occupations": [["occ.a"], ["occ.a", "occ.b", "occ.c"]], "skills": [["x"], ["x"]],
        "max_commute_km": [10.0, 10.0], "hours_wanted": [37, 37],
    })  # fmt: skip
    vacancies = pl.DataFrame({
        "vacancy_id": [f"V{i}" for i in range(n)], "employer_id": ["E"] * n,
        "occupation_id": occupations or ["occ.a"] * n, "essential_skills": [["x"]] * n,
        "optional_skills": [[]] * n, "min_isced": [2] * n, "postcode": [5000] * n, "lat": [55.39] * n,
        "lon": [10.38] * n, "hours": [37] * n, "positions": [1] * n, "posted": posted, "deadline": deadline,
    })  # fmt: skip
    employers = pl.DataFrame({"employer_id": ["E"], "industry": ["x"], "municipality": ["Odense"]})
    return RecContext.from_frames(seekers, vacancies, employers, AsOf(date(2026, 3, 1), 28))


def test_timing_reads_the_day_the_ranking_is_made_for() -> None:
    ctx = _ctx(
        posted=[date(2026, 2, 1), date(2026, 3, 15), date(2026, 1, 1)],
        deadline=[date(2026, 3, 11), date(2026, 4, 14), date(2026, 2, 1)],
    )
    t = timing(ctx, np.arange(3))
    # the ad posted on 15 March is seen as serving would first show it: fresh on its posting day
    assert t["days_since_posted"].tolist() == [28, 0, 59]
    assert t["days_to_deadline"].tolist() == [10, 30, -28]
    assert t["posting_days"].tolist() == [38, 30, 31]
    # share of the posting period in the 28 days from when it is seen: 10 of 38; 28 of 30; closed before: 0
    assert t["open_share"] == pytest.approx([10 / 38, 28 / 30, 0.0])
    later = timing(ctx.at(AsOf(date(2026, 3, 10), 28)), np.arange(3))
    assert later["open_share"] == pytest.approx([1 / 38, 28 / 30, 0.0])
    # the horizon counts from the day the ad is first seen, not from the window's first day
    short = timing(ctx.at(AsOf(date(2026, 3, 1), 15)), np.arange(3))
    assert short["open_share"][1] == pytest.approx(15 / 30) and short["days_since_posted"][1] == 0


def test_a_context_for_another_day_shares_its_caches() -> None:
    ctx = _ctx([date(2026, 2, 1)], [date(2026, 3, 11)])
    wanted = ctx.desired_occupations
    other = ctx.at(AsOf(date(2026, 1, 1)))
    assert other.desired_occupations is wanted and other.seeker_skills is ctx.seeker_skills
    assert other.as_of == AsOf(date(2026, 1, 1), HORIZON_DAYS) and ctx.as_of == AsOf(date(2026, 3, 1), 28)


def test_competition_counts_open_ads_of_the_occupation_and_wishes_count_occupations() -> None:
    ctx = _ctx(
        posted=[date(2026, 2, 1)] * 3 + [date(2025, 1, 1)],
        deadline=[date(2026, 3, 20)] * 3 + [date(2025, 2, 1)],  # the last one closed a year ago
        occupations=["occ.a", "occ.a", "occ.b", "occ.a"],
    )
    assert occupation_open(ctx, np.arange(4)).tolist() == [2, 2, 1, 2]
    assert wishes(ctx, np.array([0, 1])).tolist() == [1, 3]


def _events(days: list[int]) -> pl.DataFrame:
    t0 = datetime(2026, 1, 1)
    return pl.DataFrame({
        "seeker_id": ["S0"] * len(days), "vacancy_id": ["V0"] * len(days), "event": ["applied"] * len(days),
        "ts": [t0 + timedelta(days=d) for d in days],
    })  # fmt: skip


def test_windows_are_horizon_long_newest_first_and_skip_empty_ones() -> None:
    events = _events([0, 10, 100, 110])  # nothing between day 11 and day 99
    cut = windows(events, 5, 28)
    assert [frame.height for _, frame in cut] == [2, 2]
    newest, oldest = cut[0][0], cut[1][0]
    assert newest.day == date(2026, 3, 24) and newest.horizon_days == 28  # ends just after day 110
    assert oldest.day == date(2025, 12, 30)  # the fourth window back, [day -2, day 26)
    assert windows(events.clear(), 5, 28) == []


def test_served_pools_keep_what_serving_would_retrieve_that_day() -> None:
    ctx = _ctx(
        posted=[date(2026, 2, 1), date(2026, 2, 1), date(2025, 1, 1), date(2026, 5, 1)],
        deadline=[date(2026, 3, 20)] * 2 + [date(2025, 2, 1), date(2026, 6, 1)],
    )
    far = ctx.vacancies_frame.with_columns(
        pl.when(pl.col("vacancy_id") == "V1").then(pl.lit(56.5)).otherwise(pl.col("lat")).alias("lat")
    )
    ctx = RecContext.from_frames(ctx.seekers_frame, far, ctx.employers_frame, ctx.as_of)
    pools = served_pools(ctx, ["S0", "unknown"])
    # V1 lies beyond the commute, V2 closed before the day, V3 opens after the horizon
    assert list(pools) == ["S0"] and pools["S0"].tolist() == [0]


def test_the_two_sided_score_and_its_explanation_add_up() -> None:
    model = HybridRecommender(LightFMRecommender(no_components=8, epochs=30), negatives_per_user=10)
    model.fit(CTX, EVENTS, EVENTS)
    users, items = np.array([0, 9]), np.arange(len(CTX.vacancies))
    parts = model.parts(CTX, users, items)
    assert parts["reciprocal"] == pytest.approx(parts["p_apply"] * (1 + parts["p_employer"]))
    assert np.exp(parts["score"]) == pytest.approx(parts["reciprocal"])
    rows, base = model.explain_with_base(CTX, 9, items)
    assert [base + sum(r.values()) for r in rows] == pytest.approx(parts["score"][1].tolist())
