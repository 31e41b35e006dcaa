"""A vacancy whose deadline has passed is not open, whatever its status column says (issue 16)."""

from __future__ import annotations

from datetime import date

import polars as pl
import pytest

from core.settings import Settings
from data.clock import open_vacancy, reference_date
from data.store import Store
from matching.retrieval import Matcher, MatchFilters

WORLD_TODAY = date(2026, 11, 1)  # data/synthetic/clock.py's TODAY, recorded in the store's meta


@pytest.fixture(scope="module")
def matcher(known_home: Settings) -> Matcher:
    with Store(known_home.db_path) as store:
        return Matcher.open(known_home, store)


def test_the_store_records_its_own_today(known_home: Settings) -> None:
    with Store(known_home.db_path) as store:
        assert store.reference_date() == WORLD_TODAY


def test_without_a_recorded_date_the_calendar_decides() -> None:
    assert reference_date(None) == date.today()
    assert reference_date("") == date.today()
    assert reference_date("2026-11-01") == WORLD_TODAY


def test_an_expired_open_vacancy_is_not_suggested(matcher: Matcher) -> None:
    ids = matcher.vacancies_for_seeker("K-TRUCK", k=50)["vacancy_id"].to_list()
    assert "K-LAGER-EXPIRED" not in ids
    assert "K-LAGER-LASTDAY" in ids  # the deadline day itself still counts
    assert ids[0] == "K-LAGER-OPEN"
    wide = matcher.vacancies_for_seeker("K-TRUCK", k=50, filters=MatchFilters(max_distance_km=500))
    assert "K-LAGER-EXPIRED" not in wide["vacancy_id"].to_list()


def test_served_deadlines_are_never_before_today(matcher: Matcher) -> None:
    found = matcher.vacancies_for_seeker("K-TRUCK", k=50, filters=MatchFilters(max_distance_km=500))
    assert found.height > 0
    assert (found["deadline"] >= WORLD_TODAY).all()


def test_open_vacancy_rule() -> None:
    frame = pl.DataFrame({
        "status": ["open", "open", "open", "closed"],
        "deadline": [date(2026, 10, 31), date(2026, 11, 1), date(2026, 12, 1), date(2026, 12, 1)],
    })  # fmt: skip
    assert frame.with_columns(open=open_vacancy(WORLD_TODAY))["open"].to_list() == [False, True, True, False]
