"""Intervention recommender: known effects recovered, overlap refused, capacities exact, rules, persistence."""

from __future__ import annotations

import itertools
import json
import shutil
from pathlib import Path

import numpy as np
import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.stats import norm

from core.errors import ArtefactError, CapacityError, NotFittedError, NotFoundError
from data import columns as C
from data.store import Store
from data.taxonomy import load_builtin
from recommender.interventions import (
    ARMS,
    EFFECT_MODIFIERS,
    FEATURE_LABELS_DA,
    FEATURES,
    RANKING_COLUMNS,
    SEEKER_COLUMNS_USED,
    DRLearner,
    DRParams,
    Effects,
    InterventionModel,
    load_episodes,
    load_or_fit,
    recommend_programmes,
    seeker_features,
    suggest_employers,
    taxonomy_of,
)
from recommender.interventions.additive import AdditiveOutcome
from recommender.interventions.allocation import (
    allocate,
    allocate_by_preferences,
    capacity_from_table,
    check_capacity,
    enforce_capacity,
    lp_prices,
    total_gain,
)
from recommender.interventions.coverage import (
    COVERAGE_FILE,
    fingerprint,
    measured,
    probability_claims,
    record,
    record_mean,
    shown_levels,
    shown_probability,
)
from recommender.interventions.explain_da import band_da
from recommender.interventions.persistence import ARTEFACT_KIND, FORMAT_VERSION, STATE_FILE, artefact_root
from recommender.interventions.policy_tree import PolicyTree
from recommender.interventions.ranking import ranking_frame
from recommender.interventions.sensitivity import e_value, e_values
from recommender.interventions.uncertainty import (
    TIE_PROBABILITY,
    pooled_averages,
    prob_at_least_as_good,
    prob_best,
)

FAST = DRParams(n_folds=2, bootstrap=20, nuisance_max_iter=60, nuisance_learning_rate=0.1, min_arm_episodes=5)


# --- a tiny world with known effects -------------------------------------------------------------------


def _toy(n: int = 4000, seed: int = 0) -> dict[str, np.ndarray]:
    """Three arms. x0 confounds (raises both the chance of programme A and the baseline); A's effect is
    +0.05 without x1 and +0.30 with x1; B (effect -0.10) is only ever given where x1 = 1 (overlap failure)."""
    rng = np.random.default_rng(seed)
    x0, x1, x2 = rng.random(n), rng.integers(0, 2, n).astype(float), rng.normal(size=n)
    logits = np.column_stack([np.zeros(n), -1.5 + 3.0 * x0, np.where(x1 > 0, -0.3, -np.inf)])
    p = np.exp(logits - logits.max(axis=1, keepdims=True))
    p /= p.sum(axis=1, keepdims=True)
    t = (p.cumsum(axis=1) > rng.random(n)[:, None]).argmax(axis=1)
    base = 1 / (1 + np.exp(-(-1.2 + 2.0 * x0)))
    effect = np.column_stack([np.zeros(n), 0.05 + 0.25 * x1, np.full(n, -0.10)])
    y = (rng.random(n) < np.clip(base + effect[np.arange(n), t], 0, 1)).astype(float)
    return {"X": np.column_stack([x0, x1, x2]), "t": t, "y": y, "effect": effect}


@pytest.fixture(scope="module")
def toy() -> dict[str, object]:
    data = _toy()
    learner = DRLearner(FAST, n_arms=3).fit(data["X"], data["t"], data["y"])
    return {**data, "learner": learner, "effects": learner.training_effects(data["X"])}


def test_known_effect_recovered_in_sign_and_size(toy: dict) -> None:
    eff, X, t, y, truth = toy["effects"], toy["X"], toy["t"], toy["y"], toy["effect"]
    tau_a = eff.tau[:, 0]
    assert np.isfinite(tau_a).mean() > 0.95
    ok = np.isfinite(tau_a)
    # The naive comparison is confounded by x0; the DR estimate is not.
    naive = y[t == 1].mean() - y[t == 0].mean()
    true_ate = truth[ok, 1].mean()
    assert abs(naive - true_ate) > 0.07
    assert abs(np.nanmean(tau_a) - true_ate) < 0.05
    # Heterogeneity: +0.30 with x1, +0.05 without.
    with_x1 = np.nanmean(tau_a[X[:, 1] == 1])
    without = np.nanmean(tau_a[X[:, 1] == 0])
    assert with_x1 - without > 0.12
    assert 0.15 < with_x1 < 0.45 and -0.08 < without < 0.18
    # B where it is estimable is harmful.
    assert np.nanmean(eff.tau[X[:, 1] == 1, 1]) < 0


def test_earlier_design_still_recovers_the_effect() -> None:
    """Boosted outcome model with an additive final stage centred on zero (the option kept for comparison)."""
    data = _toy(seed=1)
    params = FAST.model_copy(
        update={"outcome_model": "boosting", "final_center": "zero", "final_stage": "additive"}
    )
    eff = DRLearner(params, n_arms=3).fit(data["X"], data["t"], data["y"]).training_effects(data["X"])
    tau_a, x1 = eff.tau[:, 0], data["X"][:, 1] == 1
    assert abs(np.nanmean(tau_a) - data["effect"][np.isfinite(tau_a), 1].mean()) < 0.05
    assert np.nanmean(tau_a[x1]) - np.nanmean(tau_a[~x1]) > 0.08


def test_additive_outcome_model_finds_interactions_only_when_there_are_some() -> None:
    rng = np.random.default_rng(3)
    n = 6000
    X = np.column_stack([rng.random(n), rng.integers(0, 2, n).astype(float), rng.normal(size=n)])
    t = rng.integers(0, 2, n)
    base = 0.3 + 0.3 * X[:, 0]
    for slope, expect_flat in ((0.3, False), (0.0, True)):
        effect = 0.05 + slope * X[:, 1]
        y = (rng.random(n) < base + effect * t).astype(float)
        model = AdditiveOutcome(2, None, knots=3, seed=0).fit(X, t, y)
        mu = model.predict_arms(X)
        contrast = mu[:, 1] - mu[:, 0]
        gap = contrast[X[:, 1] == 1].mean() - contrast[X[:, 1] == 0].mean()
        if expect_flat:
            assert abs(gap) < 0.04 and contrast.std() < 0.03
        else:
            assert 0.2 < gap < 0.4 and model.penalty_ < np.inf
        assert abs(mu[:, 0].mean() - base.mean()) < 0.03


def test_no_estimate_where_overlap_fails(toy: dict) -> None:
    eff, X = toy["effects"], toy["X"]
    never = X[:, 1] == 0
    assert not eff.supported[never, 1].any()
    assert np.isnan(eff.tau[never, 1]).all()
    assert all("gives sjældent" in r for r in eff.reason[never, 1])
    assert eff.supported[~never, 1].mean() > 0.9
    assert all(r == "" for r in eff.reason[eff.supported])


def test_intervals_contain_the_estimate(toy: dict) -> None:
    eff = toy["effects"]
    s = eff.supported
    assert (eff.lower[s] <= eff.tau[s]).all() and (eff.tau[s] <= eff.upper[s]).all()
    assert (eff.upper[s] - eff.lower[s] > 0).all()


def test_learner_validates_input_and_refuses_use_before_fit() -> None:
    with pytest.raises(NotFittedError):
        DRLearner().effects(np.zeros((1, 3)))
    with pytest.raises(ValueError, match="out of range"):
        DRLearner(n_arms=2).fit(np.zeros((100, 1)), np.full(100, 3), np.zeros(100))
    with pytest.raises(ValueError, match="comparison arm"):
        DRLearner(n_arms=2).fit(np.zeros((100, 1)), np.ones(100, dtype=int), np.zeros(100))


def test_params_forbid_unknown_keys() -> None:
    with pytest.raises(ValueError):
        DRParams(bootstrapp=3)  # type: ignore[call-arg]
    assert DRParams.model_validate_json(FAST.model_dump_json()) == FAST


# --- features ------------------------------------------------------------------------------------------


def test_protected_attributes_are_never_features(world: Store) -> None:
    assert set(FEATURES).isdisjoint(C.PROTECTED_ATTRIBUTES)
    assert set(SEEKER_COLUMNS_USED).isdisjoint(C.PROTECTED_ATTRIBUTES)
    assert set(EFFECT_MODIFIERS) <= set(FEATURES)
    seekers = world.table("seekers")
    tax = taxonomy_of(world)
    plain = seeker_features(seekers, tax)
    assert plain.columns == [C.SEEKER_ID, *FEATURES]
    # Joining the protected table on does not change anything: those columns are never read.
    joined = seekers.join(world.table("seeker_protected"), on=C.SEEKER_ID)
    assert seeker_features(joined, tax).equals(plain)


def test_skill_coverage_is_the_share_of_essential_skills(world: Store) -> None:
    tax = taxonomy_of(world)
    row = world.table("seekers").filter(pl.col("desired_occupations").list.len() >= 2).row(0, named=True)
    feats = seeker_features(pl.DataFrame([row]), tax).row(0, named=True)
    shares = []
    for occ in row["desired_occupations"]:
        ess = tax.skills_of(occ)
        shares.append(len(set(ess) & set(row["skills"])) / len(ess))
    assert feats["skill_coverage_first"] == pytest.approx(shares[0])
    assert feats["skill_coverage_min"] == pytest.approx(min(shares))
    assert feats["skill_coverage_max"] == pytest.approx(max(shares))


# --- the product model on the small world -------------------------------------------------------------


@pytest.fixture(scope="module")
def fitted(tmp_path_factory: pytest.TempPathFactory, world_path: Path) -> dict[str, object]:
    folder = tmp_path_factory.mktemp("models")
    with Store(world_path) as store:
        model, fresh = load_or_fit(folder, store, params=FAST)
        features = seeker_features(store.table("seekers"), taxonomy_of(store))
        version = store.data_version
    assert fresh
    return {"model": model, "folder": folder, "features": features, "version": version}


def test_model_metadata_and_no_jobrettet_estimate_outside_dagpenge(fitted: dict, world: Store) -> None:
    model: InterventionModel = fitted["model"]
    assert model.metrics_["episodes"] == world.count("interventions")
    feats = fitted["features"]
    eff = model.estimate(feats)
    k = ARMS.index("jobrettet_uddannelse_6u") - 1
    non_dagpenge = feats["benefit_dagpenge"].to_numpy() < 0.5
    assert non_dagpenge.any()
    assert not eff.supported[non_dagpenge, k].any()
    assert all(r for r in eff.reason[non_dagpenge, k])


def test_ranking_is_ordered_and_marks_indistinguishable(fitted: dict) -> None:
    model: InterventionModel = fitted["model"]
    ranking = model.rank(fitted["features"].head(25))
    assert tuple(ranking.columns) == RANKING_COLUMNS
    assert ranking.height == 25 * len(ARMS)
    for _sid, one in ranking.group_by(C.SEEKER_ID):
        ranked = one.filter(pl.col("supported")).sort("rank")
        assert ranked["rank"].to_list() == list(range(1, ranked.height + 1))
        effects = ranked["effect"].to_numpy()
        assert (np.diff(effects) <= 1e-12).all()
        assert ranked.filter(pl.col(C.PROGRAMME) == "none")["effect"].item() == 0.0
        # Tied with the best by the probability of being at least as good as the top pick, not overlap.
        as_good = ranked["prob_as_good_as_best"].to_numpy()
        assert as_good[0] == 1.0 and ((as_good >= 0) & (as_good <= 1)).all()
        expected = (as_good >= TIE_PROBABILITY).tolist()
        assert ranked["indistinguishable_from_best"].to_list() == expected
        assert ranked["prob_best"].sum() == pytest.approx(1.0)
        for chance in ("prob_best", "prob_as_good_as_best"):  # a shown chance is the model's own
            shown = ranked.filter(pl.col(f"{chance}_shown").is_not_null())
            assert shown[f"{chance}_shown"].to_list() == shown[chance].to_list()
        assert ranked.filter(pl.col(C.PROGRAMME) == "none")["interval_level"].item() is None
        unsupported = one.filter(~pl.col("supported"))
        assert unsupported["rank"].null_count() == unsupported.height
        assert all(unsupported["reason_da"].to_list())


def test_danish_explanation(fitted: dict, world: Store) -> None:
    model: InterventionModel = fitted["model"]
    sid = world.query("SELECT seeker_id FROM seekers WHERE benefit_type <> 'dagpenge' LIMIT 1").item()
    rec = recommend_programmes(model, world, sid)
    text = rec.text_da
    assert text.startswith(f"Borger {sid}: skønnet chance for job inden for 26 uger uden indsats er")
    assert "anslået effekt" in text and "procentpoint" in text
    # The band is a "90 %-interval" only where that programme's coverage was measured and held.
    shown = rec.ranking.filter(pl.col("supported") & (pl.col(C.PROGRAMME) != "none")).sort("rank").head(3)
    for row in shown.iter_rows(named=True):
        band = "90 %-interval" if row["interval_level"] == 0.9 else "usikkerhed"
        assert f"{row['label_da']}: anslået effekt" in text and f"({band} " in text
    if shown["interval_level"].null_count() == shown.height:
        assert "-interval" not in text
    assert "Lignende borgere" in text
    assert "Intet skøn for 6 ugers jobrettet uddannelse" in text
    assert "konsulenten og borgeren træffer beslutningen" in text
    assert set(rec.employers) <= set(C.COMPANY_BASED_PROGRAMMES)
    for frame in rec.employers.values():
        assert frame.columns == [C.EMPLOYER_ID, "name", "industry", "vacancies", "distance_km", "reason_da"]
        assert frame.height <= 3
    with pytest.raises(NotFoundError):
        recommend_programmes(model, world, "P-nobody")


def test_drivers_name_the_modifiers(fitted: dict) -> None:
    model: InterventionModel = fitted["model"]
    one = fitted["features"].head(1)
    for programme in ("loentilskud_privat", "opkvalificering_amu"):
        for group, pp, text in model.drivers(one, programme):
            assert group in {"isced_level", "experience_years", "weeks_unemployed", "aktivitetsparat",
                             "benefit", "skill_coverage"}  # fmt: skip
            assert abs(pp) >= 0.002 and text


def test_employers_come_from_the_matcher_when_given(world: Store) -> None:
    employers = world.table("employers").head(3)
    ids = employers[C.EMPLOYER_ID].to_list()

    def finder(seeker: dict, k: int) -> pl.DataFrame:
        return pl.DataFrame({C.EMPLOYER_ID: [ids[0], ids[0], ids[1]], "title": ["Lager", "Lager", "Butik"],
                             "distance_km": [2.0, 3.0, 5.0]})  # fmt: skip

    seeker = world.table("seekers").row(0, named=True)
    out = suggest_employers(seeker, ["virksomhedspraktik", "mentorstoette"], employers, finder, k=3)
    assert list(out) == ["virksomhedspraktik"]
    frame = out["virksomhedspraktik"]
    assert frame[C.EMPLOYER_ID].to_list() == ids[:2]
    assert frame["vacancies"].to_list() == [2, 1]
    assert frame["reason_da"][0] == "2 åbne stillinger der passer, fx Lager, 2 km"


def test_save_load_round_trip_and_refusals(fitted: dict, tmp_path: Path) -> None:
    model: InterventionModel = fitted["model"]
    folder = fitted["folder"]
    root = artefact_root(folder)
    live = root / (root / "CURRENT").read_text(encoding="utf-8").strip()
    manifest = json.loads((live / "manifest.json").read_text(encoding="utf-8"))
    assert (manifest["kind"], manifest["format_version"]) == (ARTEFACT_KIND, FORMAT_VERSION)
    assert set(manifest["files"]) == {STATE_FILE}
    meta = manifest["meta"]
    assert meta["data_version"] == fitted["version"]
    assert meta["params"]["bootstrap"] == FAST.bootstrap
    assert meta["features"] == list(FEATURES)
    assert "arms" in meta["metrics"]
    assert not [p for p in root.iterdir() if p.name.startswith(".")]  # no temporary files left
    loaded = InterventionModel.load(folder, data_version=fitted["version"])
    feats = fitted["features"].head(10)
    assert loaded.rank(feats).equals(model.rank(feats))
    with pytest.raises(ArtefactError, match="data version"):
        InterventionModel.load(folder, data_version="another")
    copy = tmp_path / "m"
    shutil.copytree(folder, copy)
    state = artefact_root(copy) / live.name / STATE_FILE
    state.write_bytes(state.read_bytes() + b"x")
    with pytest.raises(ArtefactError, match="checksum"):
        InterventionModel.load(copy)
    with pytest.raises(ArtefactError, match=r"nothing built.*jobmatch build"):
        InterventionModel.load(tmp_path / "empty")
    with pytest.raises(NotFittedError):
        InterventionModel().rank(feats)


def _rewrite_manifest(
    models_dir: Path, change: dict[str, object], meta: dict[str, object] | None = None
) -> None:
    root = artefact_root(models_dir)
    path = root / (root / "CURRENT").read_text(encoding="utf-8").strip() / "manifest.json"
    manifest = json.loads(path.read_text(encoding="utf-8"))
    manifest.update(change)
    manifest["meta"].update(meta or {})
    path.write_text(json.dumps(manifest), encoding="utf-8")


@pytest.mark.parametrize(
    ("change", "meta", "refusal"),
    [
        ({"kind": "hybrid-recommender"}, None, "expected a 'intervention-model'"),
        ({"format_version": FORMAT_VERSION - 1}, None, "this code reads format"),
        ({}, {"features": ["isced_level"]}, "features"),
        ({}, {"params": {**FAST.model_dump(), "unknown": 1}}, "saved parameters are invalid"),
        ({}, {"params": {**FAST.model_dump(), "seed": 99}}, "disagrees with its manifest"),
    ],
)
def test_other_kinds_formats_and_manifests_are_refused_with_the_refit_command(
    fitted: dict, tmp_path: Path, change: dict, meta: dict | None, refusal: str
) -> None:
    copy = tmp_path / "models"
    shutil.copytree(fitted["folder"], copy)
    _rewrite_manifest(copy, change, meta)
    with pytest.raises(ArtefactError, match=refusal) as info:
        InterventionModel.load(copy)
    assert "refit it with `jobmatch build`" in str(info.value)


def test_params_round_trip_and_saved_model_predicts_like_the_fitted_one(fitted: dict, tmp_path: Path) -> None:
    params = DRParams(**{**FAST.model_dump(), "seed": 3, "level": 0.8})
    assert DRParams.model_validate(params.model_dump()) == params
    with pytest.raises(ValueError, match="extra"):
        DRParams.model_validate({**params.model_dump(), "not_a_param": 1})
    model: InterventionModel = fitted["model"]
    loaded = InterventionModel.load(fitted["folder"])
    assert loaded.params == model.params == FAST
    assert loaded.metrics_ == model.metrics_ and loaded.data_version_ == model.data_version_
    feats = fitted["features"]
    a, b = model.estimate(feats), loaded.estimate(feats)
    for name in ("tau", "lower", "upper", "propensity", "baseline", "supported"):
        assert np.array_equal(getattr(a, name), getattr(b, name), equal_nan=True), name
    assert loaded.rank(feats).equals(model.rank(feats))
    one = feats.head(1)
    assert loaded.explain(one) == model.explain(one)


def test_episodes_from_world_dict_and_store_agree(world: Store) -> None:
    from_store = load_episodes(world)
    tables = {n: world.table(n) for n in ("seekers", "interventions", "outcomes")}
    from_dict = load_episodes(tables, load_builtin())
    assert np.allclose(from_store.X, from_dict.X, equal_nan=True)
    assert (from_store.t == from_dict.t).all() and from_store.n == world.count("interventions")


# --- allocation ----------------------------------------------------------------------------------------

PROGS = ("none", "a", "b", "c")


def _instance(n: int, seed: int) -> tuple[np.ndarray, np.ndarray, dict[tuple[str, str], int]]:
    rng = np.random.default_rng(seed)
    gain = rng.normal(0.03, 0.05, (n, len(PROGS)))
    gain[rng.random((n, len(PROGS))) < 0.1] = np.nan
    groups = np.where(rng.random(n) < 0.6, "g1", "g2").astype(object)
    capacity = {(g, p): int(rng.integers(0, n // 4 + 1)) for g in ("g1", "g2") for p in PROGS[1:]}
    return gain, groups, capacity


@pytest.mark.parametrize("method", ["lp", "greedy", "random"])
def test_capacity_constraints_hold_exactly(method: str) -> None:
    gain, groups, capacity = _instance(400, 1)
    capacity[("g1", "a")] = 5  # scarce: many want it
    gain[:, 1] = np.abs(gain[:, 1]) + 0.01
    out = allocate(gain, groups, PROGS, capacity, method)
    used = check_capacity(out, groups, PROGS, capacity)
    assert all(u <= s for u, s in used.values())
    assert used[("g1", "a")] == (5, 5)  # every scarce seat used, none more
    assert not np.isnan(gain[np.arange(len(out)), out][out > 0]).any()


def test_lp_is_optimal_against_brute_force() -> None:
    rng = np.random.default_rng(3)
    gain = rng.normal(0.02, 0.05, (7, 3))
    gain[2, 1] = np.nan
    groups = np.array(["g"] * 7, dtype=object)
    capacity = {("g", "a"): 2, ("g", "b"): 1}
    best = -np.inf
    for combo in itertools.product(range(3), repeat=7):
        a = np.array(combo)
        if (a == 1).sum() > 2 or (a == 2).sum() > 1 or a[2] == 1:
            continue
        best = max(best, total_gain(gain, a))
    out = allocate(gain, groups, ("none", "a", "b"), capacity, "lp")
    assert total_gain(gain, out) == pytest.approx(best)


@settings(max_examples=25, deadline=None)
@given(n=st.integers(1, 60), seed=st.integers(0, 10_000))
def test_lp_beats_greedy_and_random_and_fits(n: int, seed: int) -> None:
    gain, groups, capacity = _instance(n, seed)
    lp = allocate(gain, groups, PROGS, capacity, "lp")
    greedy = allocate(gain, groups, PROGS, capacity, "greedy")
    rand = allocate(gain, groups, PROGS, capacity, "random", seed=seed)
    for a in (lp, greedy, rand):
        check_capacity(a, groups, PROGS, capacity)
    assert total_gain(gain, lp) >= total_gain(gain, greedy) - 1e-9
    assert total_gain(gain, lp) >= total_gain(gain, rand) - 1e-9


def test_capacity_helpers() -> None:
    table = pl.DataFrame({C.JOBCENTER_ID: ["g1", "g1"], C.PROGRAMME: ["a", "b"], "period": ["q", "q"],
                          "seats": [3, 2]})  # fmt: skip
    assert capacity_from_table(table, 4) == {("g1", "a"): 12, ("g1", "b"): 8}
    groups = np.array(["g1"] * 5, dtype=object)
    with pytest.raises(CapacityError):
        check_capacity(np.array([1, 1, 1, 1, 0]), groups, PROGS, {("g1", "a"): 3})
    gain = np.array([[0, 0.1, 0, 0], [0, 0.3, 0, 0], [0, 0.2, 0, 0], [0, np.nan, 0, 0], [0, 0.0, 0, 0]])
    fixed = enforce_capacity(np.array([1, 1, 1, 1, 0]), gain, groups, PROGS, {("g1", "a"): 2})
    assert fixed.tolist() == [0, 1, 1, 0, 0]
    prefs = [[1, 2], [1, 2], [2], [1], []]
    out = allocate_by_preferences(prefs, groups, PROGS, {("g1", "a"): 1, ("g1", "b"): 1})
    assert out.tolist() == [1, 2, 0, 0, 0]
    lp = allocate(gain, groups, PROGS, {("g1", "a"): 2}, "lp")
    prices = lp_prices(gain, groups, PROGS, {("g1", "a"): 2}, lp)
    assert prices[("g1", "a")] == pytest.approx(0.2)


# --- policy tree ---------------------------------------------------------------------------------------


def test_policy_tree_finds_a_known_rule() -> None:
    rng = np.random.default_rng(0)
    n = 2000
    X = np.column_stack([rng.random(n), rng.integers(0, 2, n).astype(float), rng.normal(size=n)])
    reward = np.zeros((n, 3))
    reward[:, 1] = np.where(X[:, 0] > 0.5, 0.1, -0.1)
    reward[:, 2] = np.where(X[:, 0] <= 0.5, 0.05, -0.1)
    tree = PolicyTree(max_depth=2, feature_names=["skill_coverage_first", "benefit_dagpenge", "noise"],
                      programmes=("none", "loentilskud_privat", "mentorstoette")).fit(X, reward)  # fmt: skip
    assert tree.depth <= 2 and len(tree.rules()) <= 4
    pred = tree.predict(X)
    assert np.mean(pred == np.where(X[:, 0] > 0.5, 1, 2)) > 0.95
    lines = tree.rules_da(FEATURE_LABELS_DA)
    assert any(line.startswith("Hvis kompetencedækning for første ønskejob ≤ 0,") for line in lines)
    assert all(" borgere, " in line for line in lines)


def test_policy_tree_depth_rules_and_capacity() -> None:
    rng = np.random.default_rng(1)
    n = 1500
    X = np.column_stack([rng.random(n), rng.integers(0, 2, n).astype(float)])
    reward = np.column_stack([np.zeros(n), X[:, 1] * 0.2 - 0.05, (1 - X[:, 1]) * X[:, 0] * 0.2 - 0.02])
    with pytest.raises(ValueError):
        PolicyTree(max_depth=4)
    for depth in (1, 2, 3):
        tree = PolicyTree(max_depth=depth, feature_names=["weeks_unemployed", "benefit_dagpenge"],
                          programmes=("none", "ips", "mentorstoette")).fit(X, reward)  # fmt: skip
        assert tree.depth <= depth
        assert len(tree.rules()) <= 2**depth
    lines = tree.rules_da(FEATURE_LABELS_DA)
    assert any("ikke på dagpenge" in line for line in lines)
    groups = np.array(["g"] * n, dtype=object)
    capacity = {("g", "ips"): 30, ("g", "mentorstoette"): 40}
    out = tree.assign(X, groups, capacity)
    used = check_capacity(out, groups, ("none", "ips", "mentorstoette"), capacity)
    assert used[("g", "ips")] == (30, 30)


# --- uncertainty, the tie rule and what an interval may be called ---------------------------------------


def test_probability_tie_rule_uses_the_joint_uncertainty() -> None:
    tau = np.array([0.0, 0.10, 0.08, np.nan])
    independent = np.diag([0.02**2, 0.02**2, 0.0])
    p = prob_at_least_as_good(tau, independent, top=1)
    assert p[1] == 1.0 and np.isnan(p[3])
    assert p[2] == pytest.approx(norm.cdf(-0.02 / np.sqrt(2 * 0.02**2)))
    assert p[0] == pytest.approx(norm.cdf(-0.10 / 0.02))  # "none" (0, certain) against the top pick
    # Shared error (the same citizen, the same comparison arm): the same intervals, a clear difference.
    shared = np.array([[0.02**2, 0.02**2 * 0.99, 0], [0.02**2 * 0.99, 0.02**2, 0], [0, 0, 0]])
    assert prob_at_least_as_good(tau, shared, top=1)[2] < TIE_PROBABILITY < p[2]
    best = prob_best(tau, independent, seed=1)
    assert np.nansum(best) == pytest.approx(1.0) and np.isnan(best[3])
    assert best[1] > best[2] > best[0]


def test_pooled_averages_undo_the_top_picks_winners_curse() -> None:
    """Eight programmes whose true averages scatter by 2 pp, estimated with 0.5-2.5 pp of noise: the
    best-looking raw average overstates its programme; the pooled one does not, and its intervals cover."""
    rng = np.random.default_rng(0)
    se = np.array([0.01, 0.01, 0.015, 0.02, 0.02, 0.025, 0.025, 0.005])
    raw_top, pooled_top, covered, raw_mse, pooled_mse = [], [], [], [], []
    for _ in range(200):
        true = 0.05 + 0.02 * rng.standard_normal(8)
        est = true + se * rng.standard_normal(8)
        mean, cov = pooled_averages(est, np.diag(se**2))
        raw_top.append(est[np.argmax(est)] - true[np.argmax(est)])
        pooled_top.append(mean[np.argmax(mean)] - true[np.argmax(mean)])
        covered.extend(np.abs(mean - true) < 1.645 * np.sqrt(np.diag(cov)))
        raw_mse.append(np.mean((est - true) ** 2))
        pooled_mse.append(np.mean((mean - true) ** 2))
    assert np.mean(raw_top) > 0.012  # the curse is there to undo
    assert abs(np.mean(pooled_top)) < 0.2 * np.mean(raw_top)
    assert 0.86 <= np.mean(covered) <= 0.94
    assert np.mean(pooled_mse) < 0.75 * np.mean(raw_mse)


def test_pooling_moves_averages_only_as_far_as_their_noise_warrants() -> None:
    far = np.array([0.0, 0.10, 0.20, 0.30, np.nan])
    cov = np.diag([1e-6, 1e-6, 1e-6, 1e-6, np.nan])
    mean, post = pooled_averages(far, cov)
    assert np.allclose(mean[:4], far[:4], atol=1e-4)  # precise and far apart: left as they are
    assert np.isnan(mean[4]) and np.isnan(post[4, 4])
    close = np.array([0.04, 0.05, 0.06, 0.07])
    mean, post = pooled_averages(close, np.diag(np.full(4, 0.03**2)))
    assert np.ptp(mean) < 0.5 * np.ptp(close)  # noisy and close: pulled together
    assert mean.mean() == pytest.approx(close.mean(), abs=1e-9)
    assert (np.diag(post) < 0.03**2).all()
    two = np.array([0.01, 0.20])
    assert np.array_equal(pooled_averages(two, np.eye(2))[0], two)  # fewer than three: nothing to pool


def test_options_are_compared_on_pooled_averages_while_the_estimates_stay_doubly_robust(fitted: dict) -> None:
    model: InterventionModel = fitted["model"]
    learner = model.learner_
    eff = model.estimate(fitted["features"].head(40))
    rows = learner.train_supported_.astype(float)
    dr = (rows * learner.pseudo_).sum(axis=0) / rows.sum(axis=0)
    pooled = dr + learner.compare_shift_
    assert np.ptp(pooled) < np.ptp(dr)  # pulled toward their common mean
    assert eff.compare_tau is not None and eff.compare_cov is not None and eff.cov is not None
    s = eff.supported
    shift = np.broadcast_to(learner.compare_shift_, eff.tau.shape)
    assert np.allclose((eff.compare_tau - eff.tau)[s], shift[s]) and np.isnan(eff.compare_tau[~s]).all()
    # The shown estimate's covariance is the doubly robust one; comparisons use the pooled averages'.
    assert np.allclose(eff.cov - eff.compare_cov, (learner.mean_cov_ - learner.compare_mean_cov_)[None])
    ranking = model.rank(fitted["features"].head(1))
    one = ranking.filter(pl.col("supported")).sort("rank")
    e1 = eff.take(slice(0, 1))
    cmp = np.concatenate([[0.0], np.where(e1.supported[0], e1.compare_tau[0], np.nan)])
    top = ARMS.index(one[C.PROGRAMME][0])
    expected = prob_at_least_as_good(cmp, e1.compare_cov[0], top)
    for arm, p in zip(one[C.PROGRAMME], one["prob_as_good_as_best"], strict=True):
        assert p == pytest.approx(expected[ARMS.index(arm)])


def test_posterior_intervals_vary_by_citizen_and_the_average_is_the_plain_dr_one(toy: dict) -> None:
    learner, X = toy["learner"], toy["X"]
    eff = learner.effects(X)
    s = eff.supported[:, 0]
    width = (eff.upper - eff.lower)[s, 0]
    assert width.std() > 0.05 * width.mean()  # not one width per programme any more
    assert eff.cov is not None and np.allclose(eff.se[s, 0] ** 2, eff.cov[s, 0, 0])
    # The final stage corrects the outcome model by the unweighted mean of the pseudo-outcomes.
    rows = learner.train_supported_[:, 0]
    mu = learner.oof_outcome_
    plain = float(np.mean(learner.pseudo_[rows, 0] - (mu[rows, 1] - mu[rows, 0])))
    assert learner.final_models_[1].intercepts_[0] == pytest.approx(plain)


def test_the_shipped_coverage_record_belongs_to_the_default_model() -> None:
    """A change of the model's defaults without rerunning the worlds would silently drop every level and
    every stated chance (the record no longer matches): the shipped record must be for today's defaults."""
    body = json.loads(COVERAGE_FILE.read_text(encoding="utf-8"))
    assert body["params"] == fingerprint(DRParams())
    assert set(body["coverage"]) == set(ARMS[1:]) == set(body["mean_coverage"])
    assert set(body["probabilities"]) == set(body["mean_probabilities"]) == {"best", "as_good"}


def test_an_interval_is_called_a_level_only_where_its_coverage_held(tmp_path: Path) -> None:
    path = tmp_path / "coverage.json"
    assert measured(FAST, path) == {}
    record(FAST, {"ips": {"w1": 0.91, "w2": 0.88}, "mentorstoette": {"w1": 0.91, "w2": 0.70}}, "test", path)
    levels = shown_levels(measured(FAST, path))
    assert levels == {"ips": FAST.level, "mentorstoette": None}
    assert measured(FAST.model_copy(update={"seed": 7}), path)  # the seed does not change the meaning
    assert measured(FAST.model_copy(update={"heterogeneity_sd": 0.1}), path) == {}  # another model: none
    k = len(ARMS) - 1
    tau = np.full((1, k), 0.02)
    eff = Effects(
        tau=tau, se=np.full((1, k), 0.01), lower=tau - 0.02, upper=tau + 0.02, supported=np.ones((1, k), bool),
        propensity=np.full((1, k + 1), 1 / (k + 1)), baseline=np.array([0.4]), reason=np.full((1, k), "", object),
    )  # fmt: skip
    frame = ranking_frame(["s1"], eff, {"ips": 0.9})
    assert frame.filter(pl.col(C.PROGRAMME) == "ips")["interval_level"].item() == 0.9
    assert frame["interval_level"].null_count() == frame.height - 1
    assert frame["indistinguishable_from_best"].sum() == k  # equal estimates: all tied, "none" is not
    assert band_da({"interval_level": 0.9}) == "90 %-interval"
    assert band_da({"interval_level": None}) == "usikkerhed"


def test_a_chance_is_stated_only_in_bins_where_it_came_true(tmp_path: Path) -> None:
    path = tmp_path / "coverage.json"
    assert probability_claims(FAST, path) == {}

    def one_bin(low: float, high: float, options: int, stated: float, observed: tuple[float, float]) -> dict:
        return {"low": low, "high": high, "options": {"w1": options, "w2": options},
                "stated": {"w1": stated, "w2": stated}, "observed": dict(zip(("w1", "w2"), observed, strict=True))}  # fmt: skip

    bins = {
        "best": [
            one_bin(0.20, 0.35, 300, 0.27, (0.18, 0.30)),  # on average 3 pp short: within tolerance
            one_bin(0.50, 0.65, 300, 0.56, (0.40, 0.50)),  # 11 pp short: overstated
            one_bin(0.65, 0.80, 50, 0.70, (0.90, 0.90)),  # too few options to have been measured
        ],
        "as_good": [one_bin(0.05, 0.10, 400, 0.07, (0.02, 0.03))],  # 4.5 pp short: within tolerance
    }
    record(FAST, {"ips": {"w1": 0.9, "w2": 0.9}}, "test", path, probabilities=bins)
    claims = probability_claims(FAST, path)
    assert claims == {"best": [[0.20, 0.35]], "as_good": [[0.05, 0.10]]}
    assert probability_claims(FAST.model_copy(update={"heterogeneity_sd": 0.1}), path) == {}
    # Means over many worlds, once recorded, decide in place of the few worlds' (and survive a re-record).
    many = {"best": [{"low": 0.5, "high": 0.65, "worlds": 60, "options": 9000, "stated": 0.56, "observed": 0.55,
                      "observed_low": 0.5, "observed_high": 0.6}], "as_good": []}  # fmt: skip
    record_mean(FAST, {"ips": {"mean": 0.9, "low": 0.88, "high": 0.92, "worlds": 60}}, "many", path, many)
    record(FAST, {"ips": {"w1": 0.9, "w2": 0.9}}, "again", path, probabilities=bins)
    assert probability_claims(FAST, path) == {"best": [[0.5, 0.65]], "as_good": []}
    # Over many worlds a bin shown overstated (its whole interval below what was stated) is not claimed,
    # even within the tolerance.
    many["best"][0].update(observed=0.53, observed_low=0.52, observed_high=0.54)
    record_mean(FAST, {"ips": {"mean": 0.9, "low": 0.88, "high": 0.92, "worlds": 60}}, "many", path, many)
    assert probability_claims(FAST, path) == {"best": [], "as_good": []}
    path.write_text(path.read_text(encoding="utf-8").replace('"mean_probabilities"', '"dropped"'), "utf-8")
    assert probability_claims(FAST, path) == claims  # without them: the per-world record
    assert shown_probability(0.30, claims["best"]) == 0.30
    assert shown_probability(0.55, claims["best"]) is None and shown_probability(None, claims["best"]) is None
    assert shown_probability(1.0, [[0.8, 1.0]]) == 1.0
    # The ranking keeps the model's chances and beside them what a card may state.
    k = len(ARMS) - 1
    tau = np.linspace(0.01, 0.05, k)[None]
    eff = Effects(
        tau=tau, se=np.full((1, k), 0.02), lower=tau - 0.03, upper=tau + 0.03, supported=np.ones((1, k), bool),
        propensity=np.full((1, k + 1), 1 / (k + 1)), baseline=np.array([0.4]), reason=np.full((1, k), "", object),
    )  # fmt: skip
    frame = ranking_frame(["s1"], eff, {}, {"best": [[0.0, 0.35]], "as_good": []}).filter(pl.col("supported"))
    low = frame["prob_best"] < 0.35
    assert low.any() and not low.all()
    assert frame.filter(low)["prob_best_shown"].to_list() == frame.filter(low)["prob_best"].to_list()
    assert frame.filter(~low)["prob_best_shown"].null_count() == (~low).sum()
    assert frame["prob_as_good_as_best_shown"].null_count() == frame.height
    assert ranking_frame(["s1"], eff)["prob_best_shown"].null_count() == len(ARMS)  # nothing measured


def test_the_explanation_states_a_tie_chance_only_where_it_held(fitted: dict, world: Store) -> None:
    model: InterventionModel = fitted["model"]
    sids = world.query("SELECT seeker_id FROM seekers ORDER BY seeker_id LIMIT 40")["seeker_id"].to_list()
    claims = model.claims_
    try:
        model.claims_ = {}  # nothing measured for these parameters: the tie is said, its chance is not
        texts = [recommend_programmes(model, world, sid).text_da for sid in sids]
        assert any("(kan ikke skelnes fra nr. 1)" in t for t in texts)
        assert not any("sandsynlighed for at være mindst lige så god" in t for t in texts)
        model.claims_ = {"as_good": [[0.0, 1.0]], "best": [[0.0, 1.0]]}
        texts = [recommend_programmes(model, world, sid).text_da for sid in sids]
        assert any("sandsynlighed for at være mindst lige så god)" in t for t in texts)
        assert not any("(kan ikke skelnes fra nr. 1)" in t for t in texts)
    finally:
        model.claims_ = claims


def test_e_values_follow_vanderweele_and_ding() -> None:
    # Risk ratio 2 (0.2 -> 0.4): 2 + sqrt(2) = 3.41; a harmful effect uses the inverse ratio.
    assert e_value(0.2, 0.2) == pytest.approx(2 + np.sqrt(2))
    assert e_value(-0.1, 0.2) == pytest.approx(2 + np.sqrt(2))
    assert e_value(0.0, 0.3) == pytest.approx(1.0)
    out = e_values(0.05, 0.02, 0.4, 1.645)
    assert out["e_value"] > out["e_value_limit"] > 1.0
    assert e_values(0.02, 0.02, 0.4, 1.645)["e_value_limit"] == 1.0  # the interval includes no effect


def test_training_metrics_carry_sensitivity_and_coverage(fitted: dict) -> None:
    model: InterventionModel = fitted["model"]
    arm = model.metrics_["arms"]["loentilskud_privat"]
    assert arm["e_value"] is None or arm["e_value"] >= 1.0
    assert arm["dr_ate_se"] is None or arm["dr_ate_se"] > 0
    assert isinstance(model.coverage_, dict)


def test_pooling_survives_an_average_without_noise() -> None:
    means = np.array([0.02, 0.05, 0.08, 0.03])
    cov = np.diag([0.0, 0.01**2, 0.01**2, 0.01**2])  # e.g. a programme whose pseudo-outcomes are all equal
    mean, post = pooled_averages(means, cov)
    assert np.isfinite(mean).all() and np.isfinite(post).all()
    assert mean[0] == pytest.approx(0.02, abs=1e-6)  # known exactly: not moved


def test_mean_coverage_over_many_worlds_is_evidence_beside_the_per_world_record(tmp_path: Path) -> None:
    path = tmp_path / "coverage.json"
    with pytest.raises(ValueError, match="no per-world coverage"):
        record_mean(FAST, {"ips": {"mean": 0.9, "low": 0.88, "high": 0.92, "worlds": 60}}, "test", path)
    record(FAST, {"ips": {"w1": 0.91, "w2": 0.97}}, "test", path)
    with pytest.raises(ValueError, match="other parameters"):
        record_mean(FAST.model_copy(update={"heterogeneity_sd": 0.1}), {}, "test", path)
    record_mean(FAST, {"ips": {"mean": 0.9, "low": 0.88, "high": 0.92, "worlds": 60}}, "test", path)
    got = measured(FAST, path)["ips"]
    assert got["mean_coverage"]["mean"] == 0.9 and got["coverage"] == {"w1": 0.91, "w2": 0.97}
    assert got["level"] is None  # a calibrated mean does not name a level: each world must hold
    record(FAST, {"ips": {"w1": 0.9, "w2": 0.9}}, "per-world again", path)  # same parameters: means kept
    assert measured(FAST, path)["ips"]["mean_coverage"]["mean"] == 0.9
    record(FAST.model_copy(update={"heterogeneity_sd": 0.1}), {"ips": {"w1": 0.9}}, "other model", path)
    assert "mean_coverage" not in json.loads(path.read_text(encoding="utf-8"))  # another model: dropped
