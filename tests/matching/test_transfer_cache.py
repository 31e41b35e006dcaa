"""The other-industries view's per-matcher cache: made once per matcher, gone with it, and the figures the
view shows from it equal a direct count over the open vacancies."""

from __future__ import annotations

import gc

import polars as pl

from core.settings import Settings
from data.clock import open_vacancy
from data.geography import haversine_km
from data.store import Store
from matching.retrieval import Matcher
from matching.transfer import OccupationCache, other_industries


def test_made_once_per_matcher_and_dropped_with_it(known_home: Settings) -> None:
    cache = OccupationCache()
    with Store(known_home.db_path) as store:
        first, second = Matcher.open(known_home, store), Matcher.open(known_home, store)
    entry = cache.get(first)
    assert cache.get(first) is entry
    assert cache.get(second) is not entry
    assert len(entry.ids) == len(entry.essential) == entry.vectors.shape[0]
    del second
    gc.collect()
    assert len(cache._entries) == 1  # the dropped matcher's entry went with it


def test_open_vacancy_counts_equal_a_direct_count(known_home: Settings) -> None:
    with Store(known_home.db_path) as store:
        matcher = Matcher.open(known_home, store)
    seeker = {**matcher.seekers.row("K-TRUCK"), "max_commute_km": 60.0}  # a commute that reaches some
    moves = other_industries(matcher, seeker, n=20)
    open_now = matcher.vacancies.frame.filter(open_vacancy(matcher.today()))
    assert moves["open_vacancies"].sum() > 0 and moves["open_nearby"].sum() > 0  # the counts are exercised
    for row in moves.iter_rows(named=True):
        mine = open_now.filter(pl.col("occupation_id") == row["occupation_id"])
        km = haversine_km(seeker["lat"], seeker["lon"], mine["lat"].to_numpy(), mine["lon"].to_numpy())
        near = [float(x) for x in km if x <= seeker["max_commute_km"]]
        assert row["open_vacancies"] == mine.height
        assert row["open_nearby"] == len(near)
        assert row["nearest_km"] == (round(min(near), 1) if near else None)
