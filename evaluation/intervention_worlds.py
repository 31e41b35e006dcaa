"""The intervention model across several synthetic worlds: what one world cannot show (issue 14).

A world's outcomes are one random draw, so the error of a programme's average effect in one world is mostly
noise (about 1.5-2.5 pp for the rare programmes, the same for any estimator); a *bias* shows only as the mean
over worlds, and net of each world's noise floor. Coverage of the intervals must hold on every world before
the product may call them by their level. Beside each target the report gives the chance that an ideal
estimator would meet it on these worlds (no bias and the noise floor's precision; intervals perfectly
calibrated), so that a miss can be read against what the worlds allow.
``run_world_comparison(..., coverage_path=COVERAGE_FILE)`` writes what was measured to
``recommender/interventions/coverage.json``, which the model reads when it is fitted.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np
import polars as pl
from scipy.stats import norm

from data.store import Store
from evaluation.interventions import TARGETS, Progress, _jsonable, _pct, synthetic_evaluation
from recommender.interventions import TREATED, DRParams
from recommender.interventions import coverage as coverage_file
from recommender.interventions.coverage import LEVEL_RANGE


def _unbiased_pass_chance(se: list[float | None]) -> float | None:
    """Chance that an estimator with no bias at all, as precise as the doubly robust average with the *true*
    outcome model (the noise floor's standard error per world), meets the bias target over these worlds."""
    known = [v for v in se if v is not None]
    if not known or len(known) < len(se):
        return None
    sd_of_mean = float(np.sqrt(np.sum(np.square(known)))) / len(known)
    return float(2 * norm.cdf(TARGETS["abs_mean_bias"] / sd_of_mean) - 1)


def _chance(x: float | None) -> str:
    """A chance with two significant digits, so that a tiny one does not print as 0."""
    return "–" if x is None else f"{100 * x:.2g} %"


def _all_worlds(chances: list[float | None]) -> float | None:
    """Chance that something with these per-world chances holds on every world (worlds drawn independently)."""
    known = [c for c in chances if c is not None]
    return None if not known or len(known) < len(chances) else float(np.prod(known))


def compare_worlds(results: Mapping[str, Mapping[str, Any]]) -> dict[str, Any]:
    """Per programme across worlds (name -> ``synthetic_evaluation`` result): mean bias of the average
    effect, coverage per world; per world the allocations' shares of the oracle's gain over historical and
    the tie rule's errors; and whether the targets hold on every world."""
    arms: dict[str, Any] = {}
    for arm in TREATED:
        rows = {
            w: r["per_programme"][arm] for w, r in results.items() if "ate_bias" in r["per_programme"][arm]
        }
        if not rows:
            continue
        bias = [r["ate_bias"] for r in rows.values()]
        arms[arm] = {
            "bias": {w: r["ate_bias"] for w, r in rows.items()},
            "mean_bias": float(np.mean(bias)),
            "mean_noise_floor": float(np.mean([r["noise_floor"] for r in rows.values()])),
            "mean_excess_bias": float(np.mean([r["excess_bias"] for r in rows.values()])),
            "unbiased_pass_chance": _unbiased_pass_chance([r.get("noise_floor_se") for r in rows.values()]),
            "coverage": {w: r["interval_coverage"] for w, r in rows.items()},
            "calibrated_coverage_chance": _all_worlds(
                [r.get("calibrated_coverage_chance") for r in rows.values()]
            ),
            "min_coverage": min(r["interval_coverage"] for r in rows.values()),
            "max_coverage": max(r["interval_coverage"] for r in rows.values()),
            "worlds": len(rows),
        }
    lo, hi = LEVEL_RANGE
    shares = {
        w: {name: p["share_of_oracle_gain_over_historical"] for name, p in r["policies"].items()}
        for w, r in results.items()
    }
    return {
        "worlds": list(results),
        "sizes": {w: {k: r["world"][k] for k in ("seekers", "episodes")} for w, r in results.items() if "world" in r},
        "per_programme": arms,
        "share_of_oracle_gain_over_historical": shares,
        "share_intervals": {w: r.get("share_intervals") for w, r in results.items()},
        "tie_rule": {w: r["tie_rule"] for w, r in results.items()},
        "probabilities": probability_bins(results),
        # What the targets ask of an ideal estimator on these worlds: every programme at once.
        "attainable": {
            "unbiased_estimator_meets_bias_target": _all_worlds([r["unbiased_pass_chance"] for r in arms.values()]),
            "calibrated_intervals_meet_coverage_target": _all_worlds(
                [r["calibrated_coverage_chance"] for r in arms.values()]
            ),
        },
        "targets": {
            "abs_mean_bias_at_most_0_5pp": {a: abs(r["mean_bias"]) <= TARGETS["abs_mean_bias"] for a, r in arms.items()},
            "coverage_85_95": {a: lo <= r["min_coverage"] and r["max_coverage"] <= hi for a, r in arms.items()},
            "model_60pct_of_gain_over_historical": all(
                (s["model"] or 0) >= TARGETS["share_of_gain_over_historical"] for s in shares.values()
            ),
        },
    }  # fmt: skip


def run_world_comparison(
    worlds: Mapping[str, Store | Mapping[str, pl.DataFrame]],
    out_dir: str | Path,
    seed: int = 0,
    *,
    params: DRParams | None = None,
    coverage_path: Path | None = None,
    share_reps: int = 0,
    progress: Progress | None = None,
) -> dict[str, Any]:
    """Evaluate on every world (name -> store or world dict); write ``worlds.json`` and ``worlds.md`` into
    ``out_dir``; with ``coverage_path`` (the product's is ``coverage.COVERAGE_FILE``) also the measured
    coverage there."""
    step = progress or (lambda _m: None)
    params = params or DRParams(seed=seed)
    results = {}
    for name, world in worlds.items():
        step(f"world {name}")
        results[name] = synthetic_evaluation(
            world, params=params, seed=seed, share_reps=share_reps, progress=step
        )
    summary = compare_worlds(results)
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    body = {"seed": seed, "params": params.model_dump(), "comparison": summary}
    (out / "worlds.json").write_text(json.dumps(_jsonable(body), indent=2, ensure_ascii=False), "utf-8")
    (out / "worlds.md").write_text(_markdown(summary), encoding="utf-8")
    if coverage_path is not None:
        cov = {arm: r["coverage"] for arm, r in summary["per_programme"].items()}
        note = f"out of sample (two halves of the citizens) on worlds {', '.join(worlds)}, evaluation seed {seed}"
        coverage_file.record(params, cov, note, coverage_path, probabilities=summary["probabilities"])
    return summary


PROBABILITY_KEYS = {"best": "calibration_best", "as_good": "calibration"}  # chance -> tie-rule result key


def probability_bins(results: Mapping[str, Mapping[str, Any]]) -> dict[str, list[dict[str, Any]]]:
    """Per stated chance (``coverage.PROBABILITIES``) its bins across worlds, in the shape the coverage
    record keeps: ``low``, ``high`` and world -> ``options``, ``stated``, ``observed``."""
    out: dict[str, list[dict[str, Any]]] = {}
    for name, key in PROBABILITY_KEYS.items():
        bins: dict[tuple[float, float], dict[str, Any]] = {}
        for w, r in results.items():
            for b in r["tie_rule"].get(key) or []:
                row = bins.setdefault((b["low"], b["high"]), {"low": b["low"], "high": b["high"],
                                                               "options": {}, "stated": {}, "observed": {}})  # fmt: skip
                for part in ("options", "stated", "observed"):
                    row[part][w] = b[part]
        out[name] = [bins[k] for k in sorted(bins)]
    return out


def _size_lines(sizes: Mapping[str, Mapping[str, int]]) -> list[str]:
    """One line of each world's size: the noise every figure below carries falls with the episodes."""
    if not sizes:
        return []
    parts = [f"{w}: {s['seekers']:,} citizens, {s['episodes']:,} episodes" for w, s in sizes.items()]
    return ["Sizes: " + "; ".join(parts) + ".", ""]


def _markdown(c: Mapping[str, Any]) -> str:
    worlds = c["worlds"]
    lo, hi = LEVEL_RANGE
    lines = [
        "# Intervention model across worlds",
        "",
        f"Worlds: {', '.join(worlds)}. Reproduce with `evaluation.intervention_worlds.run_world_comparison`.",
        "",
        *_size_lines(c.get("sizes", {})),
        "## Average effects: bias",
        "",
        "Estimated minus true average effect over the citizens with an estimate (out of sample), per world; the "
        "mean over worlds; the mean noise floor (what the outcomes' randomness alone causes, for any "
        "estimator that does not assume the outcome model's form); the mean excess (what the estimator adds); "
        "and *ideal passes*: the chance that an estimator with no bias at all, as precise as the doubly robust "
        "average with the true outcome model, would meet the target on these worlds. Target: |mean bias| <= "
        f"{100 * TARGETS['abs_mean_bias']:.1f} pp.",
        "",
        "| programme | "
        + " | ".join(worlds)
        + " | mean bias | mean noise floor | mean excess | ideal passes | met |",
        "| --- | " + " | ".join("---:" for _ in worlds) + " | ---: | ---: | ---: | ---: | --- |",
    ]
    for arm, r in c["per_programme"].items():
        per = " | ".join(f"{100 * r['bias'][w]:+.2f}" if w in r["bias"] else "–" for w in worlds)
        ok = c["targets"]["abs_mean_bias_at_most_0_5pp"][arm]
        lines.append(
            f"| {arm} | {per} | {100 * r['mean_bias']:+.2f} | {100 * r['mean_noise_floor']:+.2f} "
            f"| {100 * r['mean_excess_bias']:+.2f} | {_pct(r.get('unbiased_pass_chance'), 0)} "
            f"| {'yes' if ok else 'NO'} |"
        )
    ideal = c.get("attainable", {})
    lines += [
        "",
        "An ideal estimator meets the target for every programme at once with chance "
        f"{_chance(ideal.get('unbiased_estimator_meets_bias_target'))}.",
    ]
    lines += [
        "",
        "## Interval coverage",
        "",
        f"Share of citizens whose true effect lies in their stated 90 % interval. Target: {_pct(lo, 0)} to "
        f"{_pct(hi, 0)} on every world; only then does the product call it a 90 %-interval. *Calibrated "
        "passes*: the chance that a perfectly calibrated interval of the same structure would meet it on every "
        "world. Part of each interval is the error of the programme's average, which every citizen a model "
        "estimated shares and a world draws once, so even a calibrated interval covers more or less than 90 % "
        "on one world; the chance is computed from the model's own split of its variance.",
        "",
        "| programme | " + " | ".join(worlds) + " | calibrated passes | met |",
        "| --- | " + " | ".join("---:" for _ in worlds) + " | ---: | --- |",
    ]
    for arm, r in c["per_programme"].items():
        per = " | ".join(_pct(r["coverage"].get(w), 0) for w in worlds)
        met = "yes" if c["targets"]["coverage_85_95"][arm] else "NO"
        lines.append(f"| {arm} | {per} | {_pct(r.get('calibrated_coverage_chance'), 0)} | {met} |")
    lines += [
        "",
        "Calibrated intervals meet the target for every programme at once with chance "
        f"{_chance(ideal.get('calibrated_intervals_meet_coverage_target'))}.",
    ]
    names = ("none", "random", "greedy", "policy_tree", "model", "shape_told", "oracle")
    lines += [
        "",
        "## Share of the oracle's gain over historical",
        "",
        "(allocation - historical) / (oracle - historical) in true employment, same seats. Target for the model: "
        f">= {_pct(TARGETS['share_of_gain_over_historical'], 0)} on every world.",
        "",
        "| world | " + " | ".join(names) + " |",
        "| --- | " + " | ".join("---:" for _ in names) + " |",
    ]
    for w, s in c["share_of_oracle_gain_over_historical"].items():
        lines.append(f"| {w} | " + " | ".join(_pct(s[n], 0) for n in names) + " |")
    lines += [
        "",
        "*shape_told*: a reference, not a product model and not a bound: a learner told each programme's true "
        "effect shape that fits only its size and level from the same pseudo-outcomes. What it misses of the "
        "oracle is roughly what the outcomes' noise hides even from a learner that knows the shape.",
    ]
    intervals = {w: i for w, i in c.get("share_intervals", {}).items() if i}
    if intervals:
        lines += [
            "",
            "95 % percentile intervals over resamples of citizens, each *refitted* (cross-estimated afresh), "
            "so they include the variation of the fitted model, not only of the citizens scored. A resample "
            "holds about 63 % distinct citizens, so its model learns from less and the draws lean low: read "
            "the medians beside the world's own figure above.",
            "",
            "| world | resamples | model | model, median | shape_told | shape_told, median | model - shape_told |",
            "| --- | ---: | ---: | ---: | ---: | ---: | ---: |",
        ]
        for w, i in intervals.items():
            m, t, d = i["model"]["ci"], i["shape_told"]["ci"], i["model_minus_shape_told"]
            mm, tm = (float(np.nanmedian(i[k]["draws"])) for k in ("model", "shape_told"))
            lines.append(
                f"| {w} | {i['reps']} | {_pct(m[0], 0)} to {_pct(m[1], 0)} | {_pct(mm, 0)} "
                f"| {_pct(t[0], 0)} to {_pct(t[1], 0)} | {_pct(tm, 0)} | {100 * d[0]:+.0f} to {100 * d[1]:+.0f} pp |"
            )
    lines += [
        "",
        "## Tied with the best",
        "",
        "*probability*: the product's rule. An option is tied when its chance of being at least as good as the "
        "top pick (the highest estimate shown) is at least the threshold below, with options compared on the "
        "programmes' pooled averages (`uncertainty.pooled_averages`: the top pick is the best-looking of noisy "
        "averages, so at face value it is overstated). *interval overlap*: the earlier rule, for reference.",
        "",
        "| world | rule | true best outside the tied set | shown worse but truly as good | options tied |",
        "| --- | --- | ---: | ---: | ---: |",
    ]
    for w, t in c["tie_rule"].items():
        for rule in ("probability", "interval_overlap"):
            r = t[rule]
            lines.append(
                f"| {w} | {rule.replace('_', ' ')} | {_pct(r['true_best_outside_tied'])} "
                f"| {_pct(r['shown_worse_truly_as_good'])} | {r['mean_tied_options']:.1f} |"
            )
    threshold = next(iter(c["tie_rule"].values()))["tie_probability"]
    what = {
        "best": "the chance of being the best option (*observed*: how often the option truly is the best)",
        "as_good": "the chance of being at least as good as the top pick, for the other options (*observed*: "
        f"how often they truly are; the tie rule calls an option worse below {_pct(threshold, 0)})",
    }
    worlds = c["worlds"]
    for name, bins in (c.get("probabilities") or {}).items():
        lines += [
            "",
            f"Is the stated chance true? Options by {what[name]}. Per world: mean stated / observed. *shown*: "
            "the card states the number only where, on average over the worlds, it came true at least as "
            f"often as stated less {_pct(coverage_file.PROBABILITY_TOLERANCE, 0)}, over at least "
            f"{coverage_file.MIN_BIN_OPTIONS} options (`coverage.probability_claims`); where the many-worlds "
            "study recorded its means (`many_worlds.md`), those decide instead.",
            "",
            f"| stated | {' | '.join(worlds)} | mean stated | mean observed | shown |",
            f"| --- | {' | '.join('---:' for _ in worlds)} | ---: | ---: | --- |",
        ]
        for b in bins:
            cells = [
                f"{_pct(b['stated'][w])} / {_pct(b['observed'][w])}" if w in b["stated"] else "–"
                for w in worlds
            ]
            lines.append(
                f"| {_pct(b['low'], 0)} to {_pct(b['high'], 0)} | {' | '.join(cells)} "
                f"| {_pct(np.mean(list(b['stated'].values())))} | {_pct(np.mean(list(b['observed'].values())))} "
                f"| {'yes' if coverage_file.bin_holds(b) else '**no**'} |"
            )
    return "\n".join(lines) + "\n"
