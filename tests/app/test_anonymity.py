"""Banded quasi-identifiers and k-anonymity of what an employer's shortlists show (``app.anonymity``)."""

from __future__ import annotations

from itertools import pairwise

import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from app.anonymity import (
    BANDED,
    BANDS,
    COARSENED,
    HIDDEN,
    LEVELS,
    QUASI_IDENTIFIERS,
    RAW,
    SUPPRESSED,
    anonymise,
    band,
    smallest_group,
)


def cards(rows: list[tuple[str, int, float, int, float]]) -> pl.DataFrame:
    return pl.DataFrame(rows, schema=["seeker_id", "isced_level", "experience_years", "hours_wanted",
                                      "distance_km"], orient="row")  # fmt: skip


def test_bands_are_the_documented_intervals() -> None:
    assert [band(v, "experience_band", 0) for v in (0, 1.9, 2, 4.99, 5, 9.9, 10, 40)] == [
        "exp_0_1", "exp_0_1", "exp_2_4", "exp_2_4", "exp_5_9", "exp_5_9", "exp_10_plus", "exp_10_plus"]  # fmt: skip
    assert [band(v, "education_band", 0) for v in range(9)] == ["isced_0_2"] * 3 + ["isced_3_4"] * 2 + [
        "isced_5_6"] * 2 + ["isced_7_8"] * 2  # fmt: skip
    assert [band(v, "hours_band", 1) for v in (15, 29, 30, 37)] == ["hours_0_29"] * 2 + ["hours_30_plus"] * 2
    assert [band(v, "distance_band", 0) for v in (0.4, 5.0, 14.9, 29, 31)] == [
        "km_0_5", "km_5_15", "km_5_15", "km_15_30", "km_30_plus"]  # fmt: skip
    assert band(12, "distance_band", None) == HIDDEN


@pytest.mark.parametrize("column", QUASI_IDENTIFIERS)
def test_coarse_bands_never_split_a_fine_band(column: str) -> None:
    """Coarsening merges groups, never splits them: two values in one fine band share their coarse band."""
    values = [x / 4 for x in range(0, 200)]
    fine_to_coarse: dict[str, set[str]] = {}
    for v in values:
        fine_to_coarse.setdefault(band(v, column, 0), set()).add(band(v, column, 1))
    assert all(len(coarse) == 1 for coarse in fine_to_coarse.values())


def test_levels_only_ever_get_coarser() -> None:
    rank = {0: 0, 1: 1, None: 2}
    for finer, coarser in pairwise(LEVELS):
        assert all(rank[a] <= rank[b] for a, b in zip(finer, coarser, strict=True))


def test_a_common_profile_keeps_fine_bands_and_a_rare_one_is_suppressed() -> None:
    # Ten people who look alike (fine bands identical), most shown on two vacancies, and one outlier.
    alike = [(f"P-{i}", 3, 6.0 + i / 10, 37, 8.0) for i in range(10)]
    frame = cards(alike + alike + [("P-rare", 8, 30.0, 15, 80.0)] + alike[:3])
    shown = anonymise(frame, k=5, max_suppressed_share=0.5)
    assert shown.height == frame.height and shown["seeker_id"].to_list() == frame["seeker_id"].to_list()
    assert shown.filter(pl.col("seeker_id") == "P-rare")["privacy"].to_list() == [SUPPRESSED]
    kept = shown.filter(pl.col("privacy") == BANDED)
    assert kept["seeker_id"].n_unique() == 6  # four of the ten are hidden too, so the outlier is not alone
    assert set(kept.select(QUASI_IDENTIFIERS).rows()) == {
        ("isced_3_4", "exp_5_9", "hours_30_plus", "km_5_15")
    }
    assert shown.filter(pl.col("privacy") == SUPPRESSED)["seeker_id"].n_unique() == 5
    assert smallest_group(shown) == 5


def test_suppressed_cards_are_topped_up_to_k_people_so_hiding_does_not_single_anyone_out() -> None:
    alike = [(f"P-{i}", 3, 6.0, 37, 8.0) for i in range(12)]
    rare = [("P-rare", 8, 30.0, 15, 80.0)]
    shown = anonymise(cards(alike + rare), k=5, max_suppressed_share=0.5)
    hidden = shown.filter(pl.col("privacy") == SUPPRESSED)
    assert "P-rare" in hidden["seeker_id"].to_list()
    assert hidden["seeker_id"].n_unique() >= 5  # the lone outlier is not the only "all hidden" card
    assert set(hidden.select(QUASI_IDENTIFIERS).row(0)) == {HIDDEN}
    assert smallest_group(shown) >= 5


def test_too_many_rare_cards_coarsen_every_card_rather_than_hide_them() -> None:
    # Twenty people, each unique at the fine level, alike at the coarse one.
    people = [(f"P-{i}", 3 + i % 2, 1.0 + i % 4, 15 + 5 * (i % 3), 1.0 + 3 * (i % 5)) for i in range(20)]
    shown = anonymise(cards(people), k=5)
    assert set(shown["privacy"]) == {COARSENED}  # hours and distance give way first; education stays fine
    assert set(shown["hours_band"]) == {"hours_0_29"} and set(shown["distance_band"]) == {"km_0_15"}
    assert set(shown["education_band"]) == {"isced_3_4"} and set(shown["experience_band"]) == {
        "exp_0_1",
        "exp_2_4",
    }
    assert smallest_group(shown) >= 5


def test_fewer_candidates_than_k_in_all_shows_nothing() -> None:
    shown = anonymise(cards([("P-1", 3, 2.0, 37, 4.0), ("P-2", 7, 9.0, 30, 12.0)]), k=5)
    assert set(shown["privacy"]) == {SUPPRESSED}
    assert {shown[c].unique().to_list()[0] for c in QUASI_IDENTIFIERS} == {HIDDEN}


def test_one_person_on_many_vacancies_counts_once() -> None:
    """Five cards of one person are one candidate, not five: counting cards would let a person be followed."""
    crowd = [(f"P-{i}", 3, 6.0, 37, 8.0) for i in range(6)]
    same_person = [("P-x", 7, 25.0, 15, 50.0)] * 5
    shown = anonymise(cards(crowd + same_person), k=5, max_suppressed_share=1.0)
    x = shown.filter(pl.col("seeker_id") == "P-x")
    assert set(x["privacy"]) == {SUPPRESSED}


profiles = st.tuples(
    st.integers(0, 8), st.floats(0, 40), st.sampled_from([15, 20, 25, 30, 37]), st.floats(0, 90)
)


@settings(max_examples=60, deadline=None)
@given(people=st.lists(profiles, min_size=1, max_size=40), vacancies=st.integers(1, 4), k=st.integers(2, 8),
       seed=st.integers(0, 10_000))  # fmt: skip
def test_every_shown_combination_is_shared_by_k_people(people: list[tuple[int, float, int, float]],
                                                        vacancies: int, k: int, seed: int) -> None:  # fmt: skip
    """The guarantee: across all of an employer's shortlists, no shown combination singles out fewer than k."""
    rows = []
    for v in range(vacancies):  # each vacancy shows a subset of the people, at its own distance
        for i, (edu, exp, hours, km) in enumerate(people):
            if (i * 7 + v * 3 + seed) % (v + 2):
                rows.append((f"P-{i}", edu, exp, hours, (km + 11 * v) % 90))
    frame = cards(rows)
    if frame.height == 0:
        return
    shown = anonymise(frame, k=k)
    if frame["seeker_id"].n_unique() >= k:
        assert smallest_group(shown) >= k
    else:
        assert set(shown["privacy"]) == {SUPPRESSED}
    for column in QUASI_IDENTIFIERS:  # codes only: no raw value reaches a band column
        codes = {c for level in BANDS[column] for c in level[1]} | {HIDDEN}
        assert set(shown[column]) <= codes
        assert RAW[column] in shown.columns
