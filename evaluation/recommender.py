"""Honest offline evaluation of the recommenders on a time-based split of the world's history.

- LightFM and popularity learn from events before ``train_end`` (the hybrid's LightFM too); the hybrid's
  two logistic models learn from the following period; every model is tested on applications after
  ``valid_end``. Baselines that can use more history (popularity, LightFM) get train + valid.
- Each test citizen's candidates are the vacancies live during the test period in the citizen's area, so
  models rank what a consultant could actually propose.
- The oracle ranks by the generator's true utility; every model is also reported as a share of it.
"""

from __future__ import annotations

import json
import time
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np
import polars as pl

from data import columns as C
from data.interactions import Split, time_split
from data.store import Store
from embeddings.base import Encoder
from embeddings.cache import encode_cached
from embeddings.texts import seeker_texts, vacancy_texts
from evaluation.ground_truth import GroundTruth
from evaluation.metrics import evaluate
from recommender.base import Recommender
from recommender.baselines import EmbeddingRecommender, PopularityRecommender, SkillOverlapRecommender
from recommender.context import RecContext
from recommender.exposure import spread_exposure
from recommender.hybrid import HybridRecommender
from recommender.lightfm_model import LightFMRecommender

K_MAX = 50
KOBENHAVN_POSTCODES = 5000  # postcodes below this are the Copenhagen area


def _area(postcodes: np.ndarray) -> np.ndarray:
    return np.where(postcodes < KOBENHAVN_POSTCODES, "kbh", "odense")


def live_candidates(ctx: RecContext, start: Any, end: Any) -> dict[str, np.ndarray]:
    """Vacancy rows live at some point in [start, end), per area."""
    posted, deadline = ctx.vacancy_array("posted"), ctx.vacancy_array("deadline")
    live = (posted < np.datetime64(end.date())) & (deadline >= np.datetime64(start.date()))
    area = _area(ctx.vacancy_array("postcode"))
    return {a: np.flatnonzero(live & (area == a)) for a in ("kbh", "odense")}


def attach_vectors(ctx: RecContext, store: Store, encoder: Encoder) -> None:
    """Text vectors for every seeker and vacancy (from the embedding cache where present)."""
    taxonomy = store.load_taxonomy(store.meta("taxonomy") or "builtin")
    ctx.seeker_vectors, _ = encode_cached(store, encoder, seeker_texts(ctx.seekers_frame, taxonomy))
    ctx.vacancy_vectors, _ = encode_cached(store, encoder, vacancy_texts(ctx.vacancies_frame, taxonomy))


def _recs_for(model_scores: dict[str, np.ndarray], users: dict[str, np.ndarray], items: dict[str, np.ndarray],
              ctx: RecContext, k: int) -> pl.DataFrame:  # fmt: skip
    frames = []
    for area, scores in model_scores.items():
        top = np.argsort(-scores, axis=1, kind="stable")[:, :k]
        frames.append(_frame(ctx, users[area], items[area], top, np.take_along_axis(scores, top, axis=1)))
    return pl.concat(frames)


def _frame(
    ctx: RecContext, users: np.ndarray, items: np.ndarray, top: np.ndarray, scores: np.ndarray
) -> pl.DataFrame:
    kk = top.shape[1]
    return pl.DataFrame(
        {
            C.SEEKER_ID: np.repeat(ctx.seekers.external(users), kk),
            C.VACANCY_ID: ctx.vacancies.external(items[top].ravel()),
            "rank": np.tile(np.arange(1, kk + 1), len(users)),
            "score": scores.ravel().astype(np.float64),
        }
    )


def run_recommender_evaluation(
    store: Store, encoder: Encoder, out_dir: Path | None = None, *, seed: int = 0, split: Split | None = None,
    progress: bool = True,
) -> dict[str, Any]:  # fmt: skip
    """Train every model, evaluate on the test period, write metrics.json + report.md + plots."""
    t0 = time.perf_counter()
    say = print if progress else (lambda *_a, **_k: None)
    ctx = RecContext.from_store(store)
    say("encoding texts (cached)")
    attach_vectors(ctx, store, encoder)
    events = store.table("interactions")
    cut = time_split(events, split)
    split, train_pos, history_pos, truth = cut.split, cut.train, cut.history, cut.truth
    last_event = events["ts"].max()
    assert isinstance(last_event, datetime)
    cands = live_candidates(ctx, split.valid_end, last_event + timedelta(days=1))
    valid_cands = live_candidates(ctx, split.train_end, split.valid_end)
    seeker_area = _area(ctx.seeker_array("postcode"))

    say("fitting models")
    hybrid_lfm = LightFMRecommender(seed=seed).fit(ctx, train_pos)
    per_user_valid = {
        sid: valid_cands[a] for sid, a in zip(ctx.seekers.ids.tolist(), seeker_area, strict=True)
    }
    models: dict[str, Recommender] = {
        "popularity": PopularityRecommender().fit(ctx, history_pos),
        "skill_overlap": SkillOverlapRecommender().fit(ctx, history_pos),
        "embedding": EmbeddingRecommender().fit(ctx, history_pos),
        "lightfm_nofeatures": LightFMRecommender(use_features=False, seed=seed).fit(ctx, history_pos),
        "lightfm": LightFMRecommender(seed=seed).fit(ctx, history_pos),
        "hybrid": HybridRecommender(hybrid_lfm, seed=seed).fit(
            ctx, train_pos, cut.ranker_events, per_user_valid
        ),
    }
    truth = truth.filter(pl.col(C.SEEKER_ID).is_in(ctx.seekers.ids.tolist()))
    test_users = ctx.seekers.rows(truth[C.SEEKER_ID].unique().sort().to_list())
    users = {a: test_users[seeker_area[test_users] == a] for a in ("kbh", "odense")}
    gt = GroundTruth(store, ctx)
    test_window = (np.datetime64(split.valid_end, "D"), np.datetime64(last_event, "D"))
    n_candidates = int(sum(len(v) for v in cands.values()))
    results: dict[str, Any] = {}
    scores_by_model: dict[str, dict[str, np.ndarray]] = {}
    for name, model in [*models.items(), ("oracle", None)]:
        say(f"scoring {name}")
        scores = {
            a: (
                gt.expected_gain(users[a], cands[a], test_window)
                if model is None
                else model.score_matrix(ctx, users[a], cands[a])
            )
            for a in users
        }
        scores_by_model[name] = scores
        recs = _recs_for(scores, users, cands, ctx, K_MAX)
        results[name] = evaluate(recs, truth, (10, 50), catalogue_size=n_candidates, seed=seed)
    oracle_ndcg = results["oracle"]["ndcg@10"]["value"]
    for name in results:
        results[name]["share_of_oracle_ndcg@10"] = {
            "value": results[name]["ndcg@10"]["value"] / oracle_ndcg if oracle_ndcg else float("nan"),
            "ci": [c / oracle_ndcg if oracle_ndcg else float("nan") for c in results[name]["ndcg@10"]["ci"]],
        }
    say("exposure re-ranking sweep")
    exposure = _exposure_sweep(ctx, scores_by_model["hybrid"], users, cands, truth, n_candidates, seed)
    hybrid = models["hybrid"]
    assert isinstance(hybrid, HybridRecommender)
    report = {
        "split": {"train_end": str(split.train_end), "valid_end": str(split.valid_end),
                  "test_seekers": len(test_users), "candidates": n_candidates,
                  "train_positives": train_pos.height, "test_positives": truth.height},
        "metrics": results,
        "exposure": exposure,
        "hybrid_weights": hybrid.weights(),
        "seconds": round(time.perf_counter() - t0, 1),
        "encoder": encoder.model_id,
    }  # fmt: skip
    if out_dir is not None:
        write_report(report, out_dir)
    return report


def _exposure_sweep(
    ctx: RecContext, scores: dict[str, np.ndarray], users: dict[str, np.ndarray], items: dict[str, np.ndarray],
    truth: pl.DataFrame, n_candidates: int, seed: int,
) -> list[dict[str, float]]:  # fmt: skip
    """NDCG@10 against concentration for several congestion strengths. Concentration is measured per
    open position (a vacancy with five positions should see five times the candidates) and as the share
    of all top-10 exposure that the most exposed 1% of vacancies receive."""
    positions = ctx.vacancy_array("positions").astype(float)
    discount = 1.0 / np.log2(np.arange(2, 12))
    out = []
    for strength in (0.0, 0.25, 0.5, 1.0, 2.0):
        frames, per_position, exposure_all = [], [], []
        for a in users:
            top = spread_exposure(
                scores[a], K_MAX, strength=strength, positions=positions[items[a]], seed=seed
            )
            frames.append(_frame(ctx, users[a], items[a], top, np.take_along_axis(scores[a], top, axis=1)))
            exposure = np.zeros(len(items[a]))
            np.add.at(exposure, top[:, :10].ravel(), np.tile(discount, len(top)))
            exposure_all.append(exposure)
            per_position.append(exposure / positions[items[a]])
        m = evaluate(pl.concat(frames), truth, (10,), catalogue_size=n_candidates, seed=seed)
        expo = np.concatenate(exposure_all)
        top_share = np.sort(expo)[::-1][: max(1, len(expo) // 100)].sum() / max(expo.sum(), 1e-12)
        out.append({"strength": strength, "ndcg@10": m["ndcg@10"]["value"], "gini@10": m["gini@10"]["value"],
                    "gini_per_position@10": _gini(np.concatenate(per_position)),
                    "top1pct_exposure_share@10": float(top_share), "coverage@10": m["coverage@10"]["value"]})  # fmt: skip
    return out


def _gini(values: np.ndarray) -> float:
    x = np.sort(np.asarray(values, dtype=float))
    n = len(x)
    return float((2 * np.arange(1, n + 1) - n - 1) @ x / (n * x.sum())) if n and x.sum() > 0 else 0.0


def write_report(report: dict[str, Any], out_dir: Path) -> None:
    """metrics.json (model -> metric -> {value, ci}, oracle included), report.md and PNG plots."""
    out_dir.mkdir(parents=True, exist_ok=True)
    (out_dir / "metrics.json").write_text(json.dumps(report["metrics"], indent=2), encoding="utf-8")
    (out_dir / "evaluation.json").write_text(json.dumps(report, indent=2, default=str), encoding="utf-8")
    metrics = report["metrics"]
    names = list(metrics)
    shown = ["ndcg@10", "recall@50", "precision@10", "map@10", "mrr@10", "coverage@10", "gini@10",
             "share_of_oracle_ndcg@10"]  # fmt: skip
    lines = ["# Recommender evaluation", "", f"Split: `{report['split']}`", "",
             "| model | " + " | ".join(shown) + " |", "|---|" + "---|" * len(shown)]  # fmt: skip
    for n in names:
        cells = [
            f"{metrics[n][m]['value']:.4f} [{metrics[n][m]['ci'][0]:.4f}, {metrics[n][m]['ci'][1]:.4f}]"
            for m in shown
        ]
        lines.append(f"| {n} | " + " | ".join(cells) + " |")
    lines += [
        "",
        "## Exposure re-ranking (hybrid)",
        "",
        "| strength | ndcg@10 | gini@10 | gini per position@10 | top-1% share@10 | coverage@10 |",
        "|---|---|---|---|---|---|",
    ]
    lines += [
        f"| {e['strength']} | {e['ndcg@10']:.4f} | {e['gini@10']:.4f} | {e['gini_per_position@10']:.4f} | "
        f"{e['top1pct_exposure_share@10']:.4f} | {e['coverage@10']:.4f} |"
        for e in report["exposure"]
    ]
    lines += ["", "## Learned hybrid weights (standardised)", "", "```", json.dumps(report["hybrid_weights"], indent=2), "```",
              "", "![metrics](metrics.png)", "![exposure](exposure.png)"]  # fmt: skip
    (out_dir / "report.md").write_text("\n".join(lines) + "\n", encoding="utf-8")

    fig, axes = plt.subplots(1, 2, figsize=(11, 4))
    for ax, metric in zip(axes, ("ndcg@10", "recall@50"), strict=True):
        vals = [metrics[n][metric]["value"] for n in names]
        err = np.array(
            [
                [v - metrics[n][metric]["ci"][0], metrics[n][metric]["ci"][1] - v]
                for n, v in zip(names, vals, strict=True)
            ]
        ).T
        ax.bar(names, vals, yerr=err, capsize=3, color=["#888"] * (len(names) - 2) + ["#1f77b4", "#2ca02c"])
        ax.set_title(f"{metric} (95% CI)")
        ax.tick_params(axis="x", rotation=45)
    fig.tight_layout()
    fig.savefig(out_dir / "metrics.png", dpi=110)
    plt.close(fig)
    fig, ax = plt.subplots(figsize=(5, 4))
    ex = report["exposure"]
    ax.plot([e["gini_per_position@10"] for e in ex], [e["ndcg@10"] for e in ex], marker="o")
    for e in ex:
        ax.annotate(f"λ={e['strength']}", (e["gini_per_position@10"], e["ndcg@10"]))
    ax.set_xlabel("Gini of exposure per open position (lower = more spread)")
    ax.set_ylabel("NDCG@10")
    ax.set_title("Congestion re-ranking trade-off")
    fig.tight_layout()
    fig.savefig(out_dir / "exposure.png", dpi=110)
    plt.close(fig)
