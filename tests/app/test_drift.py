"""Population stability index: known values, the readings, and the latest-import comparison."""

from __future__ import annotations

import json

import numpy as np
import polars as pl
import pytest

from app.drift import categorical_shares, drift_table, numeric_shares, psi, seeker_drift
from data.store import Store


def test_psi_matches_the_formula_and_is_zero_for_equal_shares() -> None:
    assert psi(np.array([0.5, 0.5]), np.array([0.5, 0.5])) == 0.0
    expected = (0.7 - 0.5) * np.log(0.7 / 0.5) + (0.3 - 0.5) * np.log(0.3 / 0.5)
    assert psi(np.array([0.5, 0.5]), np.array([0.7, 0.3])) == pytest.approx(expected)
    r, c = categorical_shares(["a", "a", "b", "b"], ["a", "b", "b", "b"])
    assert r.tolist() == [0.5, 0.5] and c.tolist() == [0.25, 0.75]


def test_numeric_shares_use_reference_deciles() -> None:
    ref = np.arange(1000, dtype=float)
    r, c = numeric_shares(ref, ref + 0.0)
    assert np.allclose(r, 0.1) and psi(r, c) == pytest.approx(0.0)
    _, shifted = numeric_shares(ref, ref + 500)
    assert shifted[-1] > 0.5 and psi(r, shifted) > 0.25


def test_drift_table_reads_stable_and_shifted_features() -> None:
    rng = np.random.default_rng(0)
    n = 4000

    def frame(shift: float, dagpenge: float) -> pl.DataFrame:
        return pl.DataFrame({
            "weeks_unemployed": rng.poisson(20 + shift, n), "isced_level": rng.integers(1, 8, n),
            "experience_years": rng.gamma(2, 3, n), "max_commute_km": rng.normal(18, 4, n),
            "hours_wanted": rng.choice([25, 37], n), "n_skills": rng.poisson(9, n),
            "benefit_type": np.where(rng.random(n) < dagpenge, "dagpenge", "kontanthjaelp"),
            "target_group": rng.choice(["jobparat", "aktivitetsparat"], n), "consent_employer_view": rng.random(n) < 0.8,
            "driving_licence": rng.random(n) < 0.7, "jobcenter_id": rng.choice(["jc-kbh", "jc-odense"], n),
        })  # fmt: skip

    table = drift_table(frame(0, 0.5), frame(15, 0.9))
    reading = dict(zip(table["feature"], table["reading"], strict=True))
    assert reading["weeks_unemployed"] == "skift: tjek modellerne"
    assert reading["benefit_type"] == "skift: tjek modellerne"
    assert reading["isced_level"] == "stabil" and reading["jobcenter_id"] == "stabil"


def test_latest_import_is_compared_with_the_rest(writable_world: Store) -> None:
    ids = writable_world.query("SELECT seeker_id FROM seekers ORDER BY seeker_id LIMIT 100")[
        "seeker_id"
    ].to_list()
    writable_world.set_meta("last_import:seekers", json.dumps({"file": "ny.csv", "rows": 100, "ts": "20261129",
                                                                "ids": ids}))  # fmt: skip
    label, table = seeker_drift(writable_world)
    assert "seneste import" in label and "100 nye" in label and "ny.csv" in label
    assert "weeks_unemployed" in table["feature"].to_list()


def test_drift_table_keeps_values_apart_so_the_page_can_word_them() -> None:
    reference = pl.DataFrame({"weeks_unemployed": [10, 20], "isced_level": [3, 3], "experience_years": [1, 2],
                              "max_commute_km": [10, 20], "hours_wanted": [37, 37], "n_skills": [5, 6],
                              "benefit_type": ["kontanthjaelp", "kontanthjaelp"], "target_group": ["jobparat"] * 2,
                              "consent_employer_view": [True, False], "driving_licence": [True, True],
                              "jobcenter_id": ["jc-odense", "jc-kbh"]})  # fmt: skip
    table = drift_table(reference, reference)
    rows = {r["feature"]: r for r in table.iter_rows(named=True)}
    assert (
        rows["weeks_unemployed"]["reference_mean"] == 15.0
        and rows["weeks_unemployed"]["reference_top"] is None
    )
    assert (rows["benefit_type"]["newest_top"], rows["benefit_type"]["newest_share"]) == (
        "kontanthjaelp",
        1.0,
    )
    assert rows["driving_licence"]["reference_top"] == "True"
