"""Files of the recommender evaluation: metrics.json (model -> metric -> {value, ci}, plus one section per
world form under ``world_forms``), one ``evaluation_<form>_seed<S>.json`` per world, report.md and plots.

Runs on other worlds add their section beside the earlier ones, so one report covers every world evaluated
into the folder; the top-level models are the installation's own world (``home``).
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np

from core.reporting import write_text_atomic
from matching.retrieval import HOURS_TOLERANCE

BASELINES = (
    "popularity",
    "rule",
    "rule_timed",
    "skill_overlap",
    "embedding",
    "tfidf_char",
    "bm25",
    "als",
    "lightfm",
)
TARGET_LEAD, TARGET_SHARE = 0.02, 0.75


def _slug(label: str) -> str:
    return re.sub(r"[^A-Za-z0-9]+", "_", label).strip("_")


def _cell(c: dict[str, Any], digits: int = 4) -> str:
    return f"{c['value']:.{digits}f} [{c['ci'][0]:.{digits}f}, {c['ci'][1]:.{digits}f}]"


def _section(report: dict[str, Any]) -> dict[str, Any]:
    reach = report["reachable"]["reachable"]
    return {**report["metrics"], "funnel": {"reachable_share": {"value": reach, "ci": [reach, reach]}}}


def write_report(report: dict[str, Any], out_dir: Path, *, home: bool = True) -> None:
    """Write this run's files and merge its world section into metrics.json; rebuild report.md and plots."""
    out_dir.mkdir(parents=True, exist_ok=True)
    label = report["world"]["label"]
    text = json.dumps(report, indent=2, default=str)
    write_text_atomic(out_dir / f"evaluation_{_slug(label)}.json", text)
    metrics_file = out_dir / "metrics.json"
    old = json.loads(metrics_file.read_text(encoding="utf-8")) if metrics_file.is_file() else {}
    forms = {**old.get("world_forms", {}), label: _section(report)}
    top = report["metrics"] if home else {k: v for k, v in old.items() if k != "world_forms"}
    write_text_atomic(metrics_file, json.dumps({**top, "world_forms": forms}, indent=2))
    if home:
        write_text_atomic(out_dir / "evaluation.json", text)
        _plot_models(report["metrics"], out_dir / "metrics.png")
        _plot_exposure(report["exposure"], out_dir / "exposure.png")
    _plot_forms(forms, out_dir / "forms.png")
    runs = [json.loads(p.read_text(encoding="utf-8")) for p in sorted(out_dir.glob("evaluation_*.json"))]
    runs = [r for r in runs if r["world"]["label"] in forms]
    write_text_atomic(out_dir / "report.md", "\n".join(_markdown(runs, forms)) + "\n")


def _targets(m: dict[str, Any]) -> list[str]:
    lead = m["rule"]["hybrid_minus_model_ndcg@10"]
    share = m["hybrid"]["share_of_oracle_ndcg@10"]
    present = [b for b in BASELINES if b in m]  # a run from before a baseline existed lacks it
    beaten = [b for b in present if m[b]["hybrid_minus_model_ndcg@10"]["ci"][0] > 0]
    return [
        f"- hybrid − rule: {_cell(lead)} (target ≥ +{TARGET_LEAD} with CI above 0: "
        f"{'met' if lead['value'] >= TARGET_LEAD and lead['ci'][0] > 0 else 'not met'})",
        f"- hybrid's share of the oracle: {_cell(share, 3)} (target ≥ {TARGET_SHARE:.0%}: "
        f"{'met' if share['value'] >= TARGET_SHARE else 'not met'})",
        f"- baselines the hybrid beats (paired CI above 0): {len(beaten)} of {len(present)}"
        + (
            f"; not: {', '.join(b for b in present if b not in beaten)}" if len(beaten) < len(present) else ""
        ),
    ]


def _world_table(run: dict[str, Any]) -> list[str]:
    m = run["metrics"]
    lines = ["| model | NDCG@10 | share of oracle | hybrid − model | recall@50 |", "|---|---|---|---|---|"]
    for name, cells in m.items():
        diff = cells.get("hybrid_minus_model_ndcg@10")
        lines.append(f"| {name} | {_cell(cells['ndcg@10'])} | {_cell(cells['share_of_oracle_ndcg@10'], 3)} | "
                     f"{_cell(diff) if diff else '–'} | {_cell(cells['recall@50'])} |")  # fmt: skip
    reach = run["reachable"]
    lines += ["", f"Test positives the served funnel can reach at depth {run['pipeline']['retrieval_depth']}: "
              f"**{reach['reachable']:.1%}** (dropped by the commute filter: {reach['filtered_commute']:.1%}, by the "
              f"hours filter: {reach['filtered_hours']:.1%}, beyond the retrieval depth: {reach['beyond_depth']:.1%}, "
              f"vacancy outside the citizen's area or not open in the window: {reach['outside_area_or_window']:.1%})."]  # fmt: skip
    return lines


def _sweep_table(run: dict[str, Any]) -> list[str]:
    if not run["depth_sweep"]:
        return []
    lines = [
        "",
        "| depth | reachable | beyond depth | hybrid NDCG@10 | rule NDCG@10 |",
        "|---|---|---|---|---|",
    ]
    for r in run["depth_sweep"]:
        lines.append(f"| {r['depth'] or 'all'} | {r['reachable']:.1%} | {r['beyond_depth']:.1%} | "
                     f"{_cell(r['hybrid_ndcg@10'])} | {_cell(r['rule_ndcg@10'])} |")  # fmt: skip
    chosen = run["chosen_depth"]
    lines += ["", f"Chosen by the sweep (smallest depth within 0.002 NDCG@10 of the best and within one point of "
              f"the unlimited reachable share): **{chosen or 'all'}**; served with "
              f"{run['pipeline']['retrieval_depth']}."]  # fmt: skip
    return lines


def _markdown(runs: list[dict[str, Any]], forms: dict[str, Any]) -> list[str]:
    lines = [
        "# Recommender evaluation",
        "",
        "**Pipeline: served.** Every model re-ranks what serving retrieves (`recommender.serving`: vacancies "
        "open in the test window, within the citizen's commute, hours within "
        f"{HOURS_TOLERANCE} (weighed by the ranker, not filtered), the retrieval depth's best by "
        "text similarity), ranked once as of the test window's first day among every ad open at some point "
        "in the window, each ad's timing read as of the first day it could be shown (its posting day if later: "
        "the window's end is never read); "
        "`hybrid_unrestricted` ranks every open vacancy in the area. **Oracle: time-aware** "
        "expected gain under the generator (the world's form, latent tastes, when each vacancy is open in the "
        "window), over every open vacancy in the area; `oracle_served` is the same within the served funnel. "
        "Carry-over pairs (applied before the window) are not test positives. CIs: percentile bootstrap over "
        "test citizens, paired for differences and shares of the oracle (`core.stats`). `rule_timed` is the "
        "rule weighted by the share of each ad's posting period still ahead when first seen: the hand-made bar for what the "
        "ranker learns about timing.",
        "",
        f"Worlds: {', '.join(forms)}. Plot: ![NDCG@10 per world form](forms.png)",
    ]
    for run in runs:
        w, s = run["world"], run["split"]
        lines += ["", f"## World `{w['label']}`", "",
                  f"Test: {s['test_seekers']} citizens, {s['test_positives']} positives, {s['candidates']} open "
                  f"vacancies, window {s['valid_end'][:10]} – {s['test_end'][:10]}; {run['seconds']} s.", "",
                  *_targets(run["metrics"]), "", *_world_table(run), *_sweep_table(run)]  # fmt: skip
    home = next((r for r in runs if r.get("exposure")), None)
    if home:
        lines += ["", "## Exposure re-ranking (hybrid, unrestricted candidates)", "",
                  "| strength | ndcg@10 | gini@10 | gini per position@10 | top-1% share@10 | coverage@10 |",
                  "|---|---|---|---|---|---|"]  # fmt: skip
        lines += [f"| {e['strength']} | {e['ndcg@10']:.4f} | {e['gini@10']:.4f} | {e['gini_per_position@10']:.4f} | "
                  f"{e['top1pct_exposure_share@10']:.4f} | {e['coverage@10']:.4f} |" for e in home["exposure"]]  # fmt: skip
        lines += ["", "## Learned hybrid weights", "", "```", json.dumps(home["hybrid_weights"], indent=2), "```",
                  "", "![metrics](metrics.png)", "![exposure](exposure.png)"]  # fmt: skip
    return lines


def _plot_models(metrics: dict[str, Any], path: Path) -> None:
    names = list(metrics)
    fig, axes = plt.subplots(1, 2, figsize=(12, 4))
    for ax, metric in zip(axes, ("ndcg@10", "recall@50"), strict=True):
        vals = np.array([metrics[n][metric]["value"] for n in names])
        lo = np.array([metrics[n][metric]["ci"][0] for n in names])
        hi = np.array([metrics[n][metric]["ci"][1] for n in names])
        colours = [
            "#1f77b4" if n.startswith("hybrid") else "#2ca02c" if n.startswith("oracle") else "#888"
            for n in names
        ]
        ax.bar(names, vals, yerr=np.vstack([vals - lo, hi - vals]), capsize=3, color=colours)
        ax.set_title(f"{metric} (95% CI), served pipeline")
        ax.tick_params(axis="x", rotation=60)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def _plot_forms(forms: dict[str, Any], path: Path) -> None:
    labels = list(forms)
    models = [m for m in next(iter(forms.values())) if m != "funnel"]
    fig, ax = plt.subplots(figsize=(max(8, 1.1 * len(models) * max(1, len(labels)) / 2), 4.5))
    width = 0.8 / len(labels)
    x = np.arange(len(models))
    for i, label in enumerate(labels):
        cells = [
            forms[label].get(m, {}).get("ndcg@10", {"value": np.nan, "ci": [np.nan, np.nan]}) for m in models
        ]
        vals = np.array([c["value"] for c in cells])
        err = np.vstack([vals - [c["ci"][0] for c in cells], [c["ci"][1] for c in cells] - vals])
        ax.bar(x + i * width, vals, width, yerr=err, capsize=2, label=label)
    ax.set_xticks(x + width * (len(labels) - 1) / 2, models, rotation=60)
    ax.set_ylabel("NDCG@10 (95% CI)")
    ax.set_title("NDCG@10 per world form, served pipeline")
    ax.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def _plot_exposure(ex: list[dict[str, float]], path: Path) -> None:
    fig, ax = plt.subplots(figsize=(5, 4))
    ax.plot([e["gini_per_position@10"] for e in ex], [e["ndcg@10"] for e in ex], marker="o")
    for e in ex:
        ax.annotate(f"λ={e['strength']}", (e["gini_per_position@10"], e["ndcg@10"]))
    ax.set_xlabel("Gini of exposure per open position (lower = more spread)")
    ax.set_ylabel("NDCG@10")
    ax.set_title("Congestion re-ranking trade-off")
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
