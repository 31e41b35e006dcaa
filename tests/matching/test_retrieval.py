"""Conformance of matching on a tiny world with known answers: filters, both directions, cold start,
empty results, explanations, and refusal of stale indexes."""

from __future__ import annotations

import polars as pl
import pytest

from core.errors import ArtefactError, NotFoundError
from core.settings import Settings
from data.store import Store
from matching.retrieval import Matcher, MatchFilters
from matching.transfer import other_industries
from tests.matching.conftest import KBH, KNOWN_SEEKERS


@pytest.fixture(scope="module")
def matcher(known_home: Settings) -> Matcher:
    with Store(known_home.db_path) as store:
        return Matcher.open(known_home, store)


def test_right_vacancy_first_and_filters_hold(matcher: Matcher) -> None:
    found = matcher.vacancies_for_seeker("K-TRUCK", k=20)
    ids = found["vacancy_id"].to_list()
    assert ids[0] == "K-LAGER-OPEN"
    assert "K-LAGER-CLOSED" not in ids  # closed vacancies never appear
    assert "K-LAGER-KBH" not in ids and "K-SYGEPLEJE" not in ids  # beyond the 15 km commute limit
    assert (found["distance_km"] <= 15.0).all()
    assert found["rank"].to_list() == list(range(1, len(ids) + 1))
    assert found["similarity"].is_sorted(descending=True)
    status = matcher.vacancies.frame.filter(pl.col("vacancy_id").is_in(ids))["status"]
    assert (status == "open").all()


def test_explanation_of_the_known_match(matcher: Matcher) -> None:
    top = matcher.vacancies_for_seeker("K-TRUCK", k=1).row(0, named=True)
    assert top["essential_coverage"] == 1.0
    assert top["missing_essential"] == []
    assert sorted(top["matched_essential"]) == sorted(
        [matcher.taxonomy.label("dk.s.truckkoersel"), matcher.taxonomy.label("dk.s.lagerstyring")]
    )
    assert top["summary_da"].startswith("Du har 2 af 2 nødvendige kompetencer")
    assert "km væk" in top["summary_da"]
    assert top["bridge_occupation"] is None  # the vacancy is the citizen's own desired occupation


def test_wider_distance_brings_back_far_vacancy(matcher: Matcher) -> None:
    ids = matcher.vacancies_for_seeker("K-TRUCK", k=50, filters=MatchFilters(max_distance_km=500))[
        "vacancy_id"
    ]
    assert "K-LAGER-KBH" in ids.to_list() and "K-LAGER-CLOSED" not in ids.to_list()


def test_candidates_for_vacancy_and_consent(matcher: Matcher) -> None:
    found = matcher.seekers_for_vacancy("K-SYGEPLEJE", k=10)
    assert found["seeker_id"][0] == "K-NURSE"
    assert found["summary_da"][0].startswith("Borgeren har 1 af 1")
    employer_view = matcher.seekers_for_vacancy("K-SYGEPLEJE", k=50, filters=MatchFilters(consent_only=True))
    assert "K-NURSE" not in employer_view["seeker_id"].to_list()  # she did not consent
    consent = matcher.seekers.frame.filter(pl.col("seeker_id").is_in(employer_view["seeker_id"].to_list()))
    assert consent["consent_employer_view"].all()


def test_cold_start_profile_not_in_index(matcher: Matcher) -> None:
    newcomer = {**KNOWN_SEEKERS[0], "seeker_id": "K-NEW"}
    assert "K-NEW" not in matcher.seekers.index
    assert matcher.vacancies_for_seeker(newcomer, k=3)["vacancy_id"][0] == "K-LAGER-OPEN"


def test_empty_results_have_the_schema(matcher: Matcher) -> None:
    nowhere = {**KNOWN_SEEKERS[0], "seeker_id": "K-FAR", "lat": 57.7, "lon": 10.6}  # Skagen: nothing near
    empty = matcher.vacancies_for_seeker(nowhere, k=5)
    assert empty.height == 0
    assert empty.columns == matcher.vacancies_for_seeker("K-TRUCK", k=1).columns
    assert matcher.vacancies_for_seeker("K-TRUCK", k=0).height == 0


def test_unknown_ids_are_clear_errors(matcher: Matcher) -> None:
    with pytest.raises(NotFoundError, match="unknown seeker id 'nobody'"):
        matcher.vacancies_for_seeker("nobody")
    with pytest.raises(NotFoundError, match="unknown vacancy id"):
        matcher.seekers_for_vacancy("V-nothing")


def test_other_industries_leave_own_sector_and_show_the_gap(matcher: Matcher) -> None:
    moves = other_industries(matcher, "K-TRUCK", n=5)
    assert moves.height == 5
    sectors = dict(matcher.taxonomy.occupations.select("occupation_id", "sector").iter_rows())
    assert "warehouse_transport" not in moves["sector"].to_list()
    assert sectors["dk.o.lagerarbejder"] == "warehouse_transport"
    assert moves["score"].is_sorted(descending=True)
    for row in moves.iter_rows(named=True):
        assert set(row["shared_skills"]).isdisjoint(row["gap_skills"])
        assert 0 <= row["essential_coverage"] <= 1


@pytest.mark.minilm
def test_stale_index_is_refused_with_rebuild_hint(
    known_home: Settings, tmp_path: pytest.TempPathFactory
) -> None:
    with Store(known_home.db_path) as store, pytest.raises(ArtefactError, match="jobmatch build"):
        Matcher.open(known_home.model_copy(update={"encoder": "minilm"}), store)


def test_matcher_never_sees_protected_attributes(matcher: Matcher) -> None:
    assert not {"gender", "age", "origin_group", "disability"} & set(matcher.seekers.frame.columns)
    assert KBH["postcode"] == 2100


def test_a_column_null_in_the_first_hundred_rows_is_still_typed_from_the_rest() -> None:
    """Polars types dict rows from the first 100 by default; 200 candidates whose first 150 have no value
    in a text column (as at Copenhagen size) came back as an error instead of a frame."""
    from matching.retrieval import _frame

    rows = [{"vacancy_id": f"v{i}", "desired_label": None if i < 150 else "Mejerist"} for i in range(200)]
    frame = _frame(rows, ["vacancy_id", "desired_label"])
    assert frame.height == 200 and frame["desired_label"].dtype == pl.String
    assert frame["desired_label"].drop_nulls().to_list() == ["Mejerist"] * 50


@pytest.mark.parametrize("sid", ["K-TRUCK", "K-NURSE"])
def test_unexplained_result_locates_the_same_vacancies(matcher: Matcher, sid: str) -> None:
    """``explain=False`` (the programme view's employers, the funnel's candidates) finds what the explained
    call finds; explaining its rows afterwards (any subset) gives the explained call's rows exactly."""
    full = matcher.vacancies_for_seeker(sid, k=40)
    bare = matcher.vacancies_for_seeker(sid, k=40, explain=False)
    assert full.height > 0
    cols = ["rank", "vacancy_id", "title", "employer_id", "occupation_id", "hours"]
    assert bare.select(cols).equals(full.select(cols))
    assert [round(d, 1) for d in bare["distance_km"]] == full["distance_km"].to_list()
    assert "summary_da" not in bare.columns
    assert matcher.explain_located(sid, bare).equals(full)
    pick = [2, 0] if bare.height > 2 else [0]
    assert matcher.explain_located(sid, bare[pick]).equals(full[pick])
