"""Interactions: candidate (seeker, vacancy) pairs and the funnel each goes through (shown, viewed, applied,
interview, hired or rejected), drawn from the hidden match utility and the biased employer callback.
"""

from __future__ import annotations

from typing import Any, NamedTuple

import numpy as np
import polars as pl

from data import columns as C
from data.geography import KOBENHAVN, ODENSE, haversine_km
from data.synthetic.clock import TODAY
from data.synthetic.occupations import OccupationModel
from data.synthetic.seekers import SeekerArrays
from data.synthetic.vacancies import VacancyArrays
from data.synthetic.world_forms import form_callback_merit, form_utility
from data.synthetic.world_model import MatchParams, callback_group_bias, callback_logit, sigmoid

INTERACTION_SCHEMA: dict[str, pl.DataType] = {
    C.SEEKER_ID: pl.String(),
    C.VACANCY_ID: pl.String(),
    "event": pl.String(),
    "ts": pl.Datetime("us"),
    "source": pl.String(),
}
# Each funnel event: when it happened, in days after the pair's first contact.
FUNNEL_STEPS = [
    ("shown", pl.col("shown"), 0.0),
    ("viewed", pl.col("viewed"), 0.5),
    ("applied", pl.col("applied"), 3.0),
    ("interview", pl.col("interview"), 12.0),
    ("hired", pl.col("hired"), 20.0),
    ("rejected", pl.col("applied") & ~pl.col("hired"), 21.0),
]


def draw_interactions(
    rng: np.random.Generator,
    occ: OccupationModel,
    seek: SeekerArrays,
    vac: VacancyArrays,
    protected: pl.DataFrame,
    params: MatchParams,
    n_events: int,
    form: str = "linear",
) -> pl.DataFrame:
    """About ``n_events`` funnel events (never more), whole pairs only, sorted by time; utility and
    callback follow the world ``form`` (``data.synthetic.world_forms``)."""
    n_s, n_v = len(seek.ids), len(vac.occupation)
    if n_events == 0 or n_s == 0 or n_v == 0:
        return pl.DataFrame(schema=INTERACTION_SCHEMA)
    s, v = _draw_candidate_pairs(rng, occ, seek, vac, params, n_events)
    chances = _funnel_chances(seek, vac, protected, params, s, v, form)
    funnel = _cap_hires(_draw_funnel(rng, vac, params, chances, s, v), vac)
    events = _trim_to_whole_pairs(_funnel_events(funnel), n_events)
    ids = pl.DataFrame({"s": np.arange(n_s), C.SEEKER_ID: seek.ids})
    return (
        events.join(ids, on="s", how="left")
        .with_columns(pl.format("V{}", pl.col("v").cast(pl.String).str.zfill(7)).alias(C.VACANCY_ID))
        .sort("ts", C.SEEKER_ID, C.VACANCY_ID)
        .select(*INTERACTION_SCHEMA)
    )


def pair_features(seek: SeekerArrays, vac: VacancyArrays, s: np.ndarray, v: np.ndarray) -> dict[str, Any]:
    """Observable pair features (plus the hidden tastes) that ``world_model.match_utility`` takes."""
    ess = vac.essential[v]
    opt = vac.optional[v]
    sk = seek.skills[s]
    n_ess = np.maximum(np.asarray(ess.sum(axis=1)).ravel(), 1)
    n_opt = np.maximum(np.asarray(opt.sum(axis=1)).ravel(), 1)
    cov_e = np.asarray(sk.multiply(ess).sum(axis=1)).ravel() / n_ess
    cov_o = np.asarray(sk.multiply(opt).sum(axis=1)).ravel() / n_opt
    desired = np.asarray(seek.desired[s, vac.occupation[v]]).ravel() if len(s) else np.zeros(0)
    dist = haversine_km(seek.lat[s], seek.lon[s], vac.lat[v], vac.lon[v])
    return {
        "cov_essential": cov_e,
        "cov_optional": cov_o,
        "desired": desired,
        "dist_ratio": dist / np.maximum(seek.commute[s], 1.0),
        "edu_shortfall": np.clip(vac.min_isced[v] - seek.isced[s], 0, None).astype(float),
        "hours_gap": np.abs(vac.hours[v] - seek.hours[s]).astype(float),
        "taste": np.einsum("ij,ij->i", seek.taste[s], vac.taste[v]),
        "attractiveness": vac.attractiveness[v],
    }


def _draw_candidate_pairs(
    rng: np.random.Generator,
    occ: OccupationModel,
    seek: SeekerArrays,
    vac: VacancyArrays,
    params: MatchParams,
    n_events: int,
) -> tuple[np.ndarray, np.ndarray]:
    """Distinct (seeker, vacancy) rows: half from a desired occupation, the rest from the seeker's area."""
    n_s, n_v = len(seek.ids), len(vac.occupation)
    n_pairs = int(n_events / 1.3 * 1.3) + 1
    s = rng.integers(0, n_s, n_pairs)
    by_occ = np.argsort(vac.occupation, kind="stable")
    occ_start = np.searchsorted(vac.occupation[by_occ], np.arange(occ.n))
    occ_count = np.bincount(vac.occupation, minlength=occ.n)
    d_counts = np.diff(seek.desired.indptr)[s]
    pick = seek.desired.indices[seek.desired.indptr[s] + (rng.random(n_pairs) * d_counts).astype(np.int64)]
    has = occ_count[pick] > 0
    v = np.empty(n_pairs, dtype=np.int64)
    v[has] = by_occ[occ_start[pick[has]] + (rng.random(has.sum()) * occ_count[pick[has]]).astype(np.int64)]
    by_area = {a: np.flatnonzero(vac.area == a) for a in (KOBENHAVN, ODENSE)}
    local = ~has | (rng.random(n_pairs) < params.local_share)
    for a, members in by_area.items():
        mask = local & (seek.area[s] == a)
        pool = members if len(members) else np.arange(n_v)
        v[mask] = pool[rng.integers(0, len(pool), mask.sum())]
    pairs = pl.DataFrame({"s": s, "v": v}).unique(maintain_order=True)
    return pairs["s"].to_numpy(), pairs["v"].to_numpy()


class _Chances(NamedTuple):
    utility: np.ndarray
    view: np.ndarray
    apply: np.ndarray
    callback: np.ndarray
    hire: np.ndarray


def _funnel_chances(
    seek: SeekerArrays,
    vac: VacancyArrays,
    protected: pl.DataFrame,
    params: MatchParams,
    s: np.ndarray,
    v: np.ndarray,
    form: str = "linear",
) -> _Chances:
    """Each pair's true utility and its chance to pass each funnel step (the callback with its bias)."""
    f = pair_features(seek, vac, s, v)
    utility = form_utility(form, params, **f)
    prot = protected.select("age", "origin_group", "disability")
    groups = {
        "nonwestern": (prot["origin_group"].to_numpy()[s] == "ikke-vestlig").astype(float),
        "age_55plus": (prot["age"].to_numpy()[s] >= 55).astype(float),
        "disability": prot["disability"].to_numpy()[s].astype(float),
    }
    merit = {"cov_essential": f["cov_essential"], "edu_shortfall": f["edu_shortfall"],
             "experience_years": seek.experience[s]}  # fmt: skip
    if form == "linear":  # the original arithmetic, so the linear world stays bit for bit the same
        callback = callback_logit(params, **merit, **groups)
    else:
        callback = form_callback_merit(form, params, **merit) + callback_group_bias(params, **groups)
    return _Chances(
        utility=utility,
        view=sigmoid(params.view_bias + params.view_util * utility),
        apply=sigmoid(params.apply_bias + utility),
        callback=sigmoid(callback),
        hire=sigmoid(params.hire_bias + params.hire_util * utility),
    )


def _draw_funnel(
    rng: np.random.Generator,
    vac: VacancyArrays,
    params: MatchParams,
    chances: _Chances,
    s: np.ndarray,
    v: np.ndarray,
) -> pl.DataFrame:
    """One row per pair: its true utility, how far down the funnel it got, and when it first came up."""
    m = len(s)
    consultant = rng.random(m) < params.p_consultant_shown
    shown = consultant | (rng.random(m) < params.p_self_shown)
    viewed = ~shown | (rng.random(m) < chances.view)
    applied = viewed & (rng.random(m) < chances.apply)
    interview = applied & (rng.random(m) < chances.callback)
    hired = interview & (rng.random(m) < chances.hire)
    # First contact: within the vacancy's posting window.
    window = (vac.deadline[v] - vac.posted[v]).astype(np.int64)
    start = vac.posted[v].astype("datetime64[us]") + (rng.random(m) * window * 86400e6).astype(
        "timedelta64[us]"
    )
    return pl.DataFrame(
        {
            "s": s,
            "v": v,
            "u": chances.utility,
            "shown": shown,
            "viewed": viewed,
            "applied": applied,
            "interview": interview,
            "hired": hired,
            "consultant": consultant,
            "t0": start,
        }
    ).with_columns(pl.col("t0").cast(pl.Datetime("us")))


def _cap_hires(funnel: pl.DataFrame, vac: VacancyArrays) -> pl.DataFrame:
    """No more hires than positions per vacancy (best utility first), one hire per seeker (earliest first).

    The hires taken back become rejections.
    """
    funnel = funnel.with_columns(pl.Series("positions", vac.positions[funnel["v"].to_numpy()])).with_columns(
        (
            pl.col("hired")
            & (pl.col("u").rank("ordinal", descending=True).over("v", "hired") <= pl.col("positions"))
        ).alias("hired")
    )
    return funnel.with_columns(
        (pl.col("hired") & (pl.col("t0").rank("ordinal").over("s", "hired") == 1)).alias("hired")
    )


def _funnel_events(funnel: pl.DataFrame) -> pl.DataFrame:
    """One event row per funnel step a pair reached, up to "today"; (s, v, event, ts, source)."""
    source = (
        pl.when(pl.col("consultant")).then(pl.lit("consultant")).otherwise(pl.lit("self")).alias("source")
    )
    parts = [
        funnel.filter(cond).select(
            pl.col("s"),
            pl.col("v"),
            pl.lit(event).alias("event"),
            (pl.col("t0") + pl.duration(hours=int(offset_days * 24))).alias("ts"),
            source,
        )
        for event, cond, offset_days in FUNNEL_STEPS
    ]
    events = pl.concat(parts)
    return events.filter(pl.col("ts") <= pl.lit(np.datetime64(TODAY).astype("datetime64[us]")))


def _trim_to_whole_pairs(events: pl.DataFrame, n_events: int) -> pl.DataFrame:
    """At most ``n_events`` events, dropping whole pairs so that every kept funnel stays consistent."""
    counts = events.group_by("s", "v", maintain_order=True).len()
    keep = counts.filter(pl.col("len").cum_sum() <= n_events).select("s", "v")
    return events.join(keep, on=["s", "v"], how="semi")
