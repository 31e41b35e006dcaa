"""The programme model over many synthetic worlds: its own bias and its intervals' calibration (issue 14).

Three worlds cannot tell an estimator's bias from the outcomes' noise: on them even an estimator without any
bias meets the 0.5 pp target for all eight programmes with a chance of about 0.05 %, and perfectly
calibrated intervals meet the per-world coverage target with a chance near zero (``worlds.md``). Over many
worlds the noise averages out, so the questions behind those targets get answers that can fail:

- **bias**: the mean over worlds of (estimated - true) average effect, with a 95 % interval over worlds;
  the estimator is unbiased to within 0.5 pp where that interval lies inside +-0.5 pp;
- **calibration**: the mean coverage of the stated 90 % intervals over worlds, with its interval; and how
  often a single world lands in 85-95 %;
- the tie rule's errors and the share of the oracle's gain, world by world;
- whether the chances a card states (of being the best; of being as good as the top pick) come true, per
  bin of the stated chance: the mean over worlds of how often they did. With ``coverage_path`` these means
  decide which chances a card may state (``coverage.probability_claims``), in place of three worlds'.

Worlds are the default world's form and size (20,000 citizens, 25,000 episodes; ``study_size("copenhagen")``:
three times that, as much history as a Copenhagen-sized job centre has), seeds ``FIRST_SEED`` on:
neither the report worlds (42, 2027, 31337) nor the tuning worlds (7, 8, 9). They are generated with
1,000 job-search interactions instead of 150,000, which the programme model does not read, to save time.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from core.reporting import write_results
from core.settings import WORLD_SIZES, WorldSizeName
from data.synthetic.generate import WorldSize, generate_world
from data.taxonomy import load_builtin
from evaluation.intervention_worlds import PROBABILITY_KEYS
from evaluation.interventions import TARGETS, Progress, _jsonable, _pct, synthetic_evaluation
from recommender.interventions import TREATED, DRParams
from recommender.interventions import coverage as coverage_file
from recommender.interventions.coverage import LEVEL_RANGE

FIRST_SEED = 100
STEM = "many_worlds"
STUDY_INTERACTIONS = 1_000  # the model never reads the job-search interactions: a token number saves time


def study_size(preset: WorldSizeName) -> WorldSize:
    """A size preset's worlds for the study: its citizens and episodes, a token number of interactions."""
    counts = WORLD_SIZES[preset]
    return WorldSize(seekers=counts["seekers"], vacancies=counts["vacancies"], episodes=counts["episodes"],
                     interactions=STUDY_INTERACTIONS)  # fmt: skip


DEFAULT_SIZE = study_size("default")


def _preset_of(size: Mapping[str, int]) -> WorldSizeName | None:
    """The size preset with these citizens and episodes, if any (None: counts of one's own)."""
    for name, counts in WORLD_SIZES.items():
        if (counts["seekers"], counts["episodes"]) == (size["citizens"], size["episodes"]):
            return name
    return None


def many_worlds_study(
    n_worlds: int,
    out_dir: str | Path,
    *,
    params: DRParams | None = None,
    seed: int = 0,
    first_seed: int = FIRST_SEED,
    size: WorldSize = DEFAULT_SIZE,
    coverage_path: Path | None = None,
    progress: Progress | None = None,
) -> dict[str, Any]:
    """Evaluate the model on ``n_worlds`` fresh worlds of ``size`` (its seed is replaced by ``first_seed``,
    ``first_seed + 1``, ...); write ``many_worlds.json/.md/.png`` into ``out_dir``; with ``coverage_path``
    (the product's is ``coverage.COVERAGE_FILE``) add each programme's mean coverage there, for analysts."""
    step = progress or (lambda _m: None)
    params = params or DRParams(seed=seed)
    taxonomy = load_builtin()
    results = {}
    for i, world_seed in enumerate(range(first_seed, first_seed + n_worlds)):
        step(f"world {i + 1}/{n_worlds} (seed {world_seed})")
        world = generate_world(taxonomy, dataclasses.replace(size, seed=world_seed))
        results[world_seed] = synthetic_evaluation(world, taxonomy=taxonomy, params=params, seed=seed)
    summary = summarize(results)
    summary["params"] = params.model_dump()
    summary["size"] = {"citizens": size.seekers, "episodes": size.episodes, "interactions": size.interactions}
    summary["recorded"] = coverage_path is not None  # whether cards follow this study's "shown" column
    write_results(_jsonable(summary), out_dir, STEM, md=_markdown(summary), figures={"png": _plot(summary)})
    if coverage_path is not None:
        means = {arm: {**r["coverage"], "worlds": r["worlds"]} for arm, r in summary["per_programme"].items()}
        note = f"mean over {n_worlds} worlds (seeds {first_seed}-{first_seed + n_worlds - 1}), evaluation seed {seed}"
        coverage_file.record_mean(params, means, note, coverage_path, probabilities=summary["probabilities"])
    return summary


def _mean_ci(values: Sequence[float]) -> dict[str, float]:
    """Mean over worlds with a normal 95 % interval (worlds are independent draws)."""
    v = np.asarray(values, dtype=np.float64)
    half = 1.96 * v.std(ddof=1) / np.sqrt(len(v)) if len(v) > 1 else float("nan")
    return {"mean": float(v.mean()), "low": float(v.mean() - half), "high": float(v.mean() + half)}


def summarize(results: Mapping[int, Mapping[str, Any]]) -> dict[str, Any]:
    """Per programme: bias, excess over the noise floor and coverage over worlds; per world: tie errors and
    shares of the oracle's gain; and which of the many-world targets hold."""
    lo, hi = LEVEL_RANGE
    limit = TARGETS["abs_mean_bias"]
    arms: dict[str, Any] = {}
    for arm in TREATED:
        rows = [
            r["per_programme"][arm] for r in results.values() if "ate_bias" in r["per_programme"].get(arm, {})
        ]
        if len(rows) < 2:
            continue
        bias = _mean_ci([r["ate_bias"] for r in rows])
        coverage = [r["interval_coverage"] for r in rows]
        arms[arm] = {
            "worlds": len(rows),
            "bias": bias,
            "excess_bias": _mean_ci([r["excess_bias"] for r in rows]),
            "noise_floor": _mean_ci([r["noise_floor"] for r in rows]),
            "bias_within_limit": bool(-limit <= bias["low"] and bias["high"] <= limit),
            "coverage": _mean_ci(coverage),
            "worlds_in_level_range": float(np.mean([lo <= c <= hi for c in coverage])),
            "coverage_per_world": coverage,
        }
        if all("share_with_estimate" in r for r in rows):
            arms[arm]["share_with_estimate"] = float(np.mean([r["share_with_estimate"] for r in rows]))
    ties = [r["tie_rule"]["probability"] for r in results.values()]
    chances = {
        name: _bins_over_worlds([r["tie_rule"].get(key) or [] for r in results.values()])
        for name, key in PROBABILITY_KEYS.items()
    }
    shares = [r["policies"] for r in results.values()]
    share_of = {
        name: [s[name]["share_of_oracle_gain_over_historical"] for s in shares]
        for name in ("model", "shape_told", "greedy", "random")
    }
    target = TARGETS["share_of_gain_over_historical"]
    return {
        "worlds": list(results),
        "per_programme": arms,
        "tie_rule": {
            key: {**_mean_ci([t[key] for t in ties]), "max": float(max(t[key] for t in ties))}
            for key in ("true_best_outside_tied", "shown_worse_truly_as_good", "mean_tied_options")
        },
        "probabilities": chances,
        "share_of_oracle_gain_over_historical": {
            name: {**_mean_ci(v), "worlds_at_least_target": float(np.mean([x >= target for x in v]))}
            for name, v in share_of.items()
        },
        "targets": {
            "bias_within_0_5pp_every_programme": all(a["bias_within_limit"] for a in arms.values()),
            "mean_coverage_85_95_every_programme": all(
                lo <= a["coverage"]["mean"] <= hi for a in arms.values()
            ),
            "tie_errors_at_most_5pct_every_world": all(
                max(t["true_best_outside_tied"], t["shown_worse_truly_as_good"]) <= TARGETS["tie_error"]
                for t in ties
            ),
        },
    }


def _bins_over_worlds(per_world: Sequence[Sequence[Mapping[str, Any]]]) -> list[dict[str, Any]]:
    """Per bin of a stated chance: the worlds that had options in it, their options, the mean over worlds
    of the mean stated chance and of how often it came true (with its interval over worlds)."""
    grouped: dict[tuple[float, float], list[Mapping[str, Any]]] = {}
    for bins in per_world:
        for b in bins:
            grouped.setdefault((b["low"], b["high"]), []).append(b)
    out = []
    for (low, high), rows in sorted(grouped.items()):
        observed = _mean_ci([b["observed"] for b in rows])
        out.append({"low": low, "high": high, "worlds": len(rows), "options": sum(b["options"] for b in rows),
                    "stated": float(np.mean([b["stated"] for b in rows])), "observed": observed["mean"],
                    "observed_low": observed["low"], "observed_high": observed["high"]})  # fmt: skip
    return out


def _pp_ci(ci: Mapping[str, float]) -> str:
    return f"{100 * ci['mean']:+.2f} [{100 * ci['low']:+.2f}, {100 * ci['high']:+.2f}]"


def _pct_ci(ci: Mapping[str, float]) -> str:
    return f"{_pct(ci['mean'])} [{_pct(ci['low'])}, {_pct(ci['high'])}]"


def _command(c: Mapping[str, Any]) -> str:
    """The CLI call that reproduces this study (options only where they differ from the defaults)."""
    seeds, threshold = c["worlds"], c["params"]["min_propensity"]
    command = f"jobmatch evaluate interventions --many-worlds {len(seeds)}"
    if seeds[0] != FIRST_SEED:
        command += f" --first-seed {seeds[0]}"
    if threshold != DRParams().min_propensity:
        command += f" --min-propensity {threshold:g}"
    preset = _preset_of(c["size"])
    if preset not in (None, "default"):
        command += f" --size {preset}"
    return command


def _markdown(c: Mapping[str, Any]) -> str:
    seeds = c["worlds"]
    lo, hi = LEVEL_RANGE
    limit = 100 * TARGETS["abs_mean_bias"]
    lines = [
        "# Programme effects over many worlds",
        "",
        f"{len(seeds)} worlds of the default form with {c['size']['citizens']:,} citizens and "
        f"{c['size']['episodes']:,} programme episodes (seeds {seeds[0]}-{seeds[-1]}: neither the report "
        "nor the tuning worlds), each estimated out of sample like `worlds.md` (two halves of the citizens). "
        f"Means over worlds with 95 % intervals over worlds. Reproduce with `{_command(c)}`"
        + ("." if _preset_of(c["size"]) else " and `many_worlds_study(..., size=...)` for this size."),
        "",
        "## Bias of the average effects",
        "",
        "Estimated minus true average effect (pp), and the same net of each world's noise floor (*excess*: "
        f"what the estimator adds). The estimator is unbiased to within {limit:.1f} pp where the whole "
        "interval of the mean bias lies inside that band. The last column is the mean share of episodes (a "
        "citizen's spell of unemployment) the programme has an estimate for (none where its or no programme's "
        "propensity is below the overlap threshold): the price of a stricter threshold.",
        "",
        "| programme | worlds | mean bias | mean excess | within the band | episodes with an estimate |",
        "| --- | ---: | ---: | ---: | --- | ---: |",
    ]
    for arm, r in c["per_programme"].items():
        ok = "yes" if r["bias_within_limit"] else "NO"
        shown = _pct(r["share_with_estimate"], 0) if "share_with_estimate" in r else "–"
        lines.append(
            f"| {arm} | {r['worlds']} | {_pp_ci(r['bias'])} | {_pp_ci(r['excess_bias'])} | {ok} | {shown} |"
        )
    lines += [
        "",
        "## Coverage of the stated 90 % intervals",
        "",
        "Mean coverage over worlds (calibrated: 90 %), and the share of single worlds in which it lies "
        f"in {_pct(lo, 0)} to {_pct(hi, 0)} (what `worlds.md` asks of each of three worlds).",
        "",
        "| programme | mean coverage | worlds in range | lowest | highest |",
        "| --- | ---: | ---: | ---: | ---: |",
    ]
    for arm, r in c["per_programme"].items():
        per = r["coverage_per_world"]
        lines.append(
            f"| {arm} | {_pct_ci(r['coverage'])} | {_pct(r['worlds_in_level_range'], 0)} "
            f"| {_pct(min(per), 0)} | {_pct(max(per), 0)} |"
        )
    t = c["tie_rule"]
    lines += [
        "",
        "## Tied with the best, and the share of the oracle's gain",
        "",
        "| figure | mean [95 % interval] | worst world |",
        "| --- | ---: | ---: |",
        f"| true best outside the tied set | {_pct_ci(t['true_best_outside_tied'])} "
        f"| {_pct(t['true_best_outside_tied']['max'])} |",
        f"| shown worse but truly as good | {_pct_ci(t['shown_worse_truly_as_good'])} "
        f"| {_pct(t['shown_worse_truly_as_good']['max'])} |",
        f"| options tied per citizen | {t['mean_tied_options']['mean']:.2f} | {t['mean_tied_options']['max']:.2f} |",
        "",
        "| allocation | share of the oracle's gain over historical | worlds at >= "
        f"{_pct(TARGETS['share_of_gain_over_historical'], 0)} |",
        "| --- | ---: | ---: |",
    ]
    for name, s in c["share_of_oracle_gain_over_historical"].items():
        lines.append(f"| {name} | {_pct_ci(s)} | {_pct(s['worlds_at_least_target'], 0)} |")
    what = {
        "best": "being the best option",
        "as_good": "being at least as good as the top pick (other options)",
    }
    for name, bins in (c.get("probabilities") or {}).items():
        lines += [
            "",
            f"## Does the stated chance of {what[name]} come true?",
            "",
            "Per bin of the chance the product states: the mean over worlds of the mean stated chance and of "
            "how often it came true, with its 95 % interval over worlds. *shown*: a card states the number "
            f"only where it came true at least as often as stated less "
            f"{_pct(coverage_file.PROBABILITY_TOLERANCE, 0)} and the interval reaches what was stated "
            "(`coverage.probability_claims`)"
            + (
                "."
                if c.get("recorded", True)
                else "; here what that rule gives on these worlds: cards follow only a study run with "
                "`--record-coverage`, and this one was not."
            ),
            "",
            "| stated | worlds | options | mean stated | mean observed | shown |",
            "| --- | ---: | ---: | ---: | ---: | --- |",
        ]
        for b in bins:
            observed = {"mean": b["observed"], "low": b["observed_low"], "high": b["observed_high"]}
            lines.append(
                f"| {_pct(b['low'], 0)} to {_pct(b['high'], 0)} | {b['worlds']} | {b['options']:,} "
                f"| {_pct(b['stated'])} | {_pct_ci(observed)} | {'yes' if coverage_file.bin_holds(b) else '**no**'} |"
            )
    lines += [
        "",
        "Targets: " + ", ".join(f"{k}: {'yes' if v else 'NO'}" for k, v in c["targets"].items()),
        "",
    ]
    lines += ["![bias and coverage over worlds](many_worlds.png)", ""]
    return "\n".join(lines)


def _plot(c: Mapping[str, Any]) -> Any:
    def draw(path: Path) -> None:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt

        arms = list(c["per_programme"])
        rows = [c["per_programme"][a] for a in arms]
        y = np.arange(len(arms))
        fig = plt.figure(figsize=(17, 4.4))
        left = fig.add_subplot(1, 3, 1)
        right = fig.add_subplot(1, 3, 2, sharey=left)
        chances = fig.add_subplot(1, 3, 3)
        limit = 100 * TARGETS["abs_mean_bias"]
        left.axvspan(-limit, limit, color="#c7e9c0", alpha=0.6, label=f"+-{limit:.1f} pp")
        for key, offset, colour in (("bias", -0.15, "#393b79"), ("excess_bias", 0.15, "#9c9ede")):
            mean = np.array([100 * r[key]["mean"] for r in rows])
            err = np.array([[100 * (r[key]["mean"] - r[key]["low"]), 100 * (r[key]["high"] - r[key]["mean"])]
                            for r in rows]).T  # fmt: skip
            left.errorbar(mean, y + offset, xerr=err, fmt="o", color=colour, label=key.replace("_", " "))
        left.axvline(0, color="#555555", lw=0.8)
        left.set_yticks(y, arms)
        left.set_xlabel("estimated - true average effect, pp (mean over worlds, 95 % interval)")
        left.legend(fontsize=8)
        lo, hi = LEVEL_RANGE
        right.axvspan(100 * lo, 100 * hi, color="#c7e9c0", alpha=0.6)
        for i, r in enumerate(rows):
            per = 100 * np.asarray(r["coverage_per_world"])
            right.scatter(per, np.full(len(per), i), s=10, color="#9c9ede", alpha=0.7)
            right.plot([100 * r["coverage"]["mean"]], [i], "o", color="#393b79")
        right.axvline(90, color="#555555", lw=0.8)
        right.set_xlabel("coverage of the stated 90 % interval per world, % (dark: mean)")
        chances.plot([0, 100], [0, 100], color="#555555", lw=0.8)
        for (name, bins), colour in zip(
            (c.get("probabilities") or {}).items(), ("#393b79", "#e6550d"), strict=False
        ):
            x = np.array([100 * b["stated"] for b in bins])
            mean = np.array([100 * b["observed"] for b in bins])
            err = np.array([[100 * (b["observed"] - b["observed_low"]), 100 * (b["observed_high"] - b["observed"])]
                            for b in bins]).T  # fmt: skip
            chances.errorbar(
                x, mean, yerr=np.nan_to_num(err), fmt="o-", color=colour, label=name.replace("_", " ")
            )
        chances.set_xlabel("stated chance, % (bin mean)")
        chances.set_ylabel("came true, % (mean over worlds, 95 % interval)")
        chances.legend(fontsize=8)
        fig.suptitle(f"Programme effects over {len(c['worlds'])} worlds")
        fig.tight_layout()
        fig.savefig(path, dpi=120, format="png")
        plt.close(fig)

    return draw
