"""This installation's own evaluation and fairness audit: what the scheduled `jobmatch report` computes.

Real installations have no ground-truth tables, so everything here is measured on the installation's own
history. The served configuration of the hybrid (read from the live model) is retrained on the history before
the last eight weeks (the served model has already seen those weeks) and ranks the vacancies live in them in
each citizen's area; its lists are scored against the applications citizens actually made, beside popularity
as a floor. The fairness part: interview and hire rates given an application per group (the historical audit),
the hybrid's recall@50 per group on the same test weeks, and, where the build fitted a programme model, today's
caseload allocated to programmes per group (offered one, estimated gain, share of programmes with an estimate).
Cells under ``min_cell`` are suppressed.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import numpy as np
import polars as pl

from core.errors import ArtefactError
from core.settings import Settings
from data import columns as C
from data.interactions import TimeSplitFrames, time_split, training_events
from data.store import Store
from evaluation.fairness import audit as A
from evaluation.fairness import metrics as M
from evaluation.metrics import evaluate, per_user_metrics
from evaluation.recommender import K_MAX, KOBENHAVN_POSTCODES, live_candidates, test_context
from matching.retrieval import Matcher
from recommender.base import Recommender
from recommender.baselines import PopularityRecommender
from recommender.context import RecContext
from recommender.fair_rerank import GROUP_ATTRIBUTES, combine_labels, protected_groups
from recommender.hybrid import HybridConfig, HybridRecommender, load_hybrid
from recommender.service import context_with_vectors, model_root

Progress = Callable[[str], None]
HEADLINE = ("ndcg@10", "recall@50", "precision@10", "mrr@10", "coverage@10")
# What the programme audit reports per group (the per-programme shares stay in `jobmatch fairness`, not computed
# here).
PROGRAMME_METRICS = ("offered_any_share", "offered_any_ratio", "estimated_gain", "with_estimate",
                     "with_estimate_difference")  # fmt: skip


def run_installation_report(
    settings: Settings, store: Store, *, seed: int = 0, n_boot: int = 500, min_cell: int = M.MIN_CELL,
    progress: Progress | None = None,
) -> dict[str, Any]:  # fmt: skip
    """The report as a JSON-ready dict (see the module docstring); nothing is written here."""
    say = progress or (lambda _m: None)
    t0 = time.perf_counter()
    served, meta = load_hybrid(model_root(settings), data_version=store.data_version)
    ctx = context_with_vectors(store, Matcher.open(settings, store))
    events = training_events(store)
    cut = time_split(events)
    say("retraining the served configuration on the history before the test weeks")
    models: dict[str, Recommender] = {
        "hybrid": _retrained(served.config, ctx, cut),
        "popularity": PopularityRecommender().fit(ctx, cut.history),
    }
    say("scoring the test weeks")
    last = events["ts"].max()
    if not isinstance(last, datetime):
        raise ValueError("no interactions: nothing to evaluate")
    ctx = test_context(ctx, cut.split.valid_end, last)  # the models rank as of the test's first day
    recs, truth, n_candidates = _lists(ctx, cut, models, last + timedelta(days=1))
    quality = {name: _headline(evaluate(frame, truth, (10, 50), catalogue_size=n_candidates, seed=seed,
                                        n_boot=n_boot)) for name, frame in recs.items()}  # fmt: skip
    say("fairness: historical hires and recall per group")
    audits = {
        "historical": _historical(store, n_boot, seed, min_cell),
        "recommender": _recall_by_group(store, recs["hybrid"], truth, n_boot, seed, min_cell),
    }
    say("fairness: today's caseload allocated to programmes, per group")
    programmes = _programmes(settings, store, n_boot, seed, min_cell)
    if programmes is not None:
        audits["programmes"] = programmes
    return {
        "computed_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "data_version": store.data_version,
        "model_version": f"{meta.get('data_version', '')}/{meta.get('encoder', '')}",
        "split": {"train_end": str(cut.split.train_end), "test_start": str(cut.split.valid_end)},
        "test_seekers": truth[C.SEEKER_ID].n_unique(),
        "test_positives": truth.height,
        "candidates": n_candidates,
        "min_cell": min_cell,
        "recommender": quality,
        "fairness": {"audits": audits},
        "seconds": round(time.perf_counter() - t0, 1),
    }


def _retrained(config: HybridConfig, ctx: RecContext, cut: TimeSplitFrames) -> HybridRecommender:
    return HybridRecommender(config=config).fit(ctx, cut.train, cut.ranker_events)


def _lists(ctx: RecContext, cut: TimeSplitFrames, models: dict[str, Recommender], end: Any
           ) -> tuple[dict[str, pl.DataFrame], pl.DataFrame, int]:  # fmt: skip
    """Each model's top-``K_MAX`` among the vacancies live in the test weeks in the citizen's area."""
    known = pl.col(C.SEEKER_ID).is_in(ctx.seekers.ids.tolist())
    truth = cut.truth.filter(known & pl.col(C.VACANCY_ID).is_in(ctx.vacancies.ids.tolist()))
    if truth.height == 0:
        raise ValueError("no applications in the test weeks: too little history for an evaluation")
    cands = live_candidates(ctx, cut.split.valid_end, end)
    rows = ctx.seekers.rows(truth[C.SEEKER_ID].unique().sort().to_list())
    area = np.where(ctx.seeker_array("postcode") < KOBENHAVN_POSTCODES, "kbh", "odense")
    recs = {}
    for name, model in models.items():
        frames = []
        for a, items in cands.items():
            users = rows[area[rows] == a]
            if len(users) == 0 or len(items) == 0:
                continue
            scores = model.score_matrix(ctx, users, items)
            top = np.argsort(-scores, axis=1, kind="stable")[:, :K_MAX]
            frames.append(pl.DataFrame({
                C.SEEKER_ID: np.repeat(ctx.seekers.external(users), top.shape[1]),
                C.VACANCY_ID: ctx.vacancies.external(items[top].ravel()),
                "rank": np.tile(np.arange(1, top.shape[1] + 1), len(users)),
                "score": np.take_along_axis(scores, top, axis=1).ravel().astype(np.float64),
            }))  # fmt: skip
        recs[name] = pl.concat(frames)
    return recs, truth, int(sum(len(v) for v in cands.values()))


def _headline(metrics: dict[str, dict[str, Any]]) -> dict[str, dict[str, Any]]:
    return {k: {"value": metrics[k]["value"], "ci": metrics[k]["ci"]} for k in HEADLINE}


def _historical(store: Store, n_boot: int, seed: int, min_cell: int) -> dict[str, Any]:
    """Interview and hire rates given an application, per group, with ratios to the reference group."""
    hist = A.historical_audit(store, n_boot=n_boot, seed=seed, min_cell=min_cell)
    cells: dict[str, dict[str, Any]] = {}
    for per in hist["by"].values():
        for outcome, frame in per.items():
            renamed = frame.rename({c: c.replace("rate", f"{outcome}_rate").replace("ratio", f"{outcome}_ratio")
                                    for c in frame.columns if c.startswith(("rate", "ratio"))})  # fmt: skip
            for group, cell in M.as_cells(renamed, [f"{outcome}_rate", f"{outcome}_ratio"]).items():
                cells.setdefault(group, {"n": cell["n"], "suppressed": cell["suppressed"]}).update(
                    {k: v for k, v in cell.items() if k not in ("n", "suppressed")}
                )
    return {"applications": hist["applications"], "groups": cells}


def _recall_by_group(store: Store, recs: pl.DataFrame, truth: pl.DataFrame, n_boot: int, seed: int,
                     min_cell: int) -> dict[str, Any]:  # fmt: skip
    """recall@50 and ndcg@10 of the hybrid's lists per group of the test citizens (each group alone)."""
    per_user = per_user_metrics(recs, truth, 50).join(
        per_user_metrics(recs, truth, 10).select(C.SEEKER_ID, "ndcg@10"), on=C.SEEKER_ID
    )
    groups = protected_groups(store, per_user[C.SEEKER_ID].to_list())
    cells: dict[str, dict[str, Any]] = {}
    for attr in GROUP_ATTRIBUTES:
        labels = combine_labels(groups, (attr,))
        for metric in ("recall@50", "ndcg@10"):
            frame = M.mean_by_group(per_user[metric].to_numpy(), labels, name=metric, n_boot=n_boot,
                                    seed=seed, min_cell=min_cell)  # fmt: skip
            for group, cell in M.as_cells(frame, [metric]).items():
                cells.setdefault(group, {"n": cell["n"], "suppressed": cell["suppressed"]})[metric] = cell[
                    metric
                ]
    return {"test_seekers": per_user.height, "groups": cells}


def _programmes(
    settings: Settings, store: Store, n_boot: int, seed: int, min_cell: int
) -> dict[str, Any] | None:
    """The programme allocation audit (``audit.intervention_audit``) with the build's model, reduced to
    ``PROGRAMME_METRICS``; None where the build fitted none (too few episodes: suggestions are off)."""
    from recommender.interventions import InterventionModel

    try:
        model = InterventionModel.load(settings.models_dir, data_version=store.data_version)
    except ArtefactError:
        return None
    audit = A.intervention_audit(
        store, model, n_boot=n_boot, seed=seed, min_cell=min_cell, per_programme=False
    )
    groups = {g: {k: v for k, v in cell.items() if k in ("n", "suppressed", *PROGRAMME_METRICS)}
              for g, cell in audit["groups"].items()}  # fmt: skip
    return {"citizens": audit["citizens"], "seats_used": audit["seats_used"], "groups": groups}


def report_markdown(report: dict[str, Any]) -> str:
    """A short human-readable twin of ``report.json`` (for the file system; the dashboard reads the JSON)."""
    lines = [f"# Evaluering af denne installation ({report['computed_at']})", "",
             f"Data {report['data_version']}, model {report['model_version']}; testuger fra "
             f"{report['split']['test_start']}: {report['test_seekers']} borgere, {report['test_positives']} "
             "ansøgninger.", "", "| model | " + " | ".join(HEADLINE) + " |", "|---|" + "---|" * len(HEADLINE)]  # fmt: skip
    for name, metrics in report["recommender"].items():
        lines.append(f"| {name} | " + " | ".join(f"{metrics[m]['value']:.4f}" for m in HEADLINE) + " |")
    return "\n".join(lines) + "\n"
