"""Fairness metrics on hand-computed examples: selection rates, exposure, skew, NDKL, calibration, the
intervention helpers, suppression and the bootstrap engine."""

from __future__ import annotations

import math

import numpy as np
import polars as pl
import pytest

from evaluation.fairness import metrics as M


def _row(frame: pl.DataFrame, group: str) -> dict:
    return frame.filter(pl.col("group") == group).row(0, named=True)


def test_selection_rates_ratio_difference_and_flag() -> None:
    # a: 40 members, 20 selected (0.5); b: 40 members, 8 selected (0.2)
    sel = np.array([1] * 20 + [0] * 20 + [1] * 8 + [0] * 32)
    groups = ["a"] * 40 + ["b"] * 40
    f = M.selection_rates(sel, groups, reference="a", n_boot=200)
    a, b = _row(f, "a"), _row(f, "b")
    assert (a["n"], a["rate"], a["ratio"], a["difference"]) == (40, 0.5, 1.0, 0.0)
    assert b["rate"] == pytest.approx(0.2)
    assert b["ratio"] == pytest.approx(0.4)
    assert b["difference"] == pytest.approx(-0.3)
    assert b["below_four_fifths"] and not a["below_four_fifths"]
    assert b["ratio_lo"] <= 0.4 <= b["ratio_hi"] and b["ratio_hi"] < 1
    assert b["rate_lo"] <= 0.2 <= b["rate_hi"]
    assert M.demographic_parity(f) == {"ratio": pytest.approx(0.4), "difference": pytest.approx(0.3)}
    # default reference: the largest group
    g = M.selection_rates(sel[:60], groups[:60], n_boot=50)
    assert set(g["reference"].to_list()) == {"a"}


def test_small_cells_are_suppressed() -> None:
    sel = np.array([1, 0] * 20 + [1] * 5)
    groups = ["big"] * 40 + ["small"] * 5
    f = M.selection_rates(sel, groups, min_cell=30, n_boot=50)
    small = _row(f, "small")
    assert small["suppressed"] and small["n"] == 5
    assert small["rate"] is None and small["ratio"] is None and small["rate_lo"] is None
    assert not _row(f, "big")["suppressed"]
    cells = M.as_cells(f, ["rate", "ratio"])
    assert cells["small"] == {"n": 5, "suppressed": True, "rate": {"value": None, "ci": [None, None]},
                              "ratio": {"value": None, "ci": [None, None]}}  # fmt: skip
    assert cells["big"]["rate"]["value"] == 0.5
    assert M.demographic_parity(f)["ratio"] == 1.0  # the suppressed cell does not count


def test_bootstrap_engine_counts_units() -> None:
    values = np.ones((6, 1))
    codes = np.array([0, 0, 1, 1, 1, 1])
    sums = M.bootstrap_group_sums(values, codes, 2, n_boot=300, seed=1)
    assert sums.shape == (300, 2, 1)
    assert np.all(sums.sum(axis=(1, 2)) == 6)  # six rows drawn each time
    # clusters: rows of one cluster move together, so group 1 (one cluster of 4) comes in 0, 4 or 8 rows
    clusters = np.array([0, 1, 2, 2, 2, 2])
    cs = M.bootstrap_group_sums(values, codes, 2, clusters=clusters, n_boot=300, seed=1)
    assert set(np.unique(cs[:, 1, 0]).tolist()) <= {0.0, 4.0, 8.0, 12.0}
    assert np.allclose(cs.mean(axis=0)[:, 0], [2, 4], atol=0.4)
    same = M.bootstrap_group_sums(values, codes, 2, n_boot=300, seed=1)
    assert np.array_equal(sums, same)  # seeded


def test_position_exposure_and_group_exposure_by_hand() -> None:
    assert M.position_exposure(np.array([1, 2, 3, 0, 11]), k=10).tolist() == pytest.approx(
        [1.0, 1 / math.log2(3), 0.5, 0.0, 0.0]
    )
    # one ranking of four: a at ranks 1 and 3, b at 2 and 4; k = 4
    ranks = np.array([1, 3, 2, 4])
    groups = ["a", "a", "b", "b"]
    merit = np.array([1.0, 1.0, 1.0, 1.0])
    f = M.exposure_by_group(ranks, groups, k=4, merit=merit, reference="a", min_cell=1, n_boot=20)
    ea = (1 + 0.5) / 2
    eb = (1 / math.log2(3) + 1 / math.log2(5)) / 2
    assert _row(f, "a")["exposure"] == pytest.approx(ea)
    assert _row(f, "b")["exposure"] == pytest.approx(eb)
    assert _row(f, "b")["exposure_ratio"] == pytest.approx(eb / ea)
    assert _row(f, "b")["exposure_per_merit_ratio"] == pytest.approx(eb / ea)
    # merit twice as high for a: exposure per merit halves for a
    f2 = M.exposure_by_group(ranks, groups, k=4, merit=np.array([2.0, 2.0, 1.0, 1.0]), reference="a",
                             min_cell=1, n_boot=20)  # fmt: skip
    assert _row(f2, "a")["exposure_per_merit"] == pytest.approx(ea / 2)
    assert _row(f2, "b")["exposure_per_merit_ratio"] == pytest.approx(eb / (ea / 2))


def test_skew_and_ndkl_by_hand() -> None:
    ranked = ["a", "a", "b", "a"]
    ref = {"a": 0.5, "b": 0.5}
    sk = M.skew_at_k(ranked, ref, 4)
    assert sk["a"] == pytest.approx(math.log(0.75 / 0.5))
    assert sk["b"] == pytest.approx(math.log(0.25 / 0.5))
    assert M.skew_at_k(["a", "a"], ref, 2)["b"] == -math.inf
    # NDKL: prefixes a | aa | aab | aaba against 50/50
    kl = [
        math.log(2),
        math.log(2),
        (2 / 3) * math.log((2 / 3) / 0.5) + (1 / 3) * math.log((1 / 3) / 0.5),
        0.75 * math.log(1.5) + 0.25 * math.log(0.5),
    ]
    w = [1 / math.log2(i + 1) for i in range(1, 5)]
    assert M.ndkl(ranked, ref) == pytest.approx(sum(x * y for x, y in zip(kl, w, strict=True)) / sum(w))
    assert M.ndkl(["a", "b"], {"a": 1.0}) == math.inf
    assert M.ndkl(["a", "b", "a", "b"], {"a": 0.5, "b": 0.5}, k=2) == pytest.approx(
        (math.log(2) * 1) / (1 + 1 / math.log2(3))
    )
    assert M.kl_divergence({"a": 0.5, "b": 0.5}, {"a": 0.5, "b": 0.5}) == 0.0


def test_pooled_skew_over_many_lists() -> None:
    # two lists of 10: group b holds 1 and 2 places, with reference shares 0.2 and 0.1
    top = np.array([[9, 1], [8, 2]])
    ref = np.array([[0.8, 0.2], [0.9, 0.1]])
    f = M.pooled_skew(top, np.array([10, 10]), ref, ["a", "b"], min_cell=1, n_boot=100)
    b = _row(f, "b")
    assert b["share"] == pytest.approx(0.15) and b["reference_share"] == pytest.approx(0.15)
    assert b["skew"] == pytest.approx(0.0)
    assert _row(f, "a")["skew"] == pytest.approx(0.0)
    f2 = M.pooled_skew(
        np.array([[10, 0], [10, 0]]),
        np.array([10, 10]),
        ref,
        ["a", "b"],
        min_cell=1,
        n_boot=50,
        pool_sizes=np.array([[80, 20], [90, 10]]),
    )
    assert _row(f2, "a")["skew"] == pytest.approx(math.log(1 / 0.85))
    assert _row(f2, "b")["skew"] == -math.inf and _row(f2, "b")["n"] == 30
    # without pool sizes the cell size is the top-k count: b never appears, so it is suppressed
    f3 = M.pooled_skew(
        np.array([[10, 0], [10, 0]]), np.array([10, 10]), ref, ["a", "b"], min_cell=1, n_boot=5
    )
    assert _row(f3, "b")["suppressed"] and _row(f3, "b")["skew"] is None


def test_equalized_odds_by_hand() -> None:
    y_true = [1, 1, 0, 0, 1, 1, 0, 0]
    y_pred = [1, 0, 1, 0, 1, 1, 0, 0]
    eo = M.equalized_odds(y_true, y_pred, list("aaaabbbb"))
    assert eo["tpr"] == {"a": 0.5, "b": 1.0}
    assert eo["fpr"] == {"a": 0.5, "b": 0.0}
    assert eo["difference"] == 0.5
    assert eo["ratio"] == 0.0


def test_calibration_by_group_by_hand() -> None:
    predicted = np.array([0.5] * 40 + [0.5] * 40)
    observed = np.array([1, 0] * 20 + [1, 0, 0, 0] * 10)
    f = M.calibration_by_group(predicted, observed, ["a"] * 40 + ["b"] * 40, reference="a", n_boot=100)
    a, b = _row(f, "a"), _row(f, "b")
    assert a["observed_over_predicted"] == pytest.approx(1.0) and a["ece"] == pytest.approx(0.0)
    assert b["observed"] == pytest.approx(0.25) and b["observed_over_predicted"] == pytest.approx(0.5)
    assert b["ece"] == pytest.approx(0.25)
    assert b["observed_over_predicted_lo"] < 0.5 < b["observed_over_predicted_hi"] < 1


def test_programme_shares_and_mean_by_group() -> None:
    assign = np.array(["none"] * 20 + ["ips"] * 20 + ["none"] * 30 + ["ips"] * 10)
    groups = ["a"] * 40 + ["b"] * 40
    f = M.programme_shares(assign, groups, ["none", "ips"], reference="a", n_boot=50)
    ips_b = f.filter((pl.col("programme") == "ips") & (pl.col("group") == "b")).row(0, named=True)
    assert ips_b["rate"] == pytest.approx(0.25) and ips_b["ratio"] == pytest.approx(0.5)
    gains = np.where(assign == "ips", 0.1, 0.0)
    m = M.mean_by_group(gains, groups, name="gain", reference="a", n_boot=50)
    assert _row(m, "a")["gain"] == pytest.approx(0.05)
    assert _row(m, "b")["gain"] == pytest.approx(0.025)
    assert _row(m, "b")["difference"] == pytest.approx(-0.025)


def test_encode_sorts_and_names_nulls() -> None:
    codes, names = M.encode(["b", None, "a", "b"])
    assert names == ["a", "b", "ukendt"]
    assert codes.tolist() == [1, 2, 0, 1]
