"""Raw pair features for the learned ranker: what a consultant could read off the two records, not a
hand-weighted formula. Trees find the thresholds and interactions; a few plain ratios (skill coverage,
distance over the commute limit) are offered beside their parts because trees cannot divide.

Each feature belongs to one consultant-readable reason (``REASON``), so an explanation can add up the
contributions of a reason's features; ``MONOTONE`` holds the directions domain knowledge fixes.

The timing features describe the vacancy on the day the ranking is made (``RecContext.as_of``): days since
posting, days to the deadline, the posting's length and the share of it still ahead within the horizon. An
application can only come while the ad is open, so a vacancy closing in two days is a weaker suggestion
than one just posted; how much weaker is learned, not assumed.
"""

from __future__ import annotations

import numpy as np

from data.geography import haversine_km
from recommender.context import RecContext

LIGHTFM_FEATURES = ("lightfm",)
CONTENT_FEATURES = (
    "similarity",
    "essential_matched",
    "essential_required",
    "essential_coverage",
    "optional_matched",
    "optional_required",
    "optional_coverage",
    "desired_occupation",
    "distance_km",
    "commute_km",
    "distance_ratio",
    "isced",
    "min_isced",
    "education_shortfall",
    "hours_wanted",
    "hours_offered",
    "hours_gap",
    "days_since_posted",
    "days_to_deadline",
    "posting_days",
    "open_share",
    "occupation_open",
    "wishes",
)
TIMING_FEATURES = ("days_since_posted", "days_to_deadline", "posting_days", "open_share")
# The employer reads the application: merit, not the citizen's commute or taste.
EMPLOYER_FEATURES = (
    "similarity",
    "essential_matched",
    "essential_required",
    "essential_coverage",
    "optional_matched",
    "optional_required",
    "optional_coverage",
    "isced",
    "min_isced",
    "education_shortfall",
    "experience",
)
# Directions domain knowledge fixes, whatever the data says: a skill more never hurts, a wanted occupation
# never hurts, a longer way to work never helps, more experience never hurts with an employer.
MONOTONE = {
    "essential_matched": 1,
    "essential_coverage": 1,
    "optional_matched": 1,
    "optional_coverage": 1,
    "desired_occupation": 1,
    "distance_km": -1,
    "distance_ratio": -1,
    "experience": 1,
    "open_share": 1,
}
REASON = {
    "similarity": "similarity",
    "essential_matched": "essential_coverage",
    "essential_required": "essential_coverage",
    "essential_coverage": "essential_coverage",
    "optional_matched": "optional_coverage",
    "optional_required": "optional_coverage",
    "optional_coverage": "optional_coverage",
    "desired_occupation": "desired_occupation",
    "distance_km": "distance_ratio",
    "commute_km": "distance_ratio",
    "distance_ratio": "distance_ratio",
    "isced": "education_shortfall",
    "min_isced": "education_shortfall",
    "education_shortfall": "education_shortfall",
    "hours_wanted": "hours_gap",
    "hours_offered": "hours_gap",
    "hours_gap": "hours_gap",
    "experience": "experience",
    "lightfm": "lightfm",
    **dict.fromkeys(TIMING_FEATURES, "timing"),
    "occupation_open": "competition",
    "wishes": "desired_occupation",
}


def apply_features(with_lightfm: bool) -> tuple[str, ...]:
    """The citizen side's features, LightFM's score first when it is used."""
    return (*LIGHTFM_FEATURES, *CONTENT_FEATURES) if with_lightfm else CONTENT_FEATURES


def timing(ctx: RecContext, items: np.ndarray) -> dict[str, np.ndarray]:
    """Per item, its timing features (float32 vectors, in days) on the first day a consultant could see it
    from ``ctx``'s day on: that day, or its posting day if later. An ad posted later in an evaluation window
    is thus seen as serving would first show it, fresh with the whole horizon ahead; how soon the window
    ends after its posting is never read (serving cannot know it)."""
    as_of = ctx.today()
    day = np.datetime64(as_of.day, "D").astype(np.int64)
    posted = ctx.vacancy_array("posted")[items].astype("datetime64[D]").astype(np.int64)
    deadline = ctx.vacancy_array("deadline")[items].astype("datetime64[D]").astype(np.int64)
    seen = np.maximum(posted, day)
    span = np.maximum(deadline - posted, 1)
    ahead = np.clip(np.minimum(deadline, seen + as_of.horizon_days) - seen, 0, None)
    out = {"days_since_posted": seen - posted, "days_to_deadline": deadline - seen, "posting_days": span,
           "open_share": ahead / span}  # fmt: skip
    return {k: np.asarray(v, dtype=np.float32) for k, v in out.items()}


def occupation_open(ctx: RecContext, items: np.ndarray) -> np.ndarray:
    """Per item, how many vacancies of its occupation are open on ``ctx``'s day: one ad among many of its
    kind draws less of any one citizen's attention than a rare one."""
    day = np.datetime64(ctx.today().day, "D")
    posted = ctx.vacancy_array("posted").astype("datetime64[D]")
    deadline = ctx.vacancy_array("deadline").astype("datetime64[D]")
    live = (posted <= day) & (deadline >= day)
    columns = ctx.desired_occupations.vacancy_columns
    counts = np.bincount(columns[live], minlength=int(columns.max()) + 1 if len(columns) else 0)
    return np.asarray(counts[columns[items]], dtype=np.float32)


def wishes(ctx: RecContext, users: np.ndarray) -> np.ndarray:
    """Per user, how many occupations the citizen wants (a focused wish list speaks louder per vacancy)."""
    return np.asarray(np.diff(ctx.desired_occupations.seekers.indptr)[users], dtype=np.float32)


def aligned_features(ctx: RecContext, users: np.ndarray, items: np.ndarray) -> dict[str, np.ndarray]:
    """The same features for aligned pairs (``users[j]``, ``items[j]``), each a float32 vector: training
    examples of many citizens in one pass instead of one matrix per citizen."""
    ess, opt = ctx.vacancy_essential[items], ctx.vacancy_optional[items]
    s_sk = ctx.seeker_skills[users]
    n_ess = np.asarray(ess.sum(axis=1)).ravel()
    n_opt = np.asarray(opt.sum(axis=1)).ravel()
    matched_ess = np.asarray(s_sk.multiply(ess).sum(axis=1)).ravel()
    matched_opt = np.asarray(s_sk.multiply(opt).sum(axis=1)).ravel()
    desired = ctx.desired_occupations
    wanted = np.asarray(desired.seekers[users, desired.vacancy_columns[items]]).ravel()
    dist = haversine_km(ctx.seeker_array("lat")[users], ctx.seeker_array("lon")[users],
                        ctx.vacancy_array("lat")[items], ctx.vacancy_array("lon")[items])  # fmt: skip
    commute = ctx.seeker_array("max_commute_km")[users].astype(float)
    isced = ctx.seeker_array("isced_level")[users].astype(float)
    min_isced = ctx.vacancy_array("min_isced")[items].astype(float)
    hours = ctx.seeker_array("hours_wanted")[users].astype(float)
    v_hours = ctx.vacancy_array("hours")[items].astype(float)
    if ctx.seeker_vectors is not None and ctx.vacancy_vectors is not None:
        similarity = np.einsum("ij,ij->i", ctx.seeker_vectors[users], ctx.vacancy_vectors[items])
    else:
        similarity = np.zeros(len(users), dtype=np.float32)
    out = {
        "similarity": similarity,
        "essential_matched": matched_ess,
        "essential_required": n_ess,
        "essential_coverage": matched_ess / np.maximum(n_ess, 1.0),
        "optional_matched": matched_opt,
        "optional_required": n_opt,
        "optional_coverage": matched_opt / np.maximum(n_opt, 1.0),
        "desired_occupation": wanted,
        "distance_km": dist,
        "commute_km": commute,
        "distance_ratio": dist / np.maximum(commute, 1.0),
        "isced": isced,
        "min_isced": min_isced,
        "education_shortfall": np.clip(min_isced - isced, 0.0, None),
        "hours_wanted": hours,
        "hours_offered": v_hours,
        "hours_gap": np.abs(v_hours - hours),
        "experience": ctx.seeker_array("experience_years")[users].astype(float),
        **timing(ctx, items),
        "occupation_open": occupation_open(ctx, items),
        "wishes": wishes(ctx, users),
    }
    return {k: np.asarray(v, dtype=np.float32) for k, v in out.items()}


def pair_features(ctx: RecContext, users: np.ndarray, items: np.ndarray) -> dict[str, np.ndarray]:
    """Every content feature as a float32 matrix (len(users), len(items)); LightFM's score is added by the
    caller, which owns the LightFM part."""
    s_sk = ctx.seeker_skills[users]
    ess, opt = ctx.vacancy_essential[items], ctx.vacancy_optional[items]
    n_ess = np.asarray(ess.sum(axis=1)).ravel()
    n_opt = np.asarray(opt.sum(axis=1)).ravel()
    matched_ess = (s_sk @ ess.T).toarray()
    matched_opt = (s_sk @ opt.T).toarray()
    desired = ctx.desired_occupations
    s_lat, s_lon = ctx.seeker_array("lat")[users], ctx.seeker_array("lon")[users]
    v_lat, v_lon = ctx.vacancy_array("lat")[items], ctx.vacancy_array("lon")[items]
    dist = haversine_km(s_lat[:, None], s_lon[:, None], v_lat[None, :], v_lon[None, :])
    commute = ctx.seeker_array("max_commute_km")[users].astype(float)
    isced = ctx.seeker_array("isced_level")[users].astype(float)[:, None]
    min_isced = ctx.vacancy_array("min_isced")[items].astype(float)[None, :]
    hours = ctx.seeker_array("hours_wanted")[users].astype(float)[:, None]
    v_hours = ctx.vacancy_array("hours")[items].astype(float)[None, :]
    shape = (len(users), len(items))
    if ctx.seeker_vectors is not None and ctx.vacancy_vectors is not None:
        similarity = ctx.seeker_vectors[users] @ ctx.vacancy_vectors[items].T
    else:
        similarity = np.zeros(shape, dtype=np.float32)
    experience = ctx.seeker_array("experience_years")[users].astype(float)[:, None]
    out = {
        "similarity": similarity,
        "essential_matched": matched_ess,
        "essential_required": np.broadcast_to(n_ess[None, :], shape),
        "essential_coverage": matched_ess / np.maximum(n_ess, 1.0)[None, :],
        "optional_matched": matched_opt,
        "optional_required": np.broadcast_to(n_opt[None, :], shape),
        "optional_coverage": matched_opt / np.maximum(n_opt, 1.0)[None, :],
        "desired_occupation": desired.seekers[users][:, desired.vacancy_columns[items]].toarray(),
        "distance_km": dist,
        "commute_km": np.broadcast_to(commute[:, None], shape),
        "distance_ratio": dist / np.maximum(commute, 1.0)[:, None],
        "isced": np.broadcast_to(isced, shape),
        "min_isced": np.broadcast_to(min_isced, shape),
        "education_shortfall": np.clip(min_isced - isced, 0.0, None),
        "hours_wanted": np.broadcast_to(hours, shape),
        "hours_offered": np.broadcast_to(v_hours, shape),
        "hours_gap": np.abs(v_hours - hours),
        "experience": np.broadcast_to(experience, shape),
        **{k: np.broadcast_to(v[None, :], shape) for k, v in timing(ctx, items).items()},
        "occupation_open": np.broadcast_to(occupation_open(ctx, items)[None, :], shape),
        "wishes": np.broadcast_to(wishes(ctx, users)[:, None], shape),
    }
    return {k: np.asarray(v, dtype=np.float32) for k, v in out.items()}
