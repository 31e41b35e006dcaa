"""How large must the ranker's tree ensembles be? Served NDCG@10 and the cost of explaining one list.

Every suggestion shown carries its TreeSHAP explanation (``TreeModel.contributions``), whose cost grows with
trees x leaves x depth²: under 100 consultants it was most of a suggestion's CPU. This compares ensemble
sizes on the recommender evaluation's time split and served funnel (``evaluation.recommender``), each
against the largest one and against the learn-nothing rule, with paired bootstrap CIs over test citizens,
and times the explanation of a 10-row list (both models) on this machine.
"""

from __future__ import annotations

import time
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import numpy as np
import polars as pl

from core.reporting import markdown_table, write_results
from data import columns as C
from data.interactions import time_split
from data.store import Store
from embeddings.base import Encoder
from evaluation.comparisons import differences, per_user
from evaluation.recommender import AREAS, _area, _served_recs, attach_vectors, live_candidates, test_context
from evaluation.served import Funnel
from recommender.baselines_text import RuleRecommender
from recommender.context import RecContext
from recommender.hybrid import HybridConfig, HybridRecommender
from recommender.lightfm_model import LightFMRecommender
from recommender.serving import RETRIEVAL_DEPTH

# name -> (citizen-side trees, employer-side trees, leaves, learning rate); the first is the former default,
# the reference, the last today's default (``recommender.gbm.TreeConfig``)
SIZES: dict[str, tuple[int, int, int, float]] = {
    "300x31": (300, 200, 31, 0.05),
    "100x15": (100, 100, 15, 0.1),
    "100x7": (100, 100, 7, 0.1),
    "60x7": (60, 60, 7, 0.15),
}
REFERENCE = "300x31"
LIST_ROWS = 10


def config_for(size: str, base: HybridConfig | None = None) -> HybridConfig:
    """The hybrid's config with both ensembles at ``size`` (each keeps its objective)."""
    apply, employer, leaves, rate = SIZES[size]
    base = base or HybridConfig()
    shape = {"leaves": leaves, "learning_rate": rate}
    return base.updated(apply_trees=base.apply_trees.updated(trees=apply, **shape),
                        employer_trees=base.employer_trees.updated(trees=employer, **shape))  # fmt: skip


def explain_ms(model: HybridRecommender, repeats: int = 50, seed: int = 0) -> float:
    """Milliseconds to explain one shown list: TreeSHAP of both ensembles over ``LIST_ROWS`` rows."""
    parts = [m for m in (model.apply_, model.employer_) if m is not None]
    rng = np.random.default_rng(seed)
    xs = [rng.random((LIST_ROWS, len(m.features))) for m in parts]
    started = time.perf_counter()
    for _ in range(repeats):
        for m, x in zip(parts, xs, strict=True):
            m.contributions(x)
    return (time.perf_counter() - started) / repeats * 1000


def run_tree_size(store: Store, encoder: Encoder, *, seed: int = 0, progress: bool = True) -> dict[str, Any]:
    """Fit the hybrid at each size on one world; its served NDCG@10, differences and explanation cost."""
    say = print if progress else (lambda *_a, **_k: None)
    ctx = RecContext.from_store(store)
    attach_vectors(ctx, store, encoder)
    events = store.table("interactions")
    cut = time_split(events, None, carry_over=False)
    last = events["ts"].max()
    assert isinstance(last, datetime)
    ctx = test_context(ctx, cut.split.valid_end, last)  # the models rank as of the test's first day
    cands = live_candidates(ctx, cut.split.valid_end, last + timedelta(days=1))
    area = _area(ctx.seeker_array("postcode"))
    truth = cut.truth.filter(pl.col(C.SEEKER_ID).is_in(ctx.seekers.ids.tolist()))
    test_users = ctx.seekers.rows(truth[C.SEEKER_ID].unique().sort().to_list())
    funnels = [Funnel.build(ctx, test_users[area[test_users] == a], cands[a]) for a in AREAS]
    lightfm = LightFMRecommender(seed=seed).fit(ctx, cut.train)
    ndcg = {"rule": _served_ndcg(ctx, funnels, truth, RuleRecommender().fit(ctx, cut.history))}
    cost: dict[str, dict[str, float]] = {}
    for size in SIZES:
        say(f"fitting the ranker at {size}")
        started = time.perf_counter()
        model = HybridRecommender(lightfm, config_for(size, HybridConfig(seed=seed))).fit(
            ctx, cut.train, cut.ranker_events
        )
        cost[size] = {
            "fit_s": round(time.perf_counter() - started, 1),
            "explain_ms": round(explain_ms(model), 2),
        }
        ndcg[size] = _served_ndcg(ctx, funnels, truth, model)
    rows = {}
    for size in SIZES:
        diffs = differences(ndcg, size, seed=seed)
        rows[size] = {"ndcg@10": round(float(ndcg[size].mean()), 4), **cost[size],
                      "minus_rule": diffs["rule"], "minus_reference": diffs.get(REFERENCE)}  # fmt: skip
    return {"world": f"{store.meta('world_form') or 'linear'}/seed{store.meta('seed')}",
            "test_citizens": len(test_users), "sizes": rows,
            "rule_ndcg@10": round(float(ndcg["rule"].mean()), 4)}  # fmt: skip


def _served_ndcg(ctx: RecContext, funnels: list[Funnel], truth: pl.DataFrame, model: Any) -> np.ndarray:
    scores = [model.score_matrix(ctx, f.users, f.items) for f in funnels]
    return per_user(_served_recs(ctx, funnels, scores, RETRIEVAL_DEPTH), truth)


def _ci(cell: dict[str, Any] | None) -> str:
    if cell is None:
        return "—"
    lo, hi = cell["ci"]
    return f"{cell['value']:+.4f} [{lo:+.4f}, {hi:+.4f}]"


def tree_size_markdown(worlds: list[dict[str, Any]]) -> str:
    lines = ["# Ranker size: served NDCG@10 against the cost of explaining a list", "",
             f"Explaining a list = TreeSHAP of both ensembles over {LIST_ROWS} rows (one serving call). "
             "Differences are paired over test citizens, 95 % bootstrap CIs.", ""]  # fmt: skip
    for w in worlds:
        lines += [f"## {w['world']} ({w['test_citizens']} test citizens; rule {w['rule_ndcg@10']:.4f})", ""]
        rows = [(size, f"{r['ndcg@10']:.4f}", _ci(r["minus_reference"]), _ci(r["minus_rule"]),
                 f"{r['explain_ms']:.2f}", f"{r['fit_s']:.1f}") for size, r in w["sizes"].items()]  # fmt: skip
        columns = ("trees x leaves", "NDCG@10", f"− {REFERENCE}", "− rule", "explain ms", "fit s")
        lines.append(markdown_table(rows, columns, right=columns[1:]))
        lines.append("")
    return "\n".join(lines)


def write_tree_size(worlds: list[dict[str, Any]], out_dir: Path) -> None:
    """tree_size.json / .md and a plot of NDCG@10 against explanation cost, one line per world."""
    write_results({"worlds": worlds}, out_dir, "tree_size", md=tree_size_markdown(worlds),
                  figures={"png": lambda path: _plot(worlds, path)})  # fmt: skip


def _plot(worlds: list[dict[str, Any]], path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(6, 4))
    for w in worlds:
        sizes = list(w["sizes"])
        ax.plot([w["sizes"][s]["explain_ms"] for s in sizes], [w["sizes"][s]["ndcg@10"] for s in sizes],
                marker="o", label=w["world"])  # fmt: skip
        for s in sizes:
            ax.annotate(s, (w["sizes"][s]["explain_ms"], w["sizes"][s]["ndcg@10"]), fontsize=7)
    ax.set_xscale("log")
    ax.set_xlabel("ms to explain a 10-row list (log)")
    ax.set_ylabel("served NDCG@10")
    ax.legend(fontsize=7)
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)
