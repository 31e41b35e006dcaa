"""Fair re-ranking: FA*IR's golden table, DetConstSort by hand, hypothesis properties (a permutation,
prefix constraints whenever feasible, order within a group), the service switch, and proof that protected
attributes never reach ranking features or scores."""

from __future__ import annotations

import shutil
from collections import Counter
from pathlib import Path

import numpy as np
import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from core.settings import Settings
from data import columns as C
from data.interactions import default_split, positives
from data.store import Store
from data.synthetic.generate import WorldSize
from data.synthetic.world import generate_store
from embeddings.texts import seeker_texts
from recommender.context import RecContext
from recommender.fair_rerank import (
    RERANK_COLUMN,
    adjust_alpha,
    age_band,
    combine_labels,
    fail_probability,
    fair_minimum_table,
    fair_rerank,
    minimum_counts,
    protected_groups,
    rerank_frame,
    target_counts,
)
from recommender.hybrid import HybridRecommender
from recommender.lightfm_model import LightFMRecommender

# --- FA*IR ----------------------------------------------------------------------------------------------


def test_fair_golden_table_after_multiple_testing_adjustment() -> None:
    """Zehlike et al. 2017: k=20, p=0.25, alpha=0.1 -> adjusted alpha 0.078125 and this minimum table."""
    adjusted = adjust_alpha(20, 0.25, 0.1)
    assert adjusted == pytest.approx(0.078125, abs=1e-9)
    assert fair_minimum_table(20, 0.25, adjusted) == [0] * 8 + [1] * 7 + [2] * 5
    # unadjusted, the table is stricter and a fair ranking fails some prefix test far more often than 10%
    unadjusted = fair_minimum_table(20, 0.25, 0.1)
    assert unadjusted == [0] * 8 + [1] * 6 + [2] * 5 + [3]
    assert fail_probability(unadjusted, 0.25) == pytest.approx(0.1469, abs=1e-4)
    assert abs(fail_probability(fair_minimum_table(20, 0.25, adjusted), 0.25) - 0.1) < 0.01


def test_fail_probability_by_hand() -> None:
    # two places, p = 1/2: the table [0, 1] fails only when neither place is protected
    assert fail_probability([0, 1], 0.5) == pytest.approx(0.25)
    # [1]: the first place must be protected
    assert fail_probability([1], 0.3) == pytest.approx(0.7)
    # [0, 1, 1]: fails iff the first two are both unprotected
    assert fail_probability([0, 1, 1], 0.5) == pytest.approx(0.25)
    assert fail_probability([0, 0, 0], 0.5) == 0.0


def test_minimum_table_definition() -> None:
    # m(i) is the smallest m with BinomCDF(m; i, p) > alpha: 0.75**8 = 0.1001 > 0.1, 0.75**9 = 0.075 < 0.1
    table = fair_minimum_table(9, 0.25, 0.1)
    assert table[7] == 0 and table[8] == 1
    assert fair_minimum_table(5, 0.0, 0.1) == [0] * 5
    assert fair_minimum_table(4, 1.0, 0.1) == [1, 2, 3, 4]
    with pytest.raises(ValueError):
        fair_minimum_table(5, 1.5, 0.1)


def test_fair_moves_protected_up_only_as_far_as_needed() -> None:
    scores = np.arange(12, 0, -1, dtype=float)
    groups = ["a"] * 9 + ["b"] * 3  # protected b at the bottom
    perm = fair_rerank(scores, groups, "fair", k=12, protected={"b"}, target={"a": 0.5, "b": 0.5})
    table = fair_minimum_table(12, 0.5, adjust_alpha(12, 0.5, 0.1))
    placed = [groups[i] for i in perm]
    for i in range(1, 13):
        assert placed[:i].count("b") >= min(table[i - 1], 3)
    # a protected candidate enters exactly where the table first demands it
    first_b = placed.index("b") + 1
    assert table[first_b - 1] == 1 and (first_b == 1 or table[first_b - 2] == 0)


# --- DetConstSort ---------------------------------------------------------------------------------------


def test_detconstsort_by_hand() -> None:
    """Scores 10..1, a holds the top eight, b the last two; target 50/50 over k=4."""
    scores = np.arange(10, 0, -1, dtype=float)
    groups = ["a"] * 8 + ["b"] * 2
    perm = fair_rerank(scores, groups, "detconstsort", k=4, target={"a": 0.5, "b": 0.5})
    # prefix 2 needs one b, prefix 4 two: a0, b8, a1, b9, then the rest by score
    assert perm.tolist() == [0, 8, 1, 9, 2, 3, 4, 5, 6, 7]


def test_detconstsort_floor_starves_a_small_group_but_systematic_rounding_does_not() -> None:
    scores = np.arange(30, 0, -1, dtype=float)
    groups = ["a"] * 27 + ["b"] * 3  # b is 10% of the pool, all at the bottom
    floor = fair_rerank(scores, groups, "detconstsort", k=5)
    assert [groups[i] for i in floor[:5]].count("b") == 0  # floor(0.1 * i) = 0 for i <= 9
    counts = [
        [
            groups[i]
            for i in fair_rerank(scores, groups, "detconstsort", k=5, rounding="systematic", seed=s)[:5]
        ].count("b")
        for s in range(400)
    ]
    assert set(counts) == {0, 1}
    assert np.mean(counts) == pytest.approx(0.5, abs=0.08)  # the expected 0.1 * 5


def test_target_counts_sum_and_expectation() -> None:
    shares = {"a": 0.68, "b": 0.09, "c": 0.23}
    draws = np.array(
        [list(target_counts(shares, 10, u).values()) for u in np.linspace(0, 1, 1000, endpoint=False)]
    )
    assert set(draws.sum(axis=1).tolist()) == {10}
    assert draws.mean(axis=0) == pytest.approx([6.8, 0.9, 2.3], abs=1e-9)
    assert minimum_counts(shares, 10) == {"a": 6, "b": 0, "c": 2}


def test_off_is_the_stable_score_order_and_bad_input_is_refused() -> None:
    scores = np.array([0.5, 0.9, 0.5, 0.1])
    assert fair_rerank(scores, list("abab"), "off").tolist() == [1, 0, 2, 3]
    with pytest.raises(ValueError):
        fair_rerank(scores, list("ab"), "detconstsort")
    with pytest.raises(ValueError):
        fair_rerank(scores, list("abab"), "magic")  # type: ignore[arg-type]
    with pytest.raises(ValueError):
        fair_rerank([np.nan, 1.0], list("ab"), "detconstsort")
    assert fair_rerank([], [], "detconstsort").tolist() == []


# --- properties -----------------------------------------------------------------------------------------


@st.composite
def rankings(draw: st.DrawFn) -> tuple[np.ndarray, list[str], int]:
    n = draw(st.integers(1, 40))
    scores = np.array(draw(st.lists(st.floats(-5, 5, allow_nan=False), min_size=n, max_size=n)))
    groups = draw(st.lists(st.sampled_from(["a", "b", "c"]), min_size=n, max_size=n))
    k = draw(st.integers(1, n))
    return scores, groups, k


def _within_group_order_kept(perm: np.ndarray, scores: np.ndarray, groups: list[str]) -> bool:
    order = np.argsort(-scores, kind="stable")
    rank = np.empty(len(order), dtype=int)
    rank[order] = np.arange(len(order))
    for g in set(groups):
        seq = [rank[i] for i in perm if groups[i] == g]
        if seq != sorted(seq):
            return False
    return True


@settings(max_examples=150, deadline=None)
@given(rankings(), st.sampled_from(["off", "detconstsort", "fair"]), st.sampled_from(["floor", "systematic"]))
def test_output_is_a_permutation_keeping_order_within_groups(data: tuple, method: str, rounding: str) -> None:
    scores, groups, k = data
    perm = fair_rerank(scores, groups, method, k=k, rounding=rounding, seed=3, protected={"b"})  # type: ignore[arg-type]
    assert sorted(perm.tolist()) == list(range(len(scores)))
    assert _within_group_order_kept(perm, scores, groups)


@settings(max_examples=150, deadline=None)
@given(rankings(), st.sampled_from(["floor", "systematic"]), st.integers(0, 10**6))
def test_detconstsort_prefix_minimums_hold_whenever_feasible(data: tuple, rounding: str, seed: int) -> None:
    scores, groups, k = data
    shares = {g: c / len(groups) for g, c in Counter(groups).items()}
    perm = fair_rerank(scores, groups, "detconstsort", k=k, rounding=rounding, seed=seed)  # type: ignore[arg-type]
    placed = [groups[i] for i in perm]
    available = Counter(groups)
    final = (
        target_counts(shares, k, float(np.random.default_rng(seed).random()))
        if rounding == "systematic"
        else None
    )
    for i in range(1, k + 1):
        need = minimum_counts(shares, i) if final is None or i < k else final
        for g, m in need.items():
            assert placed[:i].count(g) >= min(m, available[g]), (i, g)


@settings(max_examples=150, deadline=None)
@given(rankings(), st.floats(0.05, 0.95))
def test_fair_prefix_minimums_hold_whenever_feasible(data: tuple, p: float) -> None:
    scores, groups, k = data
    perm = fair_rerank(scores, groups, "fair", k=k, protected={"b"}, target={"b": p, "a": 1 - p})
    table = fair_minimum_table(k, p, adjust_alpha(k, p, 0.1))
    placed = [groups[i] for i in perm]
    n_b = groups.count("b")
    for i in range(1, k + 1):
        assert placed[:i].count("b") >= min(table[i - 1], n_b)


# --- groups from the protected table --------------------------------------------------------------------


def test_age_bands_and_group_labels(world: Store) -> None:
    assert [age_band(a) for a in (18, 29, 30, 54, 55, 66)] == ["<30", "<30", "30-54", "30-54", "55+", "55+"]
    ids = world.table("seekers")[C.SEEKER_ID].head(5).to_list()
    groups = protected_groups(world, [*ids, "NOT-A-SEEKER"])
    assert groups[C.SEEKER_ID].to_list() == [*ids, "NOT-A-SEEKER"]
    assert groups["age_band"][:5].is_in(["<30", "30-54", "55+"]).all()
    assert groups["origin_group"][5] is None
    labels = combine_labels(groups, ("origin_group", "age_band"))
    assert labels[0].startswith("origin_group=") and "|age_band=" in labels[0]
    assert labels[5] == "origin_group=ukendt|age_band=ukendt"


def test_rerank_frame_names_the_method_and_keeps_k() -> None:
    frame = pl.DataFrame({C.SEEKER_ID: [f"S{i}" for i in range(8)], "score": np.linspace(1, 0.3, 8)})
    groups = pl.DataFrame(
        {
            C.SEEKER_ID: [f"S{i}" for i in range(8)],
            "age_band": ["30-54"] * 6 + ["<30"] * 2,
            "origin_group": "dansk",
        }
    )
    out = rerank_frame(frame, groups, "detconstsort", score="score", k=4, key="V1", rounding="floor")
    assert out[RERANK_COLUMN].unique().to_list() == ["detconstsort"]
    assert out["rank"].to_list() == [1, 2, 3, 4]
    assert out[C.SEEKER_ID].to_list() == ["S0", "S1", "S2", "S6"]  # floor(0.25 * 4) = 1 citizen under 30
    same = rerank_frame(frame, groups, "off", score="score", k=4)
    assert same[C.SEEKER_ID].to_list() == ["S0", "S1", "S2", "S3"] and same[RERANK_COLUMN][0] == "off"


# --- protected attributes never reach the ranker --------------------------------------------------------

PROTECTED_NAMES = {*C.PROTECTED_ATTRIBUTES, "age_band"}
PROTECTED_VALUES = {"kvinde", "mand", "ikke-vestlig", "vestlig", "dansk", "<30", "30-54", "55+"}


def _protected_feature(name: str) -> bool:
    kind, _, value = name.partition(":")
    return (
        kind in PROTECTED_NAMES
        or value in PROTECTED_VALUES
        or any(kind.startswith(a) for a in PROTECTED_NAMES)
    )


def _scores(path: Path) -> np.ndarray:
    with Store(path) as store:
        ctx = RecContext.from_store(store)
        taxonomy = store.load_taxonomy("builtin")
        texts = seeker_texts(ctx.seekers_frame, taxonomy)
        events = store.table("interactions")
        split = default_split(events, test_weeks=0)
        model = HybridRecommender(LightFMRecommender(no_components=8, epochs=5, seed=0), seed=0)
        model.fit(ctx, positives(events, end=split.train_end), events.filter(pl.col("ts") >= split.train_end))
    space = model.lightfm.space_
    assert space is not None
    vocab = [*space.user_vocab.ids.tolist(), *space.item_vocab.ids.tolist()]
    assert vocab and not any(_protected_feature(str(f)) for f in vocab)
    words = set(" ".join(texts).lower().split())
    assert not words & {"ikke-vestlig", "vestlig", "origin_group", "disability", "gender"}
    users = np.arange(min(60, len(ctx.seekers)))
    items = np.arange(min(40, len(ctx.vacancies)))
    return model.score_matrix(ctx, users, items)


def test_ranking_scores_do_not_change_when_protected_attributes_do(world_path: Path, tmp_path: Path) -> None:
    """Shuffle and rewrite every protected attribute, retrain with the same seed: identical scores."""
    altered = tmp_path / "altered.duckdb"
    shutil.copy(world_path, altered)
    with Store(altered, read_only=False) as store:
        prot = store.table("seeker_protected")
        rng = np.random.default_rng(1)
        changed = prot.with_columns(
            pl.Series("gender", rng.permutation(prot["gender"].to_numpy())),
            (66 - pl.col("age") + 18).alias("age"),
            pl.Series("origin_group", rng.choice(["dansk", "vestlig", "ikke-vestlig"], prot.height)),
            ~pl.col("disability"),
        )
        store.con.execute("DELETE FROM seeker_protected")
        store.insert("seeker_protected", changed)
        assert store.table("seeker_protected")["age"].to_list() != prot["age"].to_list()
    before, after = _scores(world_path), _scores(altered)
    np.testing.assert_array_equal(before, after)


def test_recommender_feature_space_has_no_protected_names() -> None:
    from recommender import features, signals

    names = [*features.apply_features(True), *features.EMPLOYER_FEATURES, *signals.SIGNALS]
    assert names and not any(_protected_feature(n) for n in names)
    assert {"experience", "similarity", "essential_coverage"} <= set(names)


# --- the service switch ---------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def service_home(tmp_path_factory: pytest.TempPathFactory) -> Settings:
    from matching.build import build_indexes
    from recommender.service import train_and_save

    home = tmp_path_factory.mktemp("fair-service")
    settings = Settings(home=home, encoder="char", index_kind="auto")
    tiny = WorldSize(seekers=300, vacancies=150, interactions=2_100, episodes=300, seed=7)
    generate_store(settings.db_path, tiny, show_progress=False)
    build_indexes(settings)
    train_and_save(settings, seed=0)
    return settings


@pytest.mark.slow  # builds indexes and trains the hybrid on a tiny world (~30 s on the shared machine)
def test_service_rerank_is_off_by_default_and_audited_when_on(service_home: Settings) -> None:
    from recommender.service import RecommendationService

    with Store(service_home.db_path) as store:
        service = RecommendationService.open(service_home, store)
        vacancy = store.table("vacancies").filter(pl.col("status") == "open")[C.VACANCY_ID][0]
        plain = service.for_vacancy(vacancy, 10)
        explicit_off = service.for_vacancy(vacancy, 10, rerank="off")
        fair = service.for_vacancy(vacancy, 10, rerank="detconstsort")
        fa = service.for_vacancy(vacancy, 10, rerank="fair")
        pool = service.for_vacancy(vacancy, 500)
    assert plain.equals(explicit_off) and RERANK_COLUMN not in plain.columns
    assert plain["reciprocal"].is_sorted(descending=True)
    for out, name in ((fair, "detconstsort"), (fa, "fair")):
        assert out[RERANK_COLUMN].unique().to_list() == [name]
        assert out["rank"].to_list() == list(range(1, out.height + 1))
        assert out.height == plain.height
        assert set(out[C.SEEKER_ID].to_list()) <= set(pool[C.SEEKER_ID].to_list())
        assert out.drop(RERANK_COLUMN).columns == plain.columns
