"""Evaluation of the intervention recommender: the report's shape on a small world, targets on the full one."""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pytest

from data.synthetic.generate import WorldSize, generate_world
from data.taxonomy import load_builtin
from evaluation.intervention_worlds import _unbiased_pass_chance, run_world_comparison
from evaluation.interventions import (
    NSW_EXPERIMENTAL_USD,
    _truth,
    _uplift,
    calibrated_coverage_chance,
    cross_estimate,
    ihdp_available,
    nsw_available,
    run_intervention_evaluation,
    shape_told,
    share_intervals,
    tie_rule_errors,
)
from recommender.interventions import TREATED, DRParams, EpisodeData, load_episodes
from recommender.interventions.coverage import (
    MIN_BIN_OPTIONS,
    PROBABILITY_TOLERANCE,
    measured,
    probability_claims,
    record,
)

FAST = DRParams(n_folds=2, bootstrap=10, nuisance_max_iter=60, nuisance_learning_rate=0.1)


@pytest.fixture(scope="module")
def small_world() -> dict:
    return generate_world(
        load_builtin(), WorldSize(seekers=1500, vacancies=300, interactions=500, episodes=2500, seed=5)
    )


def test_synthetic_report_shape_and_sanity(small_world: dict, tmp_path: Path) -> None:
    result = run_intervention_evaluation(small_world, tmp_path, seed=1, params=FAST, ihdp_reps=0, nsw_seeds=0)
    data = json.loads((tmp_path / "interventions.json").read_text(encoding="utf-8"))
    pv = data["synthetic"]["policy_value"]
    assert set(pv) == {"model", "historical", "random", "oracle"}
    assert pv["oracle"] >= max(pv["model"], pv["historical"], pv["random"]) - 1e-12
    syn = result["synthetic"]
    assert syn["policies"]["none"]["policy_value"] <= pv["oracle"]
    assert syn["overlap"]["jobrettet_uddannelse_6u_estimates_for_non_dagpenge"] == 0
    for arm, row in syn["per_programme"].items():
        if "sqrt_pehe" in row:
            assert row["sqrt_pehe"] >= 0 and row["ate_error"] >= 0, arm
    assert syn["policy_tree"]["depth_2"]["rules_da"]
    for key, dif in syn["differences"].items():
        lo, hi = dif["ci"]
        assert lo <= dif["difference"] <= hi, key
    assert syn["differences"]["model_minus_oracle"]["difference"] <= 1e-12
    assert data["ihdp"] == {"status": "skipped"} and data["nsw_cps"] == {"status": "skipped"}
    for name in ("interventions.md", "policy_value.png", "uplift_curves.png", "pehe.png"):
        assert (tmp_path / name).stat().st_size > 0, name
    md = (tmp_path / "interventions.md").read_text(encoding="utf-8")
    assert "| model |" in md and "Policy tree" in md
    shortfall = syn["shortfall_sources"]
    assert shortfall["model"] == pytest.approx(
        syn["policies"]["model"]["share_of_oracle_gain_over_historical"]
    )
    assert "Where the shortfall comes from" in md and "| true differences |" in md


@pytest.mark.skipif(
    ihdp_available() is not None or nsw_available() is not None, reason="econml/causaldata absent"
)
def test_ihdp_and_nsw_keys(small_world: dict, tmp_path: Path) -> None:
    result = run_intervention_evaluation(small_world, tmp_path, seed=0, params=FAST, ihdp_reps=2, nsw_seeds=1)
    data = json.loads((tmp_path / "interventions.json").read_text(encoding="utf-8"))
    assert data["ihdp"]["status"] == "ok" and data["ihdp"]["replications"] == 2
    assert math.isfinite(data["ihdp"]["sqrt_pehe"]) and math.isfinite(data["ihdp"]["ate_error"])
    assert data["nsw_cps"]["experimental_usd"] == NSW_EXPERIMENTAL_USD
    assert math.isfinite(data["nsw_cps"]["effect_usd"])
    assert data["nsw_cps"]["naive_difference_usd"] < 0  # the CPS controls earn far more: confounding
    assert (tmp_path / "ihdp.png").exists()
    proto = data["ihdp"]["held_out_protocol"]
    assert proto["replications"] == 2 and "held out" in proto["draws"]
    assert {"Jobmatch DR-learner", "econml T-learner", "econml CausalForestDML"} <= set(proto["learners"])
    for row in proto["learners"].values():
        assert math.isfinite(row["sqrt_pehe_within"]) and math.isfinite(row["sqrt_pehe_out"])
    nsw = data["nsw_cps"]
    assert nsw["min_usd"] <= nsw["effect_usd"] <= nsw["max_usd"]
    assert nsw["range_usd"] == pytest.approx(nsw["max_usd"] - nsw["min_usd"])
    assert set(result["targets"]) == {
        "synthetic_model_above_historical",
        "ihdp_sqrt_pehe_below_bart",
        "nsw_within_500_usd",
        "nsw_seed_range_at_most_600_usd",
        "synthetic_coverage_85_95_every_programme",
        "synthetic_model_60pct_of_oracle_gain_over_historical",
        "synthetic_tie_rule_errors_at_most_5pct",
    }


@pytest.fixture(scope="module")
def coverage_world() -> tuple[EpisodeData, np.ndarray]:
    world = generate_world(
        load_builtin(), WorldSize(seekers=3000, vacancies=300, interactions=500, episodes=5000, seed=5)
    )
    data = load_episodes(world, load_builtin())
    return data, _truth(data, world["gt_episode_effects"])[1][:, 1:]


def _coverage(data: EpisodeData, truth: np.ndarray, params: DRParams) -> float:
    est = cross_estimate(data, params, seed=0)
    s = est["supported"]
    return float(((est["lower"] <= truth) & (truth <= est["upper"]))[s].mean())


def test_intervals_cover_true_effects_out_of_sample(coverage_world: tuple[EpisodeData, np.ndarray]) -> None:
    """Out of sample on a small world: the stated 90 % is about what the intervals cover; the earlier
    constant-width intervals (one standard error of the average per programme) covered far less."""
    data, truth = coverage_world
    fast = FAST.model_copy(update={"bootstrap": 20})
    now = _coverage(data, truth, fast)
    earlier = _coverage(
        data, truth,
        fast.model_copy(update={"intervals": "final_bootstrap", "weighted_final": True, "heterogeneity_sd": None}),
    )  # fmt: skip
    assert 0.82 <= now <= 0.97
    assert earlier < now - 0.05


def test_tie_rule_errors_are_counted_against_the_truth() -> None:
    # Two citizens, two programmes. Citizen 0: A clearly best and truly best. Citizen 1: the estimates
    # favour A but B is truly better, and A's lead is small: tied by probability, so nothing misleads.
    tau = np.array([[0.10, 0.00], [0.05, 0.045]])
    truth = np.array([[0.10, 0.00], [0.03, 0.06]])
    cov = np.tile(np.diag([0.005**2, 0.005**2])[None], (2, 1, 1))
    ok = np.ones_like(tau, dtype=bool)
    out = tie_rule_errors(tau, cov, ok, tau - 0.01, tau + 0.01, truth)
    assert out["probability"]["true_best_outside_tied"] == 0.0
    assert out["probability"]["shown_worse_truly_as_good"] == 0.0
    assert out["probability"]["mean_tied_options"] == 1.5
    # Far more certain estimates: B is shown worse for citizen 1 although it is truly better.
    sure = tie_rule_errors(tau, cov / 100, ok, tau, tau, truth)
    assert sure["probability"]["true_best_outside_tied"] == 0.5
    assert sure["probability"]["shown_worse_truly_as_good"] == pytest.approx(1 / 4)
    # Compared on pooled averages that close A's lead: the top pick is still A (the estimate shown), but B is
    # now tied with it, as the product ranks and marks them.
    pooled = tau + np.array([[-0.004, 0.004]])
    fair = tie_rule_errors(tau, cov / 100, ok, tau, tau, truth, compare_tau=pooled)
    assert fair["probability"]["true_best_outside_tied"] == 0.0
    assert fair["probability"]["shown_worse_truly_as_good"] == 0.0
    assert fair["probability"]["mean_tied_options"] == 1.5  # citizen 0: A alone; citizen 1: A and B


def test_world_comparison_reports_bias_coverage_shares_and_records_coverage(
    small_world: dict, tmp_path: Path
) -> None:
    other = generate_world(
        load_builtin(), WorldSize(seekers=1500, vacancies=300, interactions=500, episodes=2500, seed=6)
    )
    path = tmp_path / "coverage.json"
    summary = run_world_comparison(
        {"w5": small_world, "w6": other}, tmp_path, seed=1, params=FAST, coverage_path=path
    )
    for arm, row in summary["per_programme"].items():
        assert row["mean_bias"] == pytest.approx(np.mean(list(row["bias"].values()))), arm
        assert row["mean_excess_bias"] == pytest.approx(row["mean_bias"] - row["mean_noise_floor"]), arm
        assert set(row["coverage"]) <= {"w5", "w6"}
    for shares in summary["share_of_oracle_gain_over_historical"].values():
        assert shares["historical"] == 0.0 and shares["oracle"] == pytest.approx(1.0)
        assert shares["shape_told"] is not None  # the reference is allocated beside the model
        assert shares["none"] < 0  # allocating nothing loses what history gained: a target that can fail
        assert 0.0 <= row["unbiased_pass_chance"] <= 1.0 and 0.0 <= row["calibrated_coverage_chance"] <= 1.0
    ideal = summary["attainable"]
    chances = [r["unbiased_pass_chance"] for r in summary["per_programme"].values()]
    assert ideal["unbiased_estimator_meets_bias_target"] == pytest.approx(np.prod(chances))
    recorded = measured(FAST, path)
    assert set(recorded) == set(summary["per_programme"])
    report = (tmp_path / "worlds.md").read_text(encoding="utf-8")
    assert report.count("| w5 |") >= 2
    # Each world's size is stated: the noise in every figure depends on it.
    assert summary["sizes"]["w6"] == {"seekers": 1500, "episodes": 2500}
    assert "w6: 1,500 citizens, 2,500 episodes" in report


def test_calibrated_coverage_chance_matches_simulated_worlds() -> None:
    """The chance that a perfectly calibrated 90 % interval covers 85-95 % on one world, against worlds
    simulated outright: the average's error drawn once per fold, each citizen's own error on top."""
    rng = np.random.default_rng(11)
    n = 4000
    sd = rng.uniform(0.02, 0.05, n)
    fold = np.arange(n) % 2
    z = 1.6448536269514722
    for shared in (0.0, 0.015, 0.04):
        shared_var = np.full(n, min(shared, 0.0199) ** 2)
        chance = calibrated_coverage_chance(sd, shared_var, fold, 0.9, 0.85, 0.95, seed=1)
        hits = []
        for _ in range(400):
            e = rng.normal(0, np.sqrt(shared_var[0]), 2)[fold]
            d = rng.normal(0, np.sqrt(sd**2 - shared_var))
            c = np.mean(np.abs(e + d) < z * sd)
            hits.append(0.85 <= c <= 0.95)
        assert chance == pytest.approx(np.mean(hits), abs=0.06), shared
    # No shared error: every world covers 90 %; all of it shared: a world covers nearly all or nearly none.
    assert calibrated_coverage_chance(sd, np.zeros(n), fold, 0.9, 0.85, 0.95) == 1.0
    same = np.full(n, 0.03)
    assert calibrated_coverage_chance(same, 0.999 * same**2, fold, 0.9, 0.85, 0.95) < 0.05


def test_unbiased_pass_chance_of_the_mean_over_worlds() -> None:
    # Three worlds, each average off by N(0, 0.5 pp): their mean is off by N(0, 0.29 pp).
    assert _unbiased_pass_chance([0.005] * 3) == pytest.approx(2 * 0.9583677 - 1, abs=1e-4)
    assert _unbiased_pass_chance([0.0001] * 3) == pytest.approx(1.0)
    assert _unbiased_pass_chance([0.03] * 3) == pytest.approx(2 * 0.6136 - 1, abs=1e-3)  # z = 0.289
    assert _unbiased_pass_chance([0.005, None]) is None


def test_shape_told_learns_size_and_level_of_the_true_shape() -> None:
    rng = np.random.default_rng(3)
    truth = rng.uniform(0.0, 0.1, 4000)
    pseudo = 0.01 + 0.5 * truth + rng.normal(0, 0.02, 4000)  # half the true size, shifted: must be learnt
    fresh = np.array([0.0, 0.05, 0.1])
    assert shape_told(pseudo, truth, fresh) == pytest.approx(0.01 + 0.5 * fresh, abs=2e-3)
    assert shape_told(pseudo, np.full(4000, 0.03), fresh) == pytest.approx(np.full(3, pseudo.mean()))
    assert np.isnan(shape_told(np.zeros(0), np.zeros(0), fresh)).all()


@pytest.fixture(scope="module")
def allocation_inputs(small_world: dict) -> tuple:
    """(episodes, truth, seats, job centres) of the small world, as the evaluation allocates them."""
    from evaluation.interventions import _history_periods
    from recommender.interventions.allocation import capacity_from_table

    data = load_episodes(small_world, load_builtin())
    truth = _truth(data, small_world["gt_episode_effects"])
    capacity = capacity_from_table(
        small_world["programme_capacity"], _history_periods(data, small_world["programme_capacity"])
    )
    return data, truth, capacity, data.frame["jobcenter_id"].to_numpy()


def test_share_intervals_refit_on_resamples(allocation_inputs: tuple) -> None:
    from evaluation.interventions import _gain_share
    from recommender.interventions import ARMS

    data, truth, capacity, groups = allocation_inputs
    out = share_intervals(data, truth, capacity, groups, FAST, seed=1, reps=3)
    assert out["reps"] == 3 and out["level"] == 0.95
    for name in ("model", "shape_told"):
        draws = out[name]["draws"]
        lo, hi = out[name]["ci"]
        assert len(draws) == 3 and min(draws) <= lo <= hi <= max(draws), name
        assert len(set(draws)) == 3, name  # each resample is refitted: the draws differ
    # The share itself: the true effects allocate as the oracle (1), history as itself (0).
    zero = np.zeros((data.n, len(ARMS)))
    zero[np.arange(data.n), data.t] = 1.0  # gains that pick the historical programme
    shares = _gain_share(data, truth, {"oracle": truth[1], "historical": zero}, capacity, groups)
    assert shares["oracle"] == pytest.approx(1.0)
    assert shares["historical"] == pytest.approx(0.0)  # history fits its seats, so the LP repeats it


def test_shortfall_sources_swap_in_the_true_averages_or_differences(allocation_inputs: tuple) -> None:
    from evaluation.interventions import shortfall_sources

    data, truth, capacity, groups = allocation_inputs
    T = truth[1][:, 1:]
    supported = np.ones_like(T, dtype=bool)
    # Right differences, wrong averages: either swap makes the estimates the truth, so the LP is the oracle.
    shifted = T + np.linspace(-0.04, 0.04, T.shape[1])
    src = shortfall_sources(data, truth, shifted, supported, capacity, groups)
    assert src["true_averages"] == pytest.approx(1.0) and src["true_differences"] == pytest.approx(1.0)
    assert set(src["one_programme_true"]) == set(TREATED)
    # Right averages, noisy differences: true averages change nothing; true differences make it the oracle.
    noise = np.random.default_rng(0).normal(0.0, 0.05, T.shape)
    noisy = T.mean(axis=0) + noise - noise.mean(axis=0)
    src = shortfall_sources(data, truth, noisy, supported, capacity, groups)
    assert src["true_averages"] == pytest.approx(src["model"])
    assert src["true_differences"] == pytest.approx(1.0)
    assert src["model"] < 0.9
    one = src["one_programme_true"]
    assert max(one.values()) > src["model"]  # the truth for one programme's differences helps


def test_probability_calibration_compares_stated_with_observed() -> None:
    from evaluation.interventions import probability_calibration

    rng = np.random.default_rng(0)
    stated = rng.uniform(0, 1, 20000)
    bins = probability_calibration(stated, rng.random(20000) < stated)  # calibrated by construction
    assert sum(b["options"] for b in bins) == 20000
    assert bins[-1]["high"] == 1.0
    for b in bins:
        assert b["low"] <= b["stated"] <= b["high"]
        assert b["observed"] == pytest.approx(b["stated"], abs=0.03), b
    overconfident = probability_calibration(stated, rng.random(20000) < 0.7 * stated)
    assert overconfident[-1]["stated"] - overconfident[-1]["observed"] > 0.2


def test_the_chance_of_being_best_is_checked_against_the_truth() -> None:
    """Truths drawn from the very distribution the stated chances describe: every bin comes true as stated.
    Truths from a wider one (the estimates overconfident): the high bins come true less often."""
    rng = np.random.default_rng(1)
    n = 3000
    tau = rng.normal(0.03, 0.02, (n, 3))
    cov = np.tile(np.diag([0.015**2, 0.02**2, 0.01**2])[None], (n, 1, 1))
    ok = np.ones_like(tau, dtype=bool)
    draw = rng.normal(size=(n, 3)) * np.sqrt(np.diagonal(cov, axis1=1, axis2=2))
    fair = tie_rule_errors(tau, cov, ok, tau, tau, tau + draw, best_sample=n)
    for b in fair["calibration_best"]:
        if b["options"] >= 300:
            assert b["observed"] == pytest.approx(b["stated"], abs=0.06), b
    loose = tie_rule_errors(tau, cov, ok, tau, tau, tau + 3 * draw, best_sample=n)
    high = [b for b in loose["calibration_best"] if b["low"] >= 0.65 and b["options"] >= 100]
    assert high and all(b["observed"] < b["stated"] - 0.1 for b in high)


def test_uplift_curve_and_qini() -> None:
    rng = np.random.default_rng(0)
    truth = rng.normal(0.05, 0.05, 1000)
    perfect = _uplift(truth, truth)
    assert perfect["qini"] == pytest.approx(1.0)
    assert perfect["model"][-1] == pytest.approx(truth.mean())
    noise = _uplift(rng.normal(size=1000), truth)
    assert abs(noise["qini"]) < 0.3
    assert _uplift(np.zeros(0), np.zeros(0))["qini"] is None


@pytest.fixture(scope="module")
def full_result(tmp_path_factory: pytest.TempPathFactory) -> dict:
    """Default-size world (20,000 seekers, 25,000 episodes), 100 IHDP replications, 5 NSW seeds (~3 min)."""
    world = generate_world(load_builtin(), WorldSize())
    return run_intervention_evaluation(world, tmp_path_factory.mktemp("full"), seed=0)


@pytest.mark.evaluation
@pytest.mark.timeout(1800)
def test_full_evaluation_meets_targets(full_result: dict) -> None:
    pol = full_result["synthetic"]["policies"]
    assert pol["model"]["share_of_oracle_gain_over_historical"] > 0.0  # allocating nothing is far below 0
    assert pol["none"]["share_of_oracle_gain_over_historical"] < 0.0
    assert pol["model"]["policy_value"] > pol["random"]["policy_value"]
    assert full_result["ihdp"]["sqrt_pehe"] < 2.1
    assert full_result["nsw_cps"]["abs_error_usd"] <= 500


@pytest.mark.evaluation
@pytest.mark.timeout(1800)
def test_full_evaluation_clearly_above_historical(full_result: dict) -> None:
    pol = full_result["synthetic"]["policies"]
    assert pol["model"]["policy_value"] > pol["historical"]["policy_value"] + 0.003
    diff = full_result["synthetic"]["differences"]["model_minus_historical"]
    assert diff["ci"][0] > 0 and diff["difference"] == pytest.approx(
        pol["model"]["policy_value"] - pol["historical"]["policy_value"]
    )
    assert full_result["targets"]["synthetic_model_above_historical"]


def test_many_worlds_study_writes_bias_and_calibration_over_worlds(tmp_path: Path) -> None:
    from evaluation.intervention_many_worlds import many_worlds_study

    size = WorldSize(seekers=1500, vacancies=300, interactions=500, episodes=2500)
    path = tmp_path / "coverage.json"
    record(FAST, {arm: {"w": 0.9} for arm in TREATED}, "per-world", path)
    summary = many_worlds_study(2, tmp_path, params=FAST, first_seed=21, size=size, coverage_path=path)
    recorded = measured(FAST, path)
    for arm, row in summary["per_programme"].items():  # the mean coverage lands beside the per-world record
        assert recorded[arm]["mean_coverage"] == {**row["coverage"], "worlds": 2}
    assert summary["worlds"] == [21, 22]
    for arm, row in summary["per_programme"].items():
        b = row["bias"]
        assert b["low"] <= b["mean"] <= b["high"], arm
        assert row["bias_within_limit"] == (b["low"] >= -0.005 and b["high"] <= 0.005)
        assert len(row["coverage_per_world"]) == row["worlds"]
        assert row["coverage"]["mean"] == pytest.approx(np.mean(row["coverage_per_world"]))
        assert 0.0 < row["share_with_estimate"] <= 1.0  # the price of the overlap threshold, shown beside
    model = summary["share_of_oracle_gain_over_historical"]["model"]
    assert 0.0 <= model["worlds_at_least_target"] <= 1.0
    # The stated chances over worlds; their means now decide which a card may state.
    chances = summary["probabilities"]
    assert set(chances) == {"best", "as_good"} and all(chances.values())
    for bins in chances.values():
        assert sum(b["options"] for b in bins) > 0
        for b in bins:
            assert b["low"] <= b["stated"] <= b["high"] and 1 <= b["worlds"] <= 2
            assert b["observed_low"] <= b["observed"] <= b["observed_high"] or b["worlds"] == 1
    expected = {
        name: [[b["low"], b["high"]] for b in bins
               if b["options"] >= MIN_BIN_OPTIONS and b["observed"] >= b["stated"] - PROBABILITY_TOLERANCE
               and not b["observed_high"] < b["stated"]]
        for name, bins in chances.items()
    }  # fmt: skip
    assert probability_claims(FAST, path) == expected
    for name in ("many_worlds.json", "many_worlds.md", "many_worlds.png"):
        assert (tmp_path / name).stat().st_size > 0
    text = (tmp_path / "many_worlds.md").read_text(encoding="utf-8")
    assert summary["per_programme"] and all(f"| {arm} |" in text for arm in summary["per_programme"])
    assert "`jobmatch evaluate interventions --many-worlds 2 --first-seed 21`" in text  # how to reproduce
    assert "`many_worlds_study(..., size=...)` for this size" in text  # a size no preset names
    assert summary["recorded"] and "this one was not" not in text  # its "shown" column is what cards follow


def test_many_worlds_at_a_size_preset_say_how_to_reproduce_it() -> None:
    from evaluation.intervention_many_worlds import _command, study_size

    size = study_size("copenhagen")
    assert (size.seekers, size.episodes) == (60_000, 75_000) and size.interactions < 10_000
    study = {"worlds": [100, 101], "params": DRParams().model_dump(),
             "size": {"citizens": size.seekers, "episodes": size.episodes}}  # fmt: skip
    assert _command(study) == "jobmatch evaluate interventions --many-worlds 2 --size copenhagen"
    default = study_size("default")
    study["size"] = {"citizens": default.seekers, "episodes": default.episodes}
    assert _command(study) == "jobmatch evaluate interventions --many-worlds 2"


def test_many_worlds_not_recorded_say_cards_do_not_follow_them(tmp_path: Path) -> None:
    from evaluation.intervention_many_worlds import many_worlds_study

    size = WorldSize(seekers=1500, vacancies=300, interactions=500, episodes=2500)
    summary = many_worlds_study(1, tmp_path, params=FAST, first_seed=23, size=size)
    assert summary["recorded"] is False
    assert "and this one was not" in (tmp_path / "many_worlds.md").read_text(encoding="utf-8")


def test_many_world_summary_finds_a_bias_the_noise_hides_in_one_world() -> None:
    from evaluation.intervention_many_worlds import summarize

    rng = np.random.default_rng(4)

    def world(bias: float) -> dict:
        arms = {a: {"ate_bias": bias + rng.normal(0, 0.02), "excess_bias": bias, "noise_floor": 0.0,
                    "interval_coverage": 0.9} for a in ("ips", "mentorstoette")}  # fmt: skip
        policies = {
            n: {"share_of_oracle_gain_over_historical": 0.5}
            for n in ("model", "shape_told", "greedy", "random")
        }
        tie = {"true_best_outside_tied": 0.01, "shown_worse_truly_as_good": 0.02, "mean_tied_options": 5.0}
        return {"per_programme": arms, "policies": policies, "tie_rule": {"probability": tie}}

    unbiased = summarize({s: world(0.0) for s in range(400)})
    biased = summarize({s: world(0.015) for s in range(400)})
    assert unbiased["targets"]["bias_within_0_5pp_every_programme"]
    assert not biased["targets"]["bias_within_0_5pp_every_programme"]
    assert biased["per_programme"]["ips"]["bias"]["mean"] == pytest.approx(0.015, abs=0.004)
