"""The shared interaction helpers: application outcomes per pair and the time split every trainer uses."""

from __future__ import annotations

from datetime import datetime, timedelta

import polars as pl

from data import columns as C
from data.interactions import Split, default_split, pair_outcomes, positives, time_split

T0 = datetime(2025, 1, 6)


def _events(rows: list[tuple[str, str, str, int]]) -> pl.DataFrame:
    """(seeker, vacancy, event, days after T0) -> an interactions frame."""
    return pl.DataFrame(
        {
            C.SEEKER_ID: [r[0] for r in rows],
            C.VACANCY_ID: [r[1] for r in rows],
            C.EVENT: [r[2] for r in rows],
            "ts": [T0 + timedelta(days=r[3]) for r in rows],
        }
    )


def test_pair_outcomes_flags_how_far_each_application_got() -> None:
    events = _events([
        ("s1", "v1", "shown", 0), ("s1", "v1", "applied", 1), ("s1", "v1", "interview", 5),
        ("s1", "v1", "hired", 9), ("s2", "v1", "applied", 1), ("s2", "v1", "rejected", 8),
        ("s2", "v2", "viewed", 2),  # no application: left out
        ("s3", "v2", "interview", 4),  # an interview implies an application
    ])  # fmt: skip
    out = pair_outcomes(events)
    assert out.columns == [C.SEEKER_ID, C.VACANCY_ID, C.APPLIED, C.INTERVIEW, C.HIRED]
    assert out.rows() == [
        ("s1", "v1", True, True, True),
        ("s2", "v1", True, False, False),
        ("s3", "v2", True, True, False),
    ]
    assert pair_outcomes(events.clear()).height == 0


def _history() -> pl.DataFrame:
    # one positive a week for 30 weeks, alternating seekers
    rows = [(f"s{w % 3}", f"v{w}", "applied", 7 * w) for w in range(30)]
    return _events(rows)


def test_time_split_with_a_test_period_cuts_three_windows() -> None:
    events = _history()
    cut = time_split(events)
    split = default_split(events)
    assert cut.split == split
    assert cut.train.equals(positives(events, end=split.train_end))
    assert cut.history.equals(positives(events, end=split.valid_end))
    assert cut.truth.equals(positives(events, start=split.valid_end))
    assert cut.ranker_events["ts"].max() < split.valid_end  # every event before the test, none after
    assert cut.ranker_events.height + cut.truth.height == events.height
    assert cut.history.height == cut.ranker_events.height


def test_time_split_takes_a_given_split() -> None:
    events = _history()
    split = Split(train_end=T0 + timedelta(weeks=10), valid_end=T0 + timedelta(weeks=20))
    cut = time_split(events, split)
    assert cut.split is split
    assert (cut.train.height, cut.ranker_events.height, cut.truth.height) == (10, 20, 10)


def test_time_split_without_a_test_period_trains_the_ranker_up_to_the_last_event() -> None:
    events = _history()
    cut = time_split(events, test_period=False)
    assert cut.split == default_split(events, test_weeks=0)
    assert cut.ranker_events["ts"].max() == events["ts"].max()  # the last event is not held out
    assert cut.ranker_events.height == events.height  # the ranker may learn from all of it
    assert cut.truth.height == 0 and cut.truth.columns == cut.train.columns
    assert cut.history.height == events.height


def test_carry_over_pairs_leave_the_test_truth() -> None:
    """A pair that applied before the test window is history, not a test positive, even when its interview
    or hire falls inside the window; a pair that applied inside the window stays, with its best gain."""
    split = Split(train_end=T0 + timedelta(days=10), valid_end=T0 + timedelta(days=20))
    events = _events([
        ("s1", "v1", "applied", 15), ("s1", "v1", "interview", 24), ("s1", "v1", "hired", 35),  # carry-over
        ("s2", "v1", "applied", 22), ("s2", "v1", "interview", 30),  # applied in the window
        ("s3", "v2", "applied", 2), ("s3", "v2", "hired", 25),  # carry-over from the training period
    ])  # fmt: skip
    truth = time_split(events, split, carry_over=False).truth
    assert truth.select(C.SEEKER_ID, C.VACANCY_ID, "gain").rows() == [("s2", "v1", 2.0)]
    assert time_split(events, split).truth.height == 3  # kept where asked (the fairness audit)
