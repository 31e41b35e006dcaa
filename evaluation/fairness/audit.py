"""The fairness audits, read from the store: historical hires, the hybrid's candidate shortlists (with and
without fair re-ranking) and the intervention allocation. Group labels come from ``seeker_protected``
through :func:`recommender.fair_rerank.protected_groups`; nothing here feeds back into a model.

Shortlists are audited where candidates' groups matter: employers' candidate lists for vacancies, on the
recommender's time split (``evaluation/recommender.py``): the hybrid learns from the history before the
test period; each vacancy with applications in the test period gets its *qualified pool* (the citizens
who pass matching's hard filters for the employer view: within their own commute limit, hours within
10, consent to be shown; then the 500 most similar by text embedding, as the service retrieves them),
ranked by the reciprocal score. NDCG@10 is measured against the test period's applications (applied 1,
interview 2, hired 3), the same gains as the recommender evaluation.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import numpy as np
import polars as pl

from core.stats import bootstrap_sums, mean_ci, percentile_ci
from data import columns as C
from data.geography import haversine_km
from data.interactions import Split, pair_outcomes, time_split
from data.store import Store
from data.synthetic.world_model import sigmoid
from embeddings.base import Encoder
from evaluation.fairness import metrics as M
from evaluation.ground_truth import GroundTruth
from evaluation.metrics import evaluate
from evaluation.recommender import attach_vectors, test_context
from matching.retrieval import HOURS_TOLERANCE
from recommender.context import RecContext
from recommender.fair_rerank import (
    DEFAULT_RERANK_ATTRIBUTES,
    GROUP_ATTRIBUTES,
    RERANK_DEFAULTS,
    combine_labels,
    fair_rerank,
    protected_groups,
    rerank_seed,
)
from recommender.hybrid import HybridRecommender
from recommender.lightfm_model import LightFMRecommender
from recommender.signals import content_signals

Progress = Callable[[str], None]
POOL_SIZE = 500  # RecommendationService.for_vacancy's candidates_k
K = 10
# Groups the generator's callbacks disadvantage (data/synthetic/world_model.py MatchParams): the audit must find them.
KNOWN_BIASED = {"origin_group": "ikke-vestlig", "age_band": "55+", "disability": "ja"}
REFERENCE = {"gender": "mand", "age_band": "30-54", "origin_group": "dansk", "disability": "nej"}


def groupings(attributes: Sequence[str] = GROUP_ATTRIBUTES) -> list[tuple[str, ...]]:
    """Each attribute alone, then every pair (the intersections reported)."""
    singles: list[tuple[str, ...]] = [(a,) for a in attributes]
    pairs: list[tuple[str, ...]] = [(a, b) for i, a in enumerate(attributes) for b in attributes[i + 1 :]]
    return singles + pairs


def grouping_name(attrs: Sequence[str]) -> str:
    return "×".join(attrs)


def _reference(attrs: Sequence[str]) -> str:
    return "|".join(f"{a}={REFERENCE[a]}" for a in attrs)


# --- historical hires -----------------------------------------------------------------------------------


def application_outcomes(store: Store) -> pl.DataFrame:
    """One row per application (seeker, vacancy): ``interview`` and ``hired`` flags, with group labels."""
    pairs = pair_outcomes(store.table("interactions"))
    return pairs.join(protected_groups(store), on=C.SEEKER_ID, how="left")


def historical_audit(
    store: Store, *, n_boot: int = M.N_BOOT, seed: int = 0, min_cell: int = M.MIN_CELL
) -> dict[str, Any]:
    """Selection rates of interview and of hire given an application, per group, resampled by citizen."""
    apps = application_outcomes(store)
    clusters = apps[C.SEEKER_ID].to_numpy()
    out: dict[str, Any] = {"applications": apps.height, "by": {}}
    for attrs in groupings():
        labels = combine_labels(apps, attrs)
        per: dict[str, pl.DataFrame] = {}
        for outcome in ("interview", "hired"):
            per[outcome] = M.selection_rates(
                apps[outcome].to_numpy(), labels, reference=_reference(attrs), clusters=clusters,
                n_boot=n_boot, seed=seed, min_cell=min_cell,
            )  # fmt: skip
        out["by"][grouping_name(attrs)] = per
    out["bias_detected"] = detect_bias(out["by"])
    out["historical_bias_detected"] = any(v["detected"] for v in out["bias_detected"].values())
    return out


def detect_bias(by: dict[str, dict[str, pl.DataFrame]], outcome: str = "interview") -> dict[str, Any]:
    """For each known-biased group: its interview-rate ratio to the reference with CI; detected when the
    interval lies wholly below 1."""
    out = {}
    for attr, value in KNOWN_BIASED.items():
        frame = by[attr][outcome].filter(pl.col("group") == f"{attr}={value}")
        if frame.height == 0 or frame["suppressed"][0]:
            out[f"{attr}={value}"] = {"ratio": None, "ci": [None, None], "detected": False}
            continue
        row = frame.row(0, named=True)
        out[f"{attr}={value}"] = {"ratio": row["ratio"], "ci": [row["ratio_lo"], row["ratio_hi"]],
                                  "detected": bool(row["ratio_hi"] < 1.0)}  # fmt: skip
    return out


# --- shortlists -----------------------------------------------------------------------------------------


@dataclass
class Shortlists:
    """Per test vacancy: the qualified pool (seeker rows), the hybrid's scores and the true merit."""

    ctx: RecContext
    split: Split
    vacancies: np.ndarray  # vacancy rows
    pools: list[np.ndarray]  # seeker rows per vacancy
    scores: list[np.ndarray]  # reciprocal score per pool member
    p_employer: list[np.ndarray]
    merit: list[np.ndarray]  # true expected gain if shown (ground truth, merit only: no injected bias)
    truth: pl.DataFrame  # seeker_id (= the vacancy, the query), vacancy_id (= the candidate), gain
    applications: pl.DataFrame  # test-period applications: vacancy, seeker, interview flag, p_employer
    groups: pl.DataFrame  # seeker_id + group labels of every seeker
    seconds: dict[str, float] = field(default_factory=dict)


def qualified_pool(ctx: RecContext, item: int, allowed: np.ndarray, pool_size: int = POOL_SIZE) -> np.ndarray:
    """Seeker rows passing the employer view's hard filters, the ``pool_size`` most similar by text."""
    v_lat, v_lon = ctx.vacancy_array("lat")[item], ctx.vacancy_array("lon")[item]
    dist = haversine_km(
        np.float64(v_lat), np.float64(v_lon), ctx.seeker_array("lat"), ctx.seeker_array("lon")
    )
    ok = allowed & (dist <= ctx.seeker_array("max_commute_km"))
    ok &= np.abs(ctx.seeker_array("hours_wanted") - int(ctx.vacancy_array("hours")[item])) <= HOURS_TOLERANCE
    rows = np.flatnonzero(ok)
    if ctx.seeker_vectors is None or ctx.vacancy_vectors is None or len(rows) <= pool_size:
        return rows
    sim = ctx.seeker_vectors[rows] @ ctx.vacancy_vectors[item]
    return np.sort(rows[np.argsort(-sim, kind="stable")[:pool_size]])


def build_shortlists(
    store: Store, encoder: Encoder, *, seed: int = 0, split: Split | None = None,
    progress: Progress | None = None, max_vacancies: int | None = None,
) -> Shortlists:  # fmt: skip
    """Fit the hybrid on the time split and score each test vacancy's qualified pool."""
    say = progress or (lambda _m: None)
    t0 = time.perf_counter()
    ctx = RecContext.from_store(store)
    say("encoding texts (cached)")
    attach_vectors(ctx, store, encoder)
    events = store.table("interactions")
    cut = time_split(events, split)
    split = cut.split
    say("fitting the hybrid on the training period")
    model = HybridRecommender(LightFMRecommender(seed=seed), seed=seed).fit(ctx, cut.train, cut.ranker_events)
    t_fit = time.perf_counter() - t0
    last = events["ts"].max()
    assert isinstance(last, datetime)
    ctx = test_context(ctx, split.valid_end, last)  # shortlists are made as of the test's first day
    truth = cut.truth.filter(
        pl.col(C.SEEKER_ID).is_in(ctx.seekers.ids.tolist()) & pl.col(C.VACANCY_ID).is_in(ctx.vacancies.ids.tolist())
    )  # fmt: skip
    vacancy_ids = truth[C.VACANCY_ID].unique().sort().to_list()
    if max_vacancies is not None:
        vacancy_ids = vacancy_ids[:max_vacancies]
    items = ctx.vacancies.rows(vacancy_ids)
    consent = ctx.seeker_array("consent_employer_view").astype(bool)
    gt = GroundTruth(store, ctx)
    pools, scores, p_emp, merit = [], [], [], []
    say(f"scoring {len(items)} vacancies' qualified pools")
    for item in items.tolist():
        pool = qualified_pool(ctx, item, consent)
        one = np.array([item])
        parts = model.parts(ctx, pool, one)
        pools.append(pool)
        scores.append(parts["reciprocal"][:, 0].astype(np.float64))
        p_emp.append(parts["p_employer"][:, 0].astype(np.float64))
        merit.append(_true_merit(gt, ctx, pool, one)[:, 0])
    t_score = time.perf_counter() - t0 - t_fit
    # The query is the vacancy: evaluation.metrics ranks "vacancy_id" items for "seeker_id" users.
    truth_q = truth.filter(pl.col(C.VACANCY_ID).is_in(vacancy_ids)).select(
        pl.col(C.VACANCY_ID).alias(C.SEEKER_ID), pl.col(C.SEEKER_ID).alias(C.VACANCY_ID), "gain"
    )
    apps = _test_applications(events, split, ctx, model)
    return Shortlists(
        ctx=ctx, split=split, vacancies=items, pools=pools, scores=scores, p_employer=p_emp, merit=merit,
        truth=truth_q, applications=apps, groups=protected_groups(store),
        seconds={"fit": round(t_fit, 1), "score": round(t_score, 1)},
    )  # fmt: skip


def _true_merit(gt: GroundTruth, ctx: RecContext, users: np.ndarray, items: np.ndarray) -> np.ndarray:
    """E[gain] of a shown pair under the generator, callbacks on merit only (the injected bias left out):
    P(apply) x (1 + P(callback | merit) x (1 + P(hire)))."""
    p = gt.params
    signals = content_signals(ctx, users, items)
    u = gt.utility(users, items)
    experience = ctx.seeker_array("experience_years")[users].astype(float)[:, None]
    p_apply = sigmoid(p.apply_bias + u)
    p_callback = sigmoid(
        p.callback_bias + p.callback_cov * signals["essential_coverage"]
        - p.callback_edu * signals["education_shortfall"] + p.callback_exp * np.log1p(experience)
    )  # fmt: skip
    p_hire = sigmoid(p.hire_bias + p.hire_util * u)
    return np.asarray(p_apply * (1 + p_callback * (1 + p_hire)), dtype=np.float64)


def _test_applications(
    events: pl.DataFrame, split: Split, ctx: RecContext, model: HybridRecommender
) -> pl.DataFrame:
    """Applications in the test period with the employer-side prediction and whether an interview followed."""
    pairs = pair_outcomes(events.filter(pl.col("ts") >= split.valid_end))
    u = ctx.seekers.rows(pairs[C.SEEKER_ID].to_list(), missing=-1)
    i = ctx.vacancies.rows(pairs[C.VACANCY_ID].to_list(), missing=-1)
    keep = (u >= 0) & (i >= 0)
    pairs = pairs.filter(pl.Series(keep))
    u, i = u[keep], i[keep]
    pred = np.zeros(len(u))
    for item in np.unique(i):
        m = i == item
        pred[m] = model.parts(ctx, u[m], np.array([item]))["p_employer"][:, 0]
    return pairs.with_columns(pl.Series("p_employer", pred))


def _labels(sl: Shortlists, attributes: Sequence[str]) -> list[str]:
    """Group label per seeker row of the context."""
    aligned = pl.DataFrame({C.SEEKER_ID: sl.ctx.seekers.ids.tolist()}).join(
        sl.groups, on=C.SEEKER_ID, how="left", maintain_order="left"
    )
    return combine_labels(aligned, attributes)


def ranked_frame(sl: Shortlists, orders: list[np.ndarray], k: int = 50) -> pl.DataFrame:
    """Tidy recommendations (query = vacancy as ``seeker_id``, candidate as ``vacancy_id``) for the metrics."""
    q, c, r = [], [], []
    for item, pool, order in zip(sl.vacancies.tolist(), sl.pools, orders, strict=True):
        top = pool[order[:k]]
        q += [sl.ctx.vacancies.ids[item]] * len(top)
        c += sl.ctx.seekers.external(top).tolist()
        r += list(range(1, len(top) + 1))
    return pl.DataFrame({C.SEEKER_ID: q, C.VACANCY_ID: c, "rank": r}, schema_overrides={"rank": pl.Int64})


def ndcg(
    sl: Shortlists, orders: list[np.ndarray], *, seed: int = 0, n_boot: int = M.N_BOOT
) -> dict[str, Any]:
    recs = ranked_frame(sl, orders)
    return evaluate(recs, sl.truth, (K,), catalogue_size=len(sl.ctx.seekers), seed=seed, n_boot=n_boot)


def skew_tables(
    sl: Shortlists, orders: list[np.ndarray], attrs: Sequence[str], *, k: int = K,
    population: dict[str, float] | None = None, n_boot: int = M.N_BOOT, seed: int = 0,
    min_cell: int = M.MIN_CELL,
) -> dict[str, Any]:  # fmt: skip
    """Pooled skew@k against the qualified pools and against the population, and mean NDKL."""
    labels = np.array(_labels(sl, attrs), dtype=object)
    names = sorted(set(labels.tolist()))
    index = {g: j for j, g in enumerate(names)}
    codes = np.array([index[x] for x in labels.tolist()])
    qn = len(sl.pools)
    top = np.zeros((qn, len(names)))
    pool_n = np.zeros((qn, len(names)))
    lengths = np.zeros(qn)
    nd_pool, nd_pop = np.zeros(qn), np.zeros(qn)
    if population is None:
        population = {g: float(np.mean(labels == g)) for g in names}
    pop = np.array([population.get(g, 0.0) for g in names])
    for j, (pool, order) in enumerate(zip(sl.pools, orders, strict=True)):
        pc = codes[pool]
        pool_n[j] = np.bincount(pc, minlength=len(names))
        head = pc[order[:k]]
        top[j] = np.bincount(head, minlength=len(names))
        lengths[j] = len(head)
        ref_pool = {g: pool_n[j, i] / max(len(pool), 1) for i, g in enumerate(names)}
        ranked = [names[c] for c in head.tolist()]
        nd_pool[j] = M.ndkl(ranked, ref_pool, k)
        nd_pop[j] = M.ndkl(ranked, population, k)
    ref = pool_n / np.maximum(pool_n.sum(axis=1, keepdims=True), 1)
    opts = {"n_boot": n_boot, "seed": seed, "min_cell": min_cell}
    vs_pool = M.pooled_skew(top, lengths, ref, names, pool_sizes=pool_n, **opts)
    vs_pop = M.pooled_skew(
        top, lengths, np.repeat(pop[None, :], qn, axis=0), names, pool_sizes=pool_n, **opts
    )
    return {"pool": vs_pool, "population": vs_pop,
            "ndkl_pool": _mean_ci(nd_pool, n_boot, seed), "ndkl_population": _mean_ci(nd_pop, n_boot, seed)}  # fmt: skip


def _mean_ci(x: np.ndarray, n_boot: int, seed: int, alpha: float = 0.05) -> dict[str, Any]:
    x = x[np.isfinite(x)]
    if len(x) == 0:
        return {"value": None, "ci": [None, None]}
    lo, hi = mean_ci(x, n_boot=n_boot, alpha=alpha, seed=seed)
    return {"value": float(x.mean()), "ci": [lo, hi]}


# --- the shortlist audit --------------------------------------------------------------------------------

# The re-ranking the report audits (and the service applies when asked): chosen on this world's measured
# skew, which is largest by age band (the employer-side model weighs experience); DetConstSort's minimums
# with systematic rounding at k so that small groups get their expected share over many lists.
AUDITED_RERANKINGS: dict[str, dict[str, Any]] = {
    "off": {},
    "detconstsort": dict(RERANK_DEFAULTS["detconstsort"]),
    "fair": dict(RERANK_DEFAULTS["fair"]),
}
# Further variants measured for the trade-off table (not the audited default).
VARIANTS: dict[str, tuple[str, dict[str, Any]]] = {
    "detconstsort, floor (paper), age band": ("detconstsort", {"attributes": ("age_band",), "rounding": "floor"}),
    "detconstsort, systematic, origin": ("detconstsort", {"attributes": ("origin_group",), "rounding": "systematic"}),
    "detconstsort, systematic, origin × age band": (
        "detconstsort", {"attributes": ("origin_group", "age_band"), "rounding": "systematic"}),
}  # fmt: skip


def rerank_pools(sl: Shortlists, method: str, options: dict[str, Any], k: int = K) -> list[np.ndarray]:
    """Per vacancy: the permutation of its pool, seeded per vacancy as the service seeds it."""
    opts = dict(options)
    attrs = tuple(opts.pop("attributes", DEFAULT_RERANK_ATTRIBUTES))
    labels = np.array(_labels(sl, attrs), dtype=object)
    out = []
    for item, pool, s in zip(sl.vacancies.tolist(), sl.pools, sl.scores, strict=True):
        seed = rerank_seed(str(sl.ctx.vacancies.ids[item]))
        out.append(fair_rerank(s, labels[pool].tolist(), method, k=k, seed=seed, **opts))  # type: ignore[arg-type]
    return out


def _membership_rows(sl: Shortlists, orders: list[np.ndarray], k: int) -> dict[str, np.ndarray]:
    """One row per (vacancy, pool member): query index, seeker row, 1-based rank, in top k, merit."""
    q, rows, ranks, merit = [], [], [], []
    for j, (pool, order, m) in enumerate(zip(sl.pools, orders, sl.merit, strict=True)):
        r = np.empty(len(pool), dtype=np.int64)
        r[order] = np.arange(1, len(pool) + 1)
        q.append(np.full(len(pool), j))
        rows.append(pool)
        ranks.append(r)
        merit.append(m)
    rank = np.concatenate(ranks) if ranks else np.zeros(0, dtype=np.int64)
    return {"query": np.concatenate(q) if q else rank, "row": np.concatenate(rows) if rows else rank,
            "rank": rank, "top": rank <= k, "merit": np.concatenate(merit) if merit else rank.astype(float)}  # fmt: skip


def shortlist_metrics(
    sl: Shortlists, orders: list[np.ndarray], *, k: int = K, n_boot: int = M.N_BOOT, seed: int = 0,
    min_cell: int = M.MIN_CELL, population: dict[tuple[str, ...], dict[str, float]] | None = None,
) -> dict[str, Any]:  # fmt: skip
    """Every shortlist metric for one set of rankings: NDCG@k, and per group skew@k (pool, population),
    NDKL, shortlisting rate, exposure and exposure per merit, recall@k of hires and of applications."""
    opts = {"n_boot": n_boot, "seed": seed, "min_cell": min_cell}
    recs = ranked_frame(sl, orders)
    quality = evaluate(recs, sl.truth, (k,), catalogue_size=len(sl.ctx.seekers), seed=seed, n_boot=n_boot)
    rows = _membership_rows(sl, orders, k)
    seeker_ids = sl.ctx.seekers.ids
    truth = sl.truth.rename({C.SEEKER_ID: "q", C.VACANCY_ID: C.SEEKER_ID})
    member = pl.DataFrame({"q": sl.ctx.vacancies.ids[sl.vacancies[rows["query"]]] if len(rows["query"]) else [],
                           C.SEEKER_ID: seeker_ids[rows["row"]], "top": rows["top"]})  # fmt: skip
    positives_in_pool = member.join(truth, on=["q", C.SEEKER_ID], how="inner")
    groups: dict[str, dict[str, Any]] = {}
    ndkl: dict[str, Any] = {}
    for attrs in groupings():
        labels_all = np.array(_labels(sl, attrs), dtype=object)
        labels = labels_all[rows["row"]]
        ref = _reference(attrs)
        tables = skew_tables(sl, orders, attrs, k=k, population=(population or {}).get(attrs), **opts)
        _merge(groups, M.as_cells(tables["pool"].rename({"skew": f"skew@{k}_pool", "skew_lo": f"skew@{k}_pool_lo",
               "skew_hi": f"skew@{k}_pool_hi"}), [f"skew@{k}_pool"]))  # fmt: skip
        _merge(groups, M.as_cells(tables["population"].rename({"skew": f"skew@{k}_population",
               "skew_lo": f"skew@{k}_population_lo", "skew_hi": f"skew@{k}_population_hi"}), [f"skew@{k}_population"]))  # fmt: skip
        ndkl[grouping_name(attrs)] = {"pool": tables["ndkl_pool"], "population": tables["ndkl_population"]}
        sel = M.selection_rates(rows["top"], labels, reference=ref, clusters=rows["query"], **opts)
        _merge(groups, M.as_cells(_prefixed(sel, "shortlist_"), ["shortlist_rate", "shortlist_ratio"]))
        expo = M.exposure_by_group(rows["rank"], labels, k=k, merit=rows["merit"], queries=rows["query"],
                                   reference=ref, **opts)  # fmt: skip
        _merge(groups, M.as_cells(expo, ["exposure", "exposure_ratio", "merit", "exposure_per_merit",
                                         "exposure_per_merit_ratio"]))  # fmt: skip
        pos_labels = combine_labels(positives_in_pool.join(sl.groups, on=C.SEEKER_ID, how="left"), attrs)
        for name, mask in (
            ("hired", positives_in_pool["gain"] >= 3),
            ("applied", positives_in_pool["gain"] >= 1),
        ):
            m = mask.to_numpy()
            rec = M.recall_by_group(positives_in_pool["top"].to_numpy()[m], np.array(pos_labels, dtype=object)[m],
                                    reference=ref, **opts)  # fmt: skip
            _merge(groups, M.as_cells(_prefixed(rec, f"recall@{k}_{name}_", rate_name=""), [f"recall@{k}_{name}_"]), rename=f"recall@{k}_{name}")  # fmt: skip
    return {"ndcg@10": quality[f"ndcg@{k}"], "quality": quality, "groups": groups, "ndkl": ndkl,
            "positives_in_pools": positives_in_pool.height, "rank_shares": rank_shares(sl, rows, k)}  # fmt: skip


def rank_shares(sl: Shortlists, rows: dict[str, np.ndarray], k: int) -> dict[str, dict[str, list[float]]]:
    """Per single attribute and group: the share of rank r (1..k) the group holds over all lists, divided
    by its mean pool share (1 = represented at that rank as in the pool): the exposure curve."""
    out: dict[str, dict[str, list[float]]] = {}
    for attr in GROUP_ATTRIBUTES:
        labels = np.array(_labels(sl, (attr,)), dtype=object)[rows["row"]]
        per: dict[str, list[float]] = {}
        for g in sorted(set(labels.tolist())):
            member = labels == g
            pool_share = member.mean() if len(member) else 0.0
            curve = []
            for r in range(1, k + 1):
                at = rows["rank"] == r
                curve.append(
                    float(member[at].mean() / pool_share) if at.any() and pool_share > 0 else float("nan")
                )
            per[str(g)] = curve
        out[attr] = per
    return out


def _prefixed(frame: pl.DataFrame, prefix: str, rate_name: str = "rate") -> pl.DataFrame:
    """Rename a selection-rate frame's ``rate*``/``ratio*`` columns with a prefix."""
    mapping = {}
    for c in frame.columns:
        if c.startswith("rate"):
            mapping[c] = prefix + rate_name + c[len("rate") :]
        elif c.startswith("ratio"):
            mapping[c] = prefix + "ratio" + c[len("ratio") :]
    return frame.rename(mapping)


def _merge(
    into: dict[str, dict[str, Any]], cells: dict[str, dict[str, Any]], rename: str | None = None
) -> None:
    for group, cell in cells.items():
        target = into.setdefault(group, {})
        for key, value in cell.items():
            if key in ("n", "suppressed"):
                target.setdefault(key, value)
                continue
            target[rename if rename and key.endswith("_") else key] = value


def ndcg_loss(sl: Shortlists, before: list[np.ndarray], after: list[np.ndarray], *, k: int = K,
              n_boot: int = M.N_BOOT, seed: int = 0) -> dict[str, Any]:  # fmt: skip
    """Relative NDCG@k loss of re-ranking, ``1 - after / before``, with a paired bootstrap over vacancies."""
    from evaluation.metrics import ndcg_at_k

    b = ndcg_at_k(ranked_frame(sl, before), sl.truth, k)[f"ndcg@{k}"].to_numpy()
    a = ndcg_at_k(ranked_frame(sl, after), sl.truth, k)[f"ndcg@{k}"].to_numpy()
    # paired over vacancies: 1 - mean(a) / mean(b) is 1 - sum(a) / sum(b) in every replicate
    sums = bootstrap_sums(np.column_stack([a, b]), n_boot, seed)
    with np.errstate(divide="ignore", invalid="ignore"):
        boot = 1 - sums[:, 0] / sums[:, 1]
    value = 1 - a.mean() / b.mean() if b.mean() > 0 else float("nan")
    lo, hi = percentile_ci(boot, 0.05, skip_nan=True)
    return {"value": float(value), "ci": [float(lo), float(hi)]}


def population_shares(groups: pl.DataFrame) -> dict[tuple[str, ...], dict[str, float]]:
    """Each grouping's shares among all citizens in the store (the population reference)."""
    out = {}
    for attrs in groupings():
        labels = combine_labels(groups, attrs)
        uniq, counts = np.unique(np.array(labels, dtype=object), return_counts=True)
        out[attrs] = {str(g): float(c / len(labels)) for g, c in zip(uniq, counts, strict=True)}
    return out


def shortlist_audit(
    sl: Shortlists, *, k: int = K, n_boot: int = M.N_BOOT, seed: int = 0, min_cell: int = M.MIN_CELL,
    progress: Progress | None = None, variants: bool = True,
) -> dict[str, Any]:  # fmt: skip
    """The shortlists without and with each audited re-ranking, the calibration of the employer-side
    prediction per group, and the re-ranking trade-off (NDCG@k before and after, skew@k)."""
    say = progress or (lambda _m: None)
    population = population_shares(sl.groups)
    opts = {"n_boot": n_boot, "seed": seed, "min_cell": min_cell}
    orders = {}
    out: dict[str, Any] = {"methods": {}}
    for method, options in AUDITED_RERANKINGS.items():
        say(f"shortlists: {method}")
        t0 = time.perf_counter()
        orders[method] = rerank_pools(sl, method, options, k)
        seconds = time.perf_counter() - t0
        out["methods"][method] = shortlist_metrics(sl, orders[method], k=k, population=population, **opts)
        out["methods"][method]["options"] = _jsonable(options)
        out["methods"][method]["rerank_seconds"] = round(seconds, 2)
    say("calibration per group")
    out["calibration"] = calibration_audit(sl, **opts)
    trade = {}
    chosen = "detconstsort"
    for method in ("detconstsort", "fair"):
        trade[method] = _trade_off(sl, orders["off"], orders[method], out["methods"], method, k, n_boot, seed)
    if variants:
        say("re-ranking variants")
        for name, (method, options) in VARIANTS.items():
            o = rerank_pools(sl, method, options, k)
            m = {"variant": shortlist_metrics(sl, o, k=k, population=population, **{**opts, "n_boot": 200})}
            trade[name] = _trade_off(
                sl, orders["off"], o, {"off": out["methods"]["off"], **m}, "variant", k, 200, seed
            )
            trade[name]["options"] = {"method": method, **_jsonable(options)}
    out["trade_off"] = trade
    best = trade[chosen]
    out["reranking"] = {
        "method": chosen, "options": _jsonable(AUDITED_RERANKINGS[chosen]), "k": k,
        "target": "each vacancy's qualified pool (citizens passing the employer view's hard filters)",
        "ndcg@10_before": out["methods"]["off"]["ndcg@10"]["value"],
        "ndcg@10_before_ci": out["methods"]["off"]["ndcg@10"]["ci"],
        "ndcg@10_after": out["methods"][chosen]["ndcg@10"]["value"],
        "ndcg@10_after_ci": out["methods"][chosen]["ndcg@10"]["ci"],
        "ndcg@10_loss": best["ndcg@10_loss"],
        "max_abs_skew@10_before": best["max_abs_skew_before"], "max_abs_skew@10_after": best["max_abs_skew_after"],
        "skew_target": 0.1, "ndcg_loss_target": 0.03,
        "target_met": bool(best["max_abs_skew_after"] is not None and best["max_abs_skew_after"] <= 0.1
                           and best["ndcg@10_loss"]["value"] < 0.03),
        "vacancies": len(sl.pools), "mean_pool_size": float(np.mean([len(p) for p in sl.pools])) if sl.pools else 0.0,
    }  # fmt: skip
    return out


def _trade_off(
    sl: Shortlists, before: list[np.ndarray], after: list[np.ndarray], methods: dict[str, Any], method: str,
    k: int, n_boot: int, seed: int,
) -> dict[str, Any]:  # fmt: skip
    """NDCG loss and the largest |skew@k| against the pool over the single attributes, before and after."""

    def worst(result: dict[str, Any]) -> float | None:
        vals = [
            abs(cell[f"skew@{k}_pool"]["value"])
            for g, cell in result["groups"].items()
            if "|" not in g
            and not cell["suppressed"]
            and cell.get(f"skew@{k}_pool", {}).get("value") is not None
        ]
        return max(vals) if vals else None

    return {
        "ndcg@10_before": methods["off"]["ndcg@10"]["value"],
        "ndcg@10_after": methods[method]["ndcg@10"]["value"],
        "ndcg@10_loss": ndcg_loss(sl, before, after, k=k, n_boot=n_boot, seed=seed),
        "max_abs_skew_before": worst(methods["off"]),
        "max_abs_skew_after": worst(methods[method]),
        "max_abs_skew_intersections_after": _worst_pairs(methods[method], k),
    }


def _worst_pairs(result: dict[str, Any], k: int) -> float | None:
    vals = [
        abs(cell[f"skew@{k}_pool"]["value"])
        for g, cell in result["groups"].items()
        if "|" in g and not cell["suppressed"] and cell.get(f"skew@{k}_pool", {}).get("value") is not None
    ]
    return max(vals) if vals else None


def calibration_audit(
    sl: Shortlists, *, n_boot: int = M.N_BOOT, seed: int = 0, min_cell: int = M.MIN_CELL
) -> dict[str, Any]:
    """P(employer moves the applicant on) against observed interviews in the test period, per group."""
    apps = sl.applications.join(sl.groups, on=C.SEEKER_ID, how="left")
    out: dict[str, dict[str, Any]] = {}
    for attrs in groupings():
        frame = M.calibration_by_group(
            apps["p_employer"].to_numpy(), apps["interview"].cast(pl.Float64).to_numpy(), combine_labels(apps, attrs),
            clusters=apps[C.SEEKER_ID].to_numpy(), reference=_reference(attrs), n_boot=n_boot, seed=seed,
            min_cell=min_cell,
        )  # fmt: skip
        cells = M.as_cells(frame, ["predicted", "observed", "observed_over_predicted"])
        for row in frame.iter_rows(named=True):
            cells[row["group"]]["ece"] = {"value": M._num(row["ece"]), "ci": [None, None]}
        _merge(out, cells)
    return {"applications": apps.height, "groups": out}


# --- interventions --------------------------------------------------------------------------------------


def intervention_audit(
    store: Store, model: Any, *, n_boot: int = M.N_BOOT, seed: int = 0, min_cell: int = M.MIN_CELL,
    periods: float = 1.0, per_programme: bool = True,
) -> dict[str, Any]:  # fmt: skip
    """Today's caseload allocated to programmes by the capacity LP on the model's estimated effects (one
    quarter's seats per job centre): per group, the share offered any programme and (``per_programme``) each
    one, the estimated gain, and the share of programmes a citizen has an estimate for (a programme without
    one is never suggested, so a group that loses estimates to the overlap threshold more often is offered
    less)."""
    from recommender.interventions import ARMS, seeker_features, taxonomy_of
    from recommender.interventions.allocation import allocate, capacity_from_table

    seekers = store.table("seekers")
    features = seeker_features(seekers, taxonomy_of(store))
    effects = model.estimate(features)
    gain = effects.matrix(fill=np.nan)
    capacity = capacity_from_table(store.table("programme_capacity"), periods)
    centres = features.join(seekers.select(C.SEEKER_ID, C.JOBCENTER_ID), on=C.SEEKER_ID, how="left")
    assign = allocate(gain, centres[C.JOBCENTER_ID].to_numpy(), ARMS, capacity, "lp")
    est = np.nan_to_num(gain[np.arange(len(assign)), assign], nan=0.0)
    with_estimate = (~np.isnan(gain[:, 1:])).mean(axis=1)  # column 0 is "none"
    ids = features[C.SEEKER_ID].to_list()
    groups = protected_groups(store, ids)
    programme = np.array(ARMS, dtype=object)[assign]
    out: dict[str, dict[str, Any]] = {}
    for attrs in groupings():
        labels = combine_labels(groups, attrs)
        ref = _reference(attrs)
        if per_programme:  # the costliest part (about half the audit's time on the default world)
            shares = M.programme_shares(
                programme, labels, ARMS, reference=ref, n_boot=n_boot, seed=seed, min_cell=min_cell
            )
            for p in ARMS:
                part = _prefixed(
                    shares.filter(pl.col("programme") == p).drop("programme"), f"offered_{p}_", "share"
                )
                _merge(out, M.as_cells(part, [f"offered_{p}_share", f"offered_{p}_ratio"]))
        treated = M.selection_rates(
            assign > 0, labels, reference=ref, n_boot=n_boot, seed=seed, min_cell=min_cell
        )
        _merge(
            out,
            M.as_cells(
                _prefixed(treated, "offered_any_", "share"), ["offered_any_share", "offered_any_ratio"]
            ),
        )
        gains = M.mean_by_group(est, labels, name="estimated_gain", reference=ref, n_boot=n_boot, seed=seed,
                                min_cell=min_cell)  # fmt: skip
        _merge(out, M.as_cells(gains.rename({"difference": "estimated_gain_difference",
               "difference_lo": "estimated_gain_difference_lo", "difference_hi": "estimated_gain_difference_hi"}),
               ["estimated_gain", "estimated_gain_difference"]))  # fmt: skip
        estimated = M.mean_by_group(with_estimate, labels, name="with_estimate", reference=ref, n_boot=n_boot,
                                    seed=seed, min_cell=min_cell)  # fmt: skip
        _merge(out, M.as_cells(estimated.rename({"difference": "with_estimate_difference",
               "difference_lo": "with_estimate_difference_lo", "difference_hi": "with_estimate_difference_hi"}),
               ["with_estimate", "with_estimate_difference"]))  # fmt: skip
    return {
        "citizens": len(assign), "seats_used": int((assign > 0).sum()),
        "mean_estimated_gain": float(est.mean()) if len(est) else 0.0,
        "mean_with_estimate": float(with_estimate.mean()) if len(est) else 0.0,
        "programmes": {p: int((assign == i).sum()) for i, p in enumerate(ARMS)},
        "groups": out,
    }  # fmt: skip


def _jsonable(obj: Any) -> Any:
    if isinstance(obj, dict):
        return {str(k): _jsonable(v) for k, v in obj.items()}
    if isinstance(obj, list | tuple):
        return [_jsonable(v) for v in obj]
    return obj
