"""Ranking metrics: hand-computed examples, edge cases, input validation, a cross-check against trec_eval
(through ``pytrec_eval``), hypothesis properties of ranking invariants, and the speed of ``evaluate``."""

from __future__ import annotations

import json
import math
from typing import Any

import numpy as np
import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from evaluation.metrics import (
    average_precision,
    bootstrap_ci,
    catalogue_coverage,
    evaluate,
    exposure_gini,
    ndcg_at_k,
    per_user_metrics,
    precision_at_k,
    recall_at_k,
    reciprocal_rank,
)

METRICS = ("precision", "recall", "ndcg", "map", "mrr")
FUNCS = {
    "precision": precision_at_k,
    "recall": recall_at_k,
    "ndcg": ndcg_at_k,
    "map": average_precision,
    "mrr": reciprocal_rank,
}


def make_recs(lists: dict[Any, list[Any]]) -> pl.DataFrame:
    """Recommendation lists in rank order -> tidy frame with 1-based ranks."""
    rows = [(u, item, r) for u, items in lists.items() for r, item in enumerate(items, start=1)]
    users, items, ranks = zip(*rows, strict=True) if rows else ((), (), ())
    return pl.DataFrame(
        {"seeker_id": list(users), "vacancy_id": list(items), "rank": list(ranks)},
        schema={"seeker_id": pl.String, "vacancy_id": pl.String, "rank": pl.Int64},
    ).with_columns(score=-pl.col("rank").cast(pl.Float64))


def make_truth(gains: dict[Any, dict[Any, float]]) -> pl.DataFrame:
    rows = [(u, item, g) for u, d in gains.items() for item, g in d.items()]
    users, items, gs = zip(*rows, strict=True) if rows else ((), (), ())
    return pl.DataFrame(
        {"seeker_id": list(users), "vacancy_id": list(items), "gain": list(gs)},
        schema={"seeker_id": pl.String, "vacancy_id": pl.String, "gain": pl.Float64},
    )


def values(frame: pl.DataFrame) -> dict[Any, float]:
    """{seeker_id: value} of a per-user metric frame (second column)."""
    return dict(zip(frame["seeker_id"].to_list(), frame[frame.columns[1]].to_list(), strict=True))


# ------------------------------------------------------------------------------------ hand-computed cases

# Seeker "a": list v1 v2 v3 v4 v5; relevant v2 (gain 3), v4 (gain 1), v9 (gain 2, never recommended).
# Seeker "b": relevant v1, no recommendations at all.
# Seeker "c": one recommendation v7, relevant v7 (gain 2): k larger than the list.
# Seeker "d": v3 recommended but judged non-relevant (gain 0): no relevant item at all.
# Seeker "z": recommendations but no truth -> not evaluated by the per-user metrics.
RECS = make_recs({"a": ["v1", "v2", "v3", "v4", "v5"], "c": ["v7"], "d": ["v3"], "z": ["v8", "v1"]})
TRUTH = make_truth({"a": {"v2": 3, "v4": 1, "v9": 2}, "b": {"v1": 1}, "c": {"v7": 2}, "d": {"v3": 0}})

L3, L4, L5 = math.log2(3), math.log2(4), math.log2(5)
# ideal DCG of "a" from its truth gains sorted 3, 2, 1: 3/log2(2) + 2/log2(3) + 1/log2(4) = 3 + 1.26186 + 0.5
IDCG_A = 3 / 1 + 2 / L3 + 1 / L4  # 4.761860

EXPECTED: dict[int, dict[str, dict[str, float]]] = {
    5: {
        # a: hits at ranks 2 (gain 3) and 4 (gain 1)
        #   precision 2/5; recall 2/3; DCG = 3/log2(3) + 1/log2(5) = 1.892789 + 0.430677 = 2.323466,
        #   NDCG = 2.323466 / 4.761860 = 0.487932; AP = (1/2 + 2/4) / min(3, 5) = 1/3; RR = 1/2
        # c: hit at rank 1 of a one-item list, k = 5 > list length: precision 1/5 (always / k);
        #   recall 1/1; NDCG (2/1)/(2/1) = 1; AP = (1/1) / min(1, 5) = 1; RR = 1
        "precision": {"a": 2 / 5, "b": 0.0, "c": 1 / 5, "d": 0.0},
        "recall": {"a": 2 / 3, "b": 0.0, "c": 1.0, "d": 0.0},
        "ndcg": {"a": (3 / L3 + 1 / L5) / IDCG_A, "b": 0.0, "c": 1.0, "d": 0.0},
        "map": {"a": 1 / 3, "b": 0.0, "c": 1.0, "d": 0.0},
        "mrr": {"a": 1 / 2, "b": 0.0, "c": 1.0, "d": 0.0},
    },
    3: {
        # a: only the hit at rank 2 is in the top 3
        #   precision 1/3; recall 1/3; NDCG = (3/log2(3)) / IDCG@3 (all three ideal gains fit) = 0.397489;
        #   AP = (1/2) / min(3, 3) = 1/6; RR = 1/2
        "precision": {"a": 1 / 3, "b": 0.0, "c": 1 / 3, "d": 0.0},
        "recall": {"a": 1 / 3, "b": 0.0, "c": 1.0, "d": 0.0},
        "ndcg": {"a": (3 / L3) / IDCG_A, "b": 0.0, "c": 1.0, "d": 0.0},
        "map": {"a": 1 / 6, "b": 0.0, "c": 1.0, "d": 0.0},
        "mrr": {"a": 1 / 2, "b": 0.0, "c": 1.0, "d": 0.0},
    },
    2: {
        # a: precision 1/2; recall 1/3; IDCG@2 = 3/1 + 2/log2(3) = 4.261860, NDCG = 1.892789/4.261860 = 0.444123;
        #   AP = (1/2) / min(3, 2) = 1/4; RR = 1/2
        "precision": {"a": 1 / 2, "b": 0.0, "c": 1 / 2, "d": 0.0},
        "recall": {"a": 1 / 3, "b": 0.0, "c": 1.0, "d": 0.0},
        "ndcg": {"a": (3 / L3) / (3 + 2 / L3), "b": 0.0, "c": 1.0, "d": 0.0},
        "map": {"a": 1 / 4, "b": 0.0, "c": 1.0, "d": 0.0},
        "mrr": {"a": 1 / 2, "b": 0.0, "c": 1.0, "d": 0.0},
    },
    1: {
        # a: no relevant item in the top 1 (v1 is not relevant for a) -> every metric 0
        "precision": {"a": 0.0, "b": 0.0, "c": 1.0, "d": 0.0},
        "recall": {"a": 0.0, "b": 0.0, "c": 1.0, "d": 0.0},
        "ndcg": {"a": 0.0, "b": 0.0, "c": 1.0, "d": 0.0},
        "map": {"a": 0.0, "b": 0.0, "c": 1.0, "d": 0.0},
        "mrr": {"a": 0.0, "b": 0.0, "c": 1.0, "d": 0.0},
    },
}


@pytest.mark.parametrize("k", sorted(EXPECTED))
@pytest.mark.parametrize("metric", METRICS)
def test_hand_computed(metric: str, k: int) -> None:
    frame = FUNCS[metric](RECS, TRUTH, k)
    assert frame.columns == ["seeker_id", f"{metric}@{k}"]
    assert frame["seeker_id"].to_list() == ["a", "b", "c", "d"]  # every truth user, sorted; "z" ignored
    got = values(frame)
    for user, want in EXPECTED[k][metric].items():
        assert got[user] == pytest.approx(want, abs=1e-12), (metric, k, user)


def test_hand_computed_numbers_match_the_comments() -> None:
    assert abs(IDCG_A - 4.761860) < 1e-6
    assert EXPECTED[5]["ndcg"]["a"] == pytest.approx(0.487932, abs=1e-6)
    assert EXPECTED[3]["ndcg"]["a"] == pytest.approx(0.397489, abs=1e-6)
    assert EXPECTED[2]["ndcg"]["a"] == pytest.approx(0.444123, abs=1e-6)


def test_per_user_metrics_has_all_columns() -> None:
    table = per_user_metrics(RECS, TRUTH, 5)
    assert table.columns == ["seeker_id", *(f"{m}@5" for m in METRICS)]
    for metric in METRICS:
        assert values(table.select("seeker_id", f"{metric}@5")) == pytest.approx(EXPECTED[5][metric])


def test_average_precision_normalisers() -> None:
    # a at k=2: sum of precisions at relevant ranks = 1/2; 3 relevant items
    #   "min": (1/2) / min(3, 2) = 1/4; "relevant" (trec_eval map_cut): (1/2) / 3 = 1/6
    assert values(average_precision(RECS, TRUTH, 2))["a"] == pytest.approx(1 / 4)
    assert values(average_precision(RECS, TRUTH, 2, normalise="relevant"))["a"] == pytest.approx(1 / 6)
    # a at k=5: min(3, 5) = 3 = |relevant|: the conventions agree (1/3)
    assert values(average_precision(RECS, TRUTH, 5, normalise="relevant"))["a"] == pytest.approx(1 / 3)
    with pytest.raises(ValueError, match="normalise"):
        average_precision(RECS, TRUTH, 2, normalise="bogus")  # type: ignore[arg-type]


def test_gain_defaults_to_one_and_graded_gains_only_affect_ndcg() -> None:
    binary = TRUTH.with_columns(pl.when(pl.col("gain") > 0).then(1.0).otherwise(0.0).alias("gain"))
    no_gain = binary.filter(pl.col("gain") > 0).drop("gain")
    for metric in ("precision", "recall", "map", "mrr"):
        graded = values(FUNCS[metric](RECS, TRUTH, 5))
        assert values(FUNCS[metric](RECS, binary, 5)) == graded
        # without a gain column "d" has no row and is not evaluated, the others score the same
        assert values(FUNCS[metric](RECS, no_gain, 5)) == {u: v for u, v in graded.items() if u != "d"}
    # binary NDCG of a at k=5: (1/log2(3) + 1/log2(5)) / (1 + 1/log2(3) + 1/log2(4)) = 1.061606/2.130930 = 0.498189
    assert values(ndcg_at_k(RECS, no_gain, 5))["a"] == pytest.approx(
        (1 / L3 + 1 / L5) / (1 + 1 / L3 + 1 / L4)
    )
    assert values(ndcg_at_k(RECS, no_gain, 5))["a"] == pytest.approx(0.498189, abs=1e-6)


def test_fractional_gains() -> None:
    recs = make_recs({"u": ["x", "y"]})
    truth = make_truth({"u": {"x": 0.5, "y": 2.5}})
    # DCG = 0.5/1 + 2.5/log2(3) = 2.077324; IDCG = 2.5/1 + 0.5/log2(3) = 2.815465 -> 0.737826
    assert values(ndcg_at_k(recs, truth, 2))["u"] == pytest.approx((0.5 + 2.5 / L3) / (2.5 + 0.5 / L3))
    assert values(ndcg_at_k(recs, truth, 2))["u"] == pytest.approx(0.737826, abs=1e-6)


def test_no_recommendations_at_all() -> None:
    empty = make_recs({})
    for metric in METRICS:
        assert values(FUNCS[metric](empty, TRUTH, 10)) == {"a": 0.0, "b": 0.0, "c": 0.0, "d": 0.0}


def test_integer_ids_of_different_widths() -> None:
    recs = pl.DataFrame({"seeker_id": [1, 1], "vacancy_id": [10, 11], "rank": [1, 2]}).cast(
        {"seeker_id": pl.Int32, "vacancy_id": pl.Int32}
    )
    truth = pl.DataFrame({"seeker_id": [1], "vacancy_id": [11]})  # Int64
    # the hit is at rank 2: RR 1/2
    assert values(reciprocal_rank(recs, truth, 5)) == {1: 0.5}


# ----------------------------------------------------------------------------------- catalogue metrics


def test_catalogue_coverage_hand_computed() -> None:
    # top 2: a -> v1 v2; c -> v7; d -> v3; z -> v8 v1  => distinct {v1, v2, v3, v7, v8} = 5 of 10
    assert catalogue_coverage(RECS, 10, 2) == pytest.approx(0.5)
    # top 1: v1, v7, v3, v8 => 4 of 10
    assert catalogue_coverage(RECS, 10, 1) == pytest.approx(0.4)
    # top 5: v1..v5, v7, v8 => 7 of 8
    assert catalogue_coverage(RECS, 8, 5) == pytest.approx(7 / 8)
    with pytest.raises(ValueError, match="catalogue_size"):
        catalogue_coverage(RECS, 3, 5)  # more distinct items shown than the catalogue holds
    with pytest.raises(ValueError, match="catalogue_size"):
        catalogue_coverage(RECS, 0, 5)


def test_exposure_gini_hand_computed() -> None:
    # all exposure on one item of 4: ascending x = [0, 0, 0, 3], Gini = (2*4 - 4 - 1) * 3 / (4 * 3) = 3/4 = (n-1)/n
    recs = make_recs({"x": ["a", "b"], "y": ["a", "c"], "z": ["a"]})
    assert exposure_gini(recs, 1, 4, discount="none") == pytest.approx(0.75)
    # log discount, two seekers u1 = [a, b], u2 = [a, c], k = 2:
    #   exposure a = 1/log2(2) + 1/log2(2) = 2, b = c = 1/log2(3) = 0.630930; total 3.261860
    #   3 items: ascending [0.63093, 0.63093, 2], weights 2i - n - 1 = -2, 0, 2
    #     Gini = (-2*0.63093 + 2*2) / (3 * 3.261860) = 2.738140 / 9.785579 = 0.279814
    #   4 items (d never shown): ascending [0, 0.63093, 0.63093, 2], weights -3, -1, 1, 3
    #     Gini = (3*2) / (4 * 3.261860) = 6 / 13.047438 = 0.459860
    recs = make_recs({"u1": ["a", "b"], "u2": ["a", "c"]})
    total = 2 + 2 / L3
    assert exposure_gini(recs, 2, 3) == pytest.approx((-2 / L3 + 4) / (3 * total))
    assert exposure_gini(recs, 2, 3) == pytest.approx(0.279814, abs=1e-6)
    assert exposure_gini(recs, 2, 4) == pytest.approx(6 / (4 * total))
    assert exposure_gini(recs, 2, 4) == pytest.approx(0.459860, abs=1e-6)
    # reciprocal discount: a = 2, b = c = 1/2; 3 items: (-2*0.5 + 2*2) / (3 * 3) = 1/3
    assert exposure_gini(recs, 2, 3, discount="reciprocal") == pytest.approx(1 / 3)
    # nothing shown: equal (zero) exposure
    assert exposure_gini(make_recs({}), 5, 10) == 0.0
    with pytest.raises(ValueError, match="n_items"):
        exposure_gini(recs, 2, 2)
    with pytest.raises(ValueError, match="discount"):
        exposure_gini(recs, 2, 3, discount="linear")  # type: ignore[arg-type]


# ------------------------------------------------------------------------------------------- validation


@pytest.mark.parametrize(
    ("recs", "match"),
    [
        (pl.DataFrame({"seeker_id": ["u", "u"], "vacancy_id": ["x", "x"], "rank": [1, 2]}), "duplicate"),
        (pl.DataFrame({"seeker_id": ["u", "u"], "vacancy_id": ["x", "y"], "rank": [1, 3]}), r"1\.\.n"),
        (pl.DataFrame({"seeker_id": ["u", "u"], "vacancy_id": ["x", "y"], "rank": [0, 1]}), r"1\.\.n"),
        (pl.DataFrame({"seeker_id": ["u", "u"], "vacancy_id": ["x", "y"], "rank": [1, 1]}), r"1\.\.n"),
        (pl.DataFrame({"seeker_id": ["u"], "vacancy_id": ["x"], "rank": [1.0]}), "integer"),
        (pl.DataFrame({"seeker_id": ["u"], "vacancy_id": [None], "rank": [1]}), "null"),
        (pl.DataFrame({"seeker_id": ["u"], "vacancy_id": ["x"]}), "lacks"),
        (pl.DataFrame({"seeker_id": [1], "vacancy_id": ["x"], "rank": [1]}), "dtype"),
    ],
)
def test_invalid_recs(recs: pl.DataFrame, match: str) -> None:
    truth = make_truth({"u": {"x": 1}})
    with pytest.raises(ValueError, match=match):
        precision_at_k(recs, truth, 5)
    with pytest.raises(ValueError, match=match):
        evaluate(recs, truth, catalogue_size=10)


@pytest.mark.parametrize(
    ("truth", "match"),
    [
        (pl.DataFrame({"seeker_id": ["u", "u"], "vacancy_id": ["x", "x"]}), "duplicate"),
        (pl.DataFrame({"seeker_id": ["u"], "vacancy_id": ["x"], "gain": [-1.0]}), ">= 0"),
        (pl.DataFrame({"seeker_id": ["u"], "vacancy_id": ["x"], "gain": [float("nan")]}), "finite"),
        (
            pl.DataFrame(
                {"seeker_id": ["u"], "vacancy_id": ["x"], "gain": [None]},
                schema_overrides={"gain": pl.Float64},
            ),
            "null",
        ),
        (pl.DataFrame({"seeker_id": ["u"], "vacancy_id": ["x"], "gain": ["high"]}), "numeric"),
        (pl.DataFrame({"seeker_id": ["u"]}), "lacks"),
    ],
)
def test_invalid_truth(truth: pl.DataFrame, match: str) -> None:
    with pytest.raises(ValueError, match=match):
        ndcg_at_k(RECS, truth, 5)


@pytest.mark.parametrize("k", [0, -3, True, 2.5])
def test_invalid_k(k: Any) -> None:
    with pytest.raises(ValueError, match="positive integer"):
        recall_at_k(RECS, TRUTH, k)
    with pytest.raises(ValueError, match="positive integer"):
        catalogue_coverage(RECS, 10, k)
    with pytest.raises(ValueError, match="positive integer"):
        exposure_gini(RECS, k, 10)
    with pytest.raises(ValueError, match="positive integer"):
        evaluate(RECS, TRUTH, ks=(10, k), catalogue_size=10)


def test_not_a_polars_frame() -> None:
    with pytest.raises(TypeError, match="polars DataFrame"):
        precision_at_k(RECS.to_dicts(), TRUTH, 5)  # type: ignore[arg-type]


# -------------------------------------------------------------------------------------------- bootstrap


def test_bootstrap_ci_deterministic_and_sensible() -> None:
    rng = np.random.default_rng(1)
    x = rng.random(2_000)
    lo, hi = bootstrap_ci(x, seed=3)
    assert (lo, hi) == bootstrap_ci(x, seed=3)  # deterministic for a seed
    assert (lo, hi) == bootstrap_ci(pl.Series(x), seed=3)  # a polars Series works too
    assert (lo, hi) != bootstrap_ci(x, seed=4)
    assert lo < x.mean() < hi
    # the percentile CI of a mean is close to the normal one: mean +- 1.96 sd / sqrt(n)
    half = 1.96 * x.std(ddof=1) / math.sqrt(len(x))
    assert lo == pytest.approx(x.mean() - half, abs=0.2 * half)
    assert hi == pytest.approx(x.mean() + half, abs=0.2 * half)
    # a narrower interval for a larger alpha
    lo90, hi90 = bootstrap_ci(x, alpha=0.10, seed=3)
    assert lo < lo90 < hi90 < hi


def test_bootstrap_ci_edge_cases() -> None:
    assert bootstrap_ci(np.full(50, 0.25), n_boot=200) == (0.25, 0.25)
    assert bootstrap_ci([0.7], n_boot=50) == (0.7, 0.7)
    assert all(math.isnan(v) for v in bootstrap_ci([]))
    with pytest.raises(ValueError, match="finite"):
        bootstrap_ci([0.1, float("nan")])
    with pytest.raises(ValueError, match="alpha"):
        bootstrap_ci([0.1, 0.2], alpha=1.5)
    with pytest.raises(ValueError, match="n_boot"):
        bootstrap_ci([0.1, 0.2], n_boot=0)
    with pytest.raises(ValueError, match="one-dimensional"):
        bootstrap_ci(np.zeros((3, 2)))


# --------------------------------------------------------------------------------------------- evaluate


def test_evaluate_names_values_and_cis() -> None:
    out = evaluate(RECS, TRUTH, ks=(5, 2), catalogue_size=10, seed=7, n_boot=300)
    assert list(out) == [
        *(f"{m}@5" for m in (*METRICS, "coverage", "gini")),
        *(f"{m}@2" for m in (*METRICS, "coverage", "gini")),
    ]
    json.dumps(out)  # plain floats and lists
    for k in (5, 2):
        table = per_user_metrics(RECS, TRUTH, k)
        for metric in METRICS:
            name = f"{metric}@{k}"
            # mean over the four truth users, e.g. precision@5 = (0.4 + 0 + 0.2 + 0) / 4 = 0.15
            assert out[name]["value"] == pytest.approx(sum(EXPECTED[k][metric].values()) / 4)
            # one resampling shared by all per-user metrics: each CI is bootstrap_ci of its column
            assert out[name]["ci"] == list(bootstrap_ci(table[name], n_boot=300, seed=7))
            assert out[name]["ci"][0] <= out[name]["value"] <= out[name]["ci"][1]
        assert out[f"coverage@{k}"]["value"] == catalogue_coverage(RECS, 10, k)
        assert out[f"gini@{k}"]["value"] == exposure_gini(RECS, k, 10)
        for metric in ("coverage", "gini"):  # catalogue metrics are not resampled
            assert out[f"{metric}@{k}"]["ci"] == [out[f"{metric}@{k}"]["value"]] * 2
    assert out["precision@5"]["value"] == pytest.approx(0.15)
    assert evaluate(RECS, TRUTH, ks=(5, 2), catalogue_size=10, seed=7, n_boot=300) == out


def test_evaluate_default_keys() -> None:
    out = evaluate(RECS, TRUTH, catalogue_size=10)
    assert {"precision@10", "recall@10", "ndcg@10", "map@10", "mrr@10", "coverage@10", "gini@10"} <= set(out)
    assert {"recall@50", "ndcg@50", "coverage@50", "gini@50"} <= set(out)
    assert all(set(v) == {"value", "ci"} for v in out.values())


@pytest.mark.parametrize("ks", [(), (5, 5), 10])
def test_evaluate_invalid_ks(ks: Any) -> None:
    with pytest.raises(ValueError, match="ks"):
        evaluate(RECS, TRUTH, ks=ks, catalogue_size=10)


def test_evaluate_empty_truth() -> None:
    with pytest.raises(ValueError, match="truth is empty"):
        evaluate(RECS, make_truth({}), catalogue_size=10)


def random_instance(seed: int, n_users: int = 300, n_items: int = 150) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Integer ids; list lengths 0..60 (0: seeker absent from recs); 0..8 truth items with gains 0..3,
    half of them drawn from the seeker's list so that there are hits; 10% of listed seekers have no truth."""
    rng = np.random.default_rng(seed)
    recs_rows: list[tuple[int, int, int]] = []
    truth_rows: list[tuple[int, int, int]] = []
    for u in range(n_users):
        items = rng.permutation(n_items)[: rng.integers(0, 61)]
        recs_rows += [(u, int(i), r) for r, i in enumerate(items, start=1)]
        if rng.random() < 0.1:
            continue
        pool = np.concatenate([items, rng.integers(0, n_items, 8)])
        chosen = set(rng.choice(pool, size=rng.integers(1, 9)).tolist()) if len(pool) else set()
        truth_rows += [(u, int(i), int(rng.integers(0, 4))) for i in chosen]
    recs = pl.DataFrame(recs_rows, schema=["seeker_id", "vacancy_id", "rank"], orient="row")
    truth = pl.DataFrame(truth_rows, schema=["seeker_id", "vacancy_id", "gain"], orient="row")
    return recs, truth


# ---------------------------------------------------------------------------- cross-check: trec_eval


@pytest.mark.parametrize("seed", [0, 1, 2, 3])
def test_cross_check_against_trec_eval(seed: int) -> None:
    """Every per-user value against trec_eval (pytrec_eval-terrier), same conventions:

    P_k (/ k), recall_k, ndcg_cut_k (linear gains, log2 discount, ideal from the qrels), map_cut_k (divided by
    |relevant|; our default divides by min(|relevant|, k), so it is compared after rescaling and the
    ``normalise="relevant"`` variant directly), recip_rank on the run cut at k (= MRR@k). Scores are -rank, so
    trec_eval's score ordering is our rank order. trec_eval omits seekers without a run: they count 0.
    """
    pytrec_eval = pytest.importorskip("pytrec_eval")
    recs, truth = random_instance(seed)
    qrels: dict[str, dict[str, int]] = {}
    for u, i, g in truth.iter_rows():
        qrels.setdefault(str(u), {})[str(i)] = g
    n_rel = {u: sum(g > 0 for g in d.values()) for u, d in qrels.items()}
    run: dict[str, dict[str, float]] = {}
    for u, i, r in recs.iter_rows():
        run.setdefault(str(u), {})[str(i)] = float(-r)
    ks = (1, 5, 10, 20, 50)
    measures = {f"{m}_{k}" for k in ks for m in ("P", "recall", "ndcg_cut", "map_cut")}
    trec = pytrec_eval.RelevanceEvaluator(qrels, measures).evaluate(run)
    assert len(qrels) > 200 and sum(n > 0 for n in n_rel.values()) > 150
    checked = 0
    for k in ks:
        cut_run = {u: {i: s for i, s in d.items() if s >= -k} for u, d in run.items()}
        trec_rr = pytrec_eval.RelevanceEvaluator(qrels, {"recip_rank"}).evaluate(cut_run)
        ours = per_user_metrics(recs, truth, k)
        ap_rel = values(average_precision(recs, truth, k, normalise="relevant"))
        assert sorted(ours["seeker_id"].to_list()) == sorted(int(u) for u in qrels)
        for row in ours.iter_rows(named=True):
            u = str(row["seeker_id"])
            t = trec.get(u, {})
            assert row[f"precision@{k}"] == pytest.approx(t.get(f"P_{k}", 0.0), abs=1e-6)
            assert row[f"recall@{k}"] == pytest.approx(t.get(f"recall_{k}", 0.0), abs=1e-6)
            assert row[f"ndcg@{k}"] == pytest.approx(t.get(f"ndcg_cut_{k}", 0.0), abs=1e-6)
            trec_ap = t.get(f"map_cut_{k}", 0.0)
            assert ap_rel[row["seeker_id"]] == pytest.approx(trec_ap, abs=1e-6)
            rescaled = trec_ap * n_rel[u] / min(n_rel[u], k) if n_rel[u] else 0.0
            assert row[f"map@{k}"] == pytest.approx(rescaled, abs=1e-6)
            assert row[f"mrr@{k}"] == pytest.approx(trec_rr.get(u, {}).get("recip_rank", 0.0), abs=1e-6)
            checked += 1
    assert checked == len(ks) * len(qrels)


# ------------------------------------------------------------------------------- hypothesis properties


@st.composite
def instances(draw: st.DrawFn, min_users: int = 1) -> tuple[pl.DataFrame, pl.DataFrame, int]:
    """Small random (recs, truth, n_items) with integer ids; every seeker has at least one truth row."""
    n_items = draw(st.integers(1, 12))
    n_users = draw(st.integers(min_users, 6))
    item = st.integers(0, n_items - 1)
    recs_rows: list[tuple[int, int, int]] = []
    truth_rows: list[tuple[int, int, float]] = []
    for u in range(n_users):
        listed = draw(st.lists(item, unique=True, max_size=n_items))
        recs_rows += [(u, i, r) for r, i in enumerate(listed, start=1)]
        gains = draw(st.dictionaries(item, st.integers(0, 3), min_size=1, max_size=n_items))
        truth_rows += [(u, i, float(g)) for i, g in gains.items()]
    recs = pl.DataFrame(
        recs_rows, schema={"seeker_id": pl.Int64, "vacancy_id": pl.Int64, "rank": pl.Int64}, orient="row"
    )
    truth = pl.DataFrame(
        truth_rows, schema={"seeker_id": pl.Int64, "vacancy_id": pl.Int64, "gain": pl.Float64}, orient="row"
    )
    return recs, truth, n_items


FAST = settings(max_examples=40, deadline=None)


def all_metrics(recs: pl.DataFrame, truth: pl.DataFrame, k: int) -> pl.DataFrame:
    return per_user_metrics(recs, truth, k)


@FAST
@given(instances(), st.integers(1, 15))
def test_values_in_unit_interval(inst: tuple[pl.DataFrame, pl.DataFrame, int], k: int) -> None:
    recs, truth, n_items = inst
    table = all_metrics(recs, truth, k)
    assert table.height == truth["seeker_id"].n_unique()
    for metric in METRICS:
        col = table[f"{metric}@{k}"].to_numpy()
        assert ((col >= 0) & (col <= 1 + 1e-12)).all(), metric
    assert 0 <= catalogue_coverage(recs, n_items, k) <= 1
    assert 0 <= exposure_gini(recs, k, n_items) < 1


@FAST
@given(instances(), st.integers(1, 15))
def test_ideal_ranking_scores_one(inst: tuple[pl.DataFrame, pl.DataFrame, int], k: int) -> None:
    _, truth, _ = inst
    # each seeker's relevant items by decreasing gain, then the non-relevant (gain 0) ones
    ideal = (
        truth.sort(["seeker_id", "gain", "vacancy_id"], descending=[False, True, False])
        .with_columns(rank=pl.int_range(1, pl.len() + 1).over("seeker_id"))
        .select("seeker_id", "vacancy_id", "rank")
    )
    table = all_metrics(ideal, truth, k).join(
        truth.group_by("seeker_id").agg(n_rel=(pl.col("gain") > 0).sum()), on="seeker_id"
    )
    for row in table.iter_rows(named=True):
        if row["n_rel"] == 0:
            assert row[f"ndcg@{k}"] == 0.0
            continue
        assert row[f"ndcg@{k}"] == pytest.approx(1.0)
        assert row[f"map@{k}"] == pytest.approx(1.0)  # min(|relevant|, k) normaliser
        assert row[f"mrr@{k}"] == 1.0
        assert row[f"precision@{k}"] == pytest.approx(min(row["n_rel"], k) / k)
        assert row[f"recall@{k}"] == pytest.approx(min(row["n_rel"], k) / row["n_rel"])


@FAST
@given(instances(), st.integers(1, 10), st.integers(1, 5))
def test_items_after_k_do_not_matter(
    inst: tuple[pl.DataFrame, pl.DataFrame, int], k: int, extra: int
) -> None:
    recs, truth, n_items = inst
    base = all_metrics(recs, truth, k)
    # cutting every list at k changes nothing @k
    cut = recs.filter(pl.col("rank") <= k)
    assert all_metrics(cut, truth, k).equals(base)
    # irrelevant items (fresh ids, never in truth) appended to every list that already fills the top k,
    # so that they land after position k
    full = recs.group_by("seeker_id").agg(n=pl.len()).filter(pl.col("n") >= k)
    tail = (
        full.with_columns(vacancy_id=pl.lit(list(range(1000, 1000 + extra)), dtype=pl.List(pl.Int64)))
        .explode("vacancy_id")
        .with_columns(rank=pl.col("n") + pl.int_range(1, pl.len() + 1).over("seeker_id"))
        .select("seeker_id", "vacancy_id", "rank")
    )
    appended = pl.concat([recs, tail])
    assert all_metrics(appended, truth, k).equals(base)
    size = n_items + extra
    assert catalogue_coverage(cut, size, k) == catalogue_coverage(recs, size, k)
    assert catalogue_coverage(appended, size, k) == catalogue_coverage(recs, size, k)
    assert exposure_gini(appended, k, size) == pytest.approx(exposure_gini(recs, k, size), abs=1e-12)


@FAST
@given(instances(min_users=2), st.integers(1, 12), st.randoms(use_true_random=False))
def test_permuting_users_keeps_the_means(
    inst: tuple[pl.DataFrame, pl.DataFrame, int], k: int, random: Any
) -> None:
    recs, truth, _ = inst
    n_users = truth["seeker_id"].n_unique()  # ids 0..n-1, every seeker has truth rows
    relabel = list(range(n_users))
    random.shuffle(relabel)
    mapping = {u: 100 + v for u, v in enumerate(relabel)}

    def permuted(frame: pl.DataFrame) -> pl.DataFrame:
        frame = frame.with_columns(pl.col("seeker_id").replace_strict(mapping, return_dtype=pl.Int64))
        order = list(range(frame.height))
        random.shuffle(order)
        return frame[order]

    base = all_metrics(recs, truth, k)
    moved = all_metrics(permuted(recs), permuted(truth), k)
    for metric in METRICS:
        name = f"{metric}@{k}"
        assert moved[name].mean() == pytest.approx(base[name].mean(), abs=1e-12)
        assert sorted(moved[name].to_list()) == pytest.approx(sorted(base[name].to_list()), abs=1e-12)


@FAST
@given(instances(), st.integers(1, 12), st.integers(1, 12))
def test_recall_monotone_in_k(inst: tuple[pl.DataFrame, pl.DataFrame, int], k1: int, k2: int) -> None:
    recs, truth, n_items = inst
    small, large = sorted((k1, k2))
    r_small = recall_at_k(recs, truth, small)[f"recall@{small}"].to_numpy()
    r_large = recall_at_k(recs, truth, large)[f"recall@{large}"].to_numpy()
    assert (r_small <= r_large + 1e-12).all()
    assert catalogue_coverage(recs, n_items, small) <= catalogue_coverage(recs, n_items, large)


@FAST
@given(
    st.integers(1, 15), st.integers(1, 4), st.integers(1, 15), st.sampled_from(["log", "reciprocal", "none"])
)
def test_gini_zero_for_uniform_exposure(n_items: int, rounds: int, k: int, discount: Any) -> None:
    # a Latin square of lists: seeker u shows item (u + j) mod n at rank j + 1, so every item takes every
    # rank equally often and its exposure is the same whatever the discount and k
    lists = {u: [(u + j) % n_items for j in range(n_items)] for u in range(n_items * rounds)}
    rows = [(u, i, r) for u, items in lists.items() for r, i in enumerate(items, start=1)]
    recs = pl.DataFrame(rows, schema=["seeker_id", "vacancy_id", "rank"], orient="row")
    assert exposure_gini(recs, k, n_items, discount=discount) == pytest.approx(0.0, abs=1e-12)
    if n_items > 1:  # one never-shown item breaks the equality
        assert 0 < exposure_gini(recs, k, n_items + 1, discount=discount) < 1


@FAST
@given(instances(), st.integers(1, 12), st.integers(0, 20))
def test_gini_in_unit_interval(inst: tuple[pl.DataFrame, pl.DataFrame, int], k: int, unseen: int) -> None:
    recs, _, n_items = inst
    g = exposure_gini(recs, k, n_items + unseen)
    assert 0 <= g < 1
    assert g <= (n_items + unseen - 1) / (n_items + unseen) + 1e-12


# -------------------------------------------------------------------------------------------------- speed


def test_evaluate_is_vectorised() -> None:
    """20,000 seekers x 50 recommendations; a per-user Python loop would take far longer than this bound."""
    n_users, n_recs, n_items = 20_000, 50, 6_000
    rng = np.random.default_rng(0)
    # distinct items per seeker: a random start, then steps of 97 (97 * 50 < 6000)
    items = (rng.integers(0, n_items, n_users)[:, None] + 97 * np.arange(n_recs)) % n_items
    recs = pl.DataFrame(
        {
            "seeker_id": np.repeat(np.arange(n_users), n_recs),
            "vacancy_id": items.ravel(),
            "rank": np.tile(np.arange(1, n_recs + 1), n_users),
        }
    )
    truth = pl.DataFrame(
        {
            "seeker_id": np.repeat(np.arange(n_users), 5),
            "vacancy_id": np.concatenate(
                [items[:, [0, 7, 30]], rng.integers(0, n_items, (n_users, 2))], axis=1
            ).ravel(),
            "gain": rng.integers(1, 4, n_users * 5),
        }
    ).unique(["seeker_id", "vacancy_id"])
    out = evaluate(recs, truth, catalogue_size=n_items)
    assert 0 < out["ndcg@10"]["value"] < 1
    assert out["ndcg@10"]["ci"][0] < out["ndcg@10"]["value"] < out["ndcg@10"]["ci"][1]
