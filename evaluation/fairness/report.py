"""The fairness report: runs the three audits and writes ``fairness.json``, ``fairness.md`` and PNG plots.

``fairness.json``: ``audits`` -> audit -> ``groups`` -> group label (``attribute=value``, intersections
joined by ``|``) -> metric -> ``{"value": v, "ci": [lo, hi]}`` (plus ``n`` and ``suppressed``); the audits
are ``historical``, ``shortlists_off``, ``shortlists_detconstsort``, ``shortlists_fair``, ``calibration``
and ``interventions``. Top level: ``reranking`` (``ndcg@10_before``, ``ndcg@10_after``, the loss with a
paired CI, the largest |skew@10| before and after, whether the target is met), ``trade_off`` (every
re-ranking variant measured), ``historical_bias_detected`` and ``bias_detected`` (per known-biased group).
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import matplotlib

from core.errors import MissingFileError

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np

from core.settings import Settings
from data.store import Store
from embeddings.base import Encoder
from evaluation.fairness import audit as A
from evaluation.fairness import metrics as M

Progress = Callable[[str], None]
SINGLE_ATTRIBUTES = ("gender", "age_band", "origin_group", "disability")


def report_dir(settings: Settings) -> Path:
    return settings.reports_dir / "fairness"


def load_fairness_report(settings: Settings | Path) -> dict[str, Any]:
    """The latest ``fairness.json`` (for the dashboard's analyst view); a clear error if none was written."""
    folder = report_dir(settings) if isinstance(settings, Settings) else Path(settings)
    path = folder / "fairness.json"
    if not path.is_file():
        raise MissingFileError(f"no fairness report at {path}: run `jobmatch fairness`")
    result: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return result


def _historical_cells(hist: dict[str, Any]) -> dict[str, dict[str, Any]]:
    cells: dict[str, dict[str, Any]] = {}
    for per in hist["by"].values():
        for outcome, frame in per.items():
            renamed = A._prefixed(frame, f"{outcome}_")
            A._merge(cells, M.as_cells(renamed, [f"{outcome}_rate", f"{outcome}_ratio"]))
            for row in frame.iter_rows(named=True):
                cells[row["group"]][f"{outcome}_below_four_fifths"] = row["below_four_fifths"]
    return cells


def run_fairness_audit(
    settings: Settings,
    store: Store,
    encoder: Encoder,
    out_dir: Path | None = None,
    *,
    seed: int = 0,
    n_boot: int = M.N_BOOT,
    min_cell: int = M.MIN_CELL,
    intervention_model: Any | None = None,
    progress: Progress | None = None,
    max_vacancies: int | None = None,
    variants: bool = True,
) -> dict[str, Any]:
    """All three audits on the store; writes the report when ``out_dir`` is given. The intervention model
    is the saved one (fitted and saved first if missing or stale) unless one is passed."""
    say = progress or (lambda _m: None)
    t0 = time.perf_counter()
    opts = {"n_boot": n_boot, "seed": seed, "min_cell": min_cell}
    say("historical hires")
    hist = A.historical_audit(store, **opts)
    say("shortlists: fitting and scoring")
    sl = A.build_shortlists(store, encoder, seed=seed, progress=say, max_vacancies=max_vacancies)
    short = A.shortlist_audit(sl, progress=say, variants=variants, **opts)
    say("interventions")
    if intervention_model is None:
        from recommender.interventions import load_or_fit

        intervention_model, _ = load_or_fit(settings.models_dir, store)
    inter = A.intervention_audit(store, intervention_model, n_boot=n_boot, seed=seed, min_cell=min_cell)
    audits = {
        "historical": {"applications": hist["applications"], "groups": _historical_cells(hist)},
        **{
            f"shortlists_{m}": {
                "ndcg@10": r["ndcg@10"],
                "ndkl@10": r["ndkl"],
                "options": r["options"],
                "groups": r["groups"],
                "positives_in_pools": r["positives_in_pools"],
                "rank_shares": r["rank_shares"],
            }
            for m, r in short["methods"].items()
        },
        "calibration": short["calibration"],
        "interventions": inter,
    }
    result = {
        "data_version": store.data_version,
        "seed": seed,
        "n_boot": n_boot,
        "min_cell": min_cell,
        "split": {"train_end": str(sl.split.train_end), "valid_end": str(sl.split.valid_end)},
        "historical_bias_detected": hist["historical_bias_detected"],
        "bias_detected": hist["bias_detected"],
        "reranking": short["reranking"],
        "trade_off": short["trade_off"],
        "audits": audits,
        "seconds": round(time.perf_counter() - t0, 1),
    }
    result = _clean(result)
    if out_dir is not None:
        say("writing the report")
        write_report(result, out_dir)
    value: dict[str, Any] = result
    return value


def _clean(obj: Any) -> Any:
    """JSON-safe: numpy scalars to Python, non-finite floats to null, tuples to lists."""
    if isinstance(obj, dict):
        return {str(k): _clean(v) for k, v in obj.items()}
    if isinstance(obj, list | tuple):
        return [_clean(v) for v in obj]
    if isinstance(obj, np.bool_ | bool):
        return bool(obj)
    if isinstance(obj, np.integer):
        return int(obj)
    if isinstance(obj, np.floating | float):
        f = float(obj)
        return f if np.isfinite(f) else None
    return obj


# --- writing --------------------------------------------------------------------------------------------


def _fmt(cell: dict[str, Any] | None, pct: bool = False, d: int = 3) -> str:
    if not cell or cell.get("value") is None:
        return "–"
    v, (lo, hi) = cell["value"], cell["ci"]
    if pct:
        return f"{v:.1%} [{lo:.1%}, {hi:.1%}]" if lo is not None and hi is not None else f"{v:.1%}"
    return f"{v:.{d}f} [{lo:.{d}f}, {hi:.{d}f}]" if lo is not None and hi is not None else f"{v:.{d}f}"


def _single_groups(groups: dict[str, Any]) -> list[str]:
    return [g for g in groups if "|" not in g]


def _table(groups: dict[str, Any], columns: list[tuple[str, str, bool]], pairs: bool = False) -> list[str]:
    head = "| group | n | " + " | ".join(label for label, _, _ in columns) + " |"
    lines = [head, "|---|---|" + "---|" * len(columns)]
    for g in sorted(groups, key=lambda x: (x.count("|"), x)):
        if ("|" in g) != pairs:
            continue
        cell = groups[g]
        label = g.replace("|", " & ")  # intersections; a bare "|" would split the Markdown cell
        if cell.get("suppressed"):
            lines.append(f"| {label} | {cell['n']} | " + " | ".join("suppressed" for _ in columns) + " |")
            continue
        cells = " | ".join(_fmt(cell.get(m), pct) for _, m, pct in columns)
        lines.append(f"| {label} | {cell['n']} | {cells} |")
    return lines


def write_report(result: dict[str, Any], out_dir: Path) -> None:
    out_dir.mkdir(parents=True, exist_ok=True)
    (out_dir / "fairness.json").write_text(json.dumps(result, indent=2), encoding="utf-8")
    plots = _plots(result, out_dir)
    (out_dir / "fairness.md").write_text(_markdown(result, plots), encoding="utf-8")


def _markdown(r: dict[str, Any], plots: list[str]) -> str:
    au, rr = r["audits"], r["reranking"]
    lines = [
        "# Fairness audit",
        "",
        f"Data version `{r['data_version']}`, seed {r['seed']}, {r['n_boot']} bootstrap resamples (percentile "
        f"95% intervals), cells with fewer than {r['min_cell']} members suppressed. Groups: gender, age band "
        "(<30, 30-54, 55+), origin group, disability, and every pair of them. Protected attributes are read "
        "from `seeker_protected` for the audit and the optional re-ranking step only; no model uses them.",
        "",
        "## 1. Historical hires",
        "",
        f"Historical bias detected: **{r['historical_bias_detected']}** (a known-biased group's interview-rate "
        "ratio to its reference group has a 95% interval wholly below 1). Interview and hire given an "
        f"application ({au['historical']['applications']:,} applications; resampled by citizen). Ratio = the "
        "group's rate over the reference group's (mand, 30-54, dansk, no disability); a ratio under 0.8 is a "
        "warning flag, never a pass mark.",
        "",
        "| known-biased group | interview-rate ratio | 95% CI | detected |",
        "|---|---|---|---|",
    ]
    for g, b in r["bias_detected"].items():
        ci = b["ci"]
        ci_s = f"[{ci[0]:.3f}, {ci[1]:.3f}]" if ci[0] is not None else "–"
        ratio = f"{b['ratio']:.3f}" if b["ratio"] is not None else "–"
        lines.append(f"| {g} | {ratio} | {ci_s} | {b['detected']} |")
    cols = [("interview rate", "interview_rate", True), ("interview ratio", "interview_ratio", False),
            ("hire rate", "hired_rate", True), ("hire ratio", "hired_ratio", False)]  # fmt: skip
    lines += ["", *_table(au["historical"]["groups"], cols), "", "Intersections:", "",
              *_table(au["historical"]["groups"], cols, pairs=True), ""]  # fmt: skip

    lines += [
        "## 2. Candidate shortlists (hybrid recommender, employer view)",
        "",
        f"Time split as the recommender evaluation (train until {r['split']['train_end']}, test after "
        f"{r['split']['valid_end']}); {rr['vacancies']:,} test vacancies, each ranking its qualified pool "
        f"(mean {rr['mean_pool_size']:.0f} citizens: the employer view's hard filters, then the 500 most similar). "
        "skew@10 = ln(share of the top 10 / share of the reference), pooled over vacancies (one list of 10 "
        "cannot hold 0.9 of a person, so per-list skew of a 9% group is quantised; the pooled share is what "
        "employers as a whole see). Exposure uses the log2 position discount over the top 10; merit is the "
        "true expected gain of showing the candidate (the generator's ground truth, without its injected "
        "bias). Recall@10 of hires is suppressed where too few hires fall in the test period.",
        "",
        "### Re-ranking trade-off",
        "",
        f"Audited re-ranking: **{rr['method']}** with `{rr['options']}` at k={rr['k']}, target = {rr['target']}.",
        "",
        f"- NDCG@10 before {rr['ndcg@10_before']:.4f} {_ci(rr['ndcg@10_before_ci'])}, after "
        f"{rr['ndcg@10_after']:.4f} {_ci(rr['ndcg@10_after_ci'])}; relative loss "
        f"{rr['ndcg@10_loss']['value']:.2%} (paired bootstrap {_ci(rr['ndcg@10_loss']['ci'], pct=True)}).",
        f"- Largest |skew@10| vs the pool over the single-attribute groups: before "
        f"{rr['max_abs_skew@10_before']:.3f}, after {rr['max_abs_skew@10_after']:.3f}.",
        f"- Target (every group within ±{rr['skew_target']}, NDCG@10 loss under {rr['ndcg_loss_target']:.0%}): "
        f"**{'met' if rr['target_met'] else 'not met'}**.",
        "",
        "| re-ranking | NDCG@10 after | loss | loss 95% CI | max abs skew@10 (single groups) | max abs skew@10 (pairs) |",
        "|---|---|---|---|---|---|",
    ]
    for name, t in r["trade_off"].items():
        lines.append(
            f"| {name} | {t['ndcg@10_after']:.4f} | {t['ndcg@10_loss']['value']:.2%} | "
            f"{_ci(t['ndcg@10_loss']['ci'], pct=True)} | {_num(t['max_abs_skew_after'])} | "
            f"{_num(t['max_abs_skew_intersections_after'])} |"
        )
    lines += ["", f"(before re-ranking: max abs skew@10 {_num(rr['max_abs_skew@10_before'])})", ""]
    scols = [("skew@10 vs pool", "skew@10_pool", False), ("skew@10 vs population", "skew@10_population", False),
             ("shortlist ratio", "shortlist_ratio", False), ("exposure ratio", "exposure_ratio", False),
             ("exposure/merit ratio", "exposure_per_merit_ratio", False),
             ("recall@10 applied", "recall@10_applied", False), ("recall@10 hired", "recall@10_hired", False)]  # fmt: skip
    for method in ("off", "detconstsort", "fair"):
        a = au[f"shortlists_{method}"]
        nd = a["ndkl@10"]
        lines += [f"### Shortlists: {method}", "", f"NDCG@10 {_fmt(a['ndcg@10'], d=4)}; options `{a['options']}`.", "",
                  "NDKL@10 (mean over vacancies, vs pool / vs population): "
                  + ", ".join(f"{g} {_fmt(v['pool'])} / {_fmt(v['population'])}" for g, v in nd.items() if "×" not in g),
                  "", *_table(a["groups"], scols), ""]  # fmt: skip
        if method == "off":
            lines += ["Intersections:", "", *_table(a["groups"], scols[:3], pairs=True), ""]
    ccols = [("predicted", "predicted", True), ("observed", "observed", True),
             ("observed / predicted", "observed_over_predicted", False), ("ECE", "ece", False)]  # fmt: skip
    lines += ["### Calibration of P(employer moves the applicant on), test-period applications", "",
              "Below 1, the model promises the group more interviews than the (biased) employers gave.", "",
              *_table(au["calibration"]["groups"], ccols), ""]  # fmt: skip
    inter = au["interventions"]
    lines += [
        "## 3. Intervention allocation",
        "",
        f"Today's {inter['citizens']:,} citizens allocated by the capacity LP on the saved intervention model's "
        f"estimated effects, one quarter's seats per job centre: {inter['seats_used']:,} offered a programme, "
        f"mean estimated gain {100 * inter['mean_estimated_gain']:.2f} percentage points of employment within "
        "26 weeks (gains are shown as percentage points).",
        "",
    ]
    icols = [("offered any", "offered_any_share", True), ("ratio", "offered_any_ratio", False),
             ("estimated gain", "estimated_gain", True), ("gain diff. to ref.", "estimated_gain_difference", True)]  # fmt: skip
    lines += [*_table(inter["groups"], icols), ""]
    if "mean_with_estimate" in inter:  # reports written before it was audited lack it
        ecols = [("programmes with an estimate", "with_estimate", True),
                 ("diff. to ref.", "with_estimate_difference", True)]  # fmt: skip
        lines += [
            "Share of the programmes a citizen has an estimate for (on average "
            f"{inter['mean_with_estimate']:.0%}; a programme has none for a citizen when it, or no programme at "
            "all, is rarely given to citizens like them: below the overlap threshold). A programme without an "
            "estimate is never suggested, so a group with fewer estimates is offered less:",
            "",
            *_table(inter["groups"], ecols),
            "",
        ]
    progs = [p for p, n in inter["programmes"].items() if p != "none" and n > 0]
    pcols = [(p, f"offered_{p}_share", True) for p in progs]
    lines += ["Share offered each programme:", "", *_table(inter["groups"], pcols), ""]
    lines += ["## Plots", "", *[f"![{p}]({p})" for p in plots], "", f"Run time {r['seconds']} s.", ""]
    return "\n".join(lines)


def _ci(ci: list[float | None], pct: bool = False) -> str:
    if ci[0] is None or ci[1] is None:
        return ""
    return f"[{ci[0]:.2%}, {ci[1]:.2%}]" if pct else f"[{ci[0]:.4f}, {ci[1]:.4f}]"


def _num(x: float | None) -> str:
    return "–" if x is None else f"{x:.3f}"


def _errorbars(ax: Any, groups: dict[str, Any], metric: str, names: list[str], offset: float = 0.0,
               label: str | None = None) -> None:  # fmt: skip
    vals, lo, hi, xs = [], [], [], []
    for i, g in enumerate(names):
        cell = groups.get(g, {}).get(metric)
        if not cell or cell["value"] is None or cell["ci"][0] is None:
            continue
        xs.append(i + offset)
        vals.append(cell["value"])
        lo.append(cell["value"] - cell["ci"][0])
        hi.append(cell["ci"][1] - cell["value"])
    ax.errorbar(xs, vals, yerr=[lo, hi], fmt="o", capsize=3, label=label)


def _plots(r: dict[str, Any], out: Path) -> list[str]:
    au = r["audits"]
    files = []
    hist = au["historical"]["groups"]
    names = sorted(_single_groups(hist))
    fig, ax = plt.subplots(figsize=(10, 4))
    _errorbars(ax, hist, "interview_ratio", names, -0.1, "interview | applied")
    _errorbars(ax, hist, "hired_ratio", names, 0.1, "hired | applied")
    ax.axhline(1.0, color="grey", lw=0.8)
    ax.axhline(0.8, color="red", lw=0.8, ls="--", label="0.8 warning")
    ax.set_xticks(range(len(names)), names, rotation=45, ha="right")
    ax.set_ylabel("ratio to reference group (95% CI)")
    ax.set_title("Historical selection-rate ratios")
    ax.legend()
    fig.tight_layout()
    fig.savefig(out / "historical_ratios.png", dpi=110)
    plt.close(fig)
    files.append("historical_ratios.png")

    fig, ax = plt.subplots(figsize=(10, 4))
    groups_off = au["shortlists_off"]["groups"]
    names = sorted(_single_groups(groups_off))
    for off, method in ((-0.15, "off"), (0.0, "detconstsort"), (0.15, "fair")):
        _errorbars(ax, au[f"shortlists_{method}"]["groups"], "skew@10_pool", names, off, method)
    ax.axhspan(-0.1, 0.1, color="green", alpha=0.1, label="±0.1 target")
    ax.axhline(0, color="grey", lw=0.8)
    ax.set_xticks(range(len(names)), names, rotation=45, ha="right")
    ax.set_ylabel("skew@10 vs qualified pool (95% CI)")
    ax.set_title("Shortlist skew@10 before and after re-ranking")
    ax.legend()
    fig.tight_layout()
    fig.savefig(out / "skew_before_after.png", dpi=110)
    plt.close(fig)
    files.append("skew_before_after.png")

    fig, axes = plt.subplots(1, 2, figsize=(11, 4))
    for ax, metric, title in ((axes[0], "exposure_ratio", "exposure ratio"),
                              (axes[1], "exposure_per_merit_ratio", "exposure / merit ratio")):  # fmt: skip
        for off, method in ((-0.15, "off"), (0.0, "detconstsort"), (0.15, "fair")):
            _errorbars(ax, au[f"shortlists_{method}"]["groups"], metric, names, off, method)
        ax.axhline(1.0, color="grey", lw=0.8)
        ax.set_xticks(range(len(names)), names, rotation=45, ha="right")
        ax.set_title(f"Shortlist {title} (95% CI)")
    axes[0].legend()
    fig.tight_layout()
    fig.savefig(out / "exposure.png", dpi=110)
    plt.close(fig)
    files.append("exposure.png")

    fig, ax = plt.subplots(figsize=(6, 4))
    for name, t in r["trade_off"].items():
        if t["max_abs_skew_after"] is None:
            continue
        ax.scatter(t["max_abs_skew_after"], 100 * t["ndcg@10_loss"]["value"])
        ax.annotate(name, (t["max_abs_skew_after"], 100 * t["ndcg@10_loss"]["value"]), fontsize=7)
    rr = r["reranking"]
    ax.scatter(rr["max_abs_skew@10_before"], 0, marker="x", color="black")
    ax.annotate("off", (rr["max_abs_skew@10_before"], 0), fontsize=7)
    ax.axvline(0.1, color="green", ls="--", lw=0.8)
    ax.axhline(3, color="green", ls="--", lw=0.8)
    ax.set_xlabel("largest |skew@10| over single-attribute groups")
    ax.set_ylabel("NDCG@10 loss (%)")
    ax.set_title("Re-ranking trade-off")
    fig.tight_layout()
    fig.savefig(out / "tradeoff.png", dpi=110)
    plt.close(fig)
    files.append("tradeoff.png")

    fig, axes = plt.subplots(1, 2, figsize=(11, 4), sharey=True)
    for ax, attr in zip(axes, ("age_band", "origin_group"), strict=True):
        for method, style in (("off", "-"), ("detconstsort", "--")):
            curves = au[f"shortlists_{method}"]["rank_shares"].get(attr, {})
            for i, (g, shares) in enumerate(sorted(curves.items())):
                ax.plot(range(1, len(shares) + 1), shares, style, color=f"C{i}", label=f"{g} ({method})")
        ax.set_xlabel("rank")
        ax.set_title(f"Share of each rank held by a group / pool share: {attr}")
        ax.axhline(1.0, color="grey", lw=0.8)
        ax.legend(fontsize=6)
    axes[0].set_ylabel("representation at rank (1 = pool share)")
    fig.tight_layout()
    fig.savefig(out / "exposure_curves.png", dpi=110)
    plt.close(fig)
    files.append("exposure_curves.png")

    inter = au["interventions"]["groups"]
    names = sorted(_single_groups(inter))
    with_estimate = "mean_with_estimate" in au["interventions"]  # older reports lack it
    panels = 2 if with_estimate else 1
    fig, axes = plt.subplots(1, panels, figsize=(8 * panels + 2, 4), squeeze=False)
    ax = axes[0][0]
    _errorbars(ax, inter, "estimated_gain", names, 0.0, "estimated gain of the assigned programme")
    ax.set_xticks(range(len(names)), names, rotation=45, ha="right")
    ax.set_ylabel("mean estimated gain (95% CI)")
    ax.set_title("Intervention allocation: estimated gain per group")
    if with_estimate:
        ax = axes[0][1]
        _errorbars(ax, inter, "with_estimate", names, 0.0, "programmes with an estimate")
        ax.set_xticks(range(len(names)), names, rotation=45, ha="right")
        ax.set_ylabel("with an estimate (95% CI)")
        ax.set_title("Programmes a citizen has an estimate for, per group")
    fig.tight_layout()
    fig.savefig(out / "interventions_gain.png", dpi=110)
    plt.close(fig)
    files.append("interventions_gain.png")
    return files
