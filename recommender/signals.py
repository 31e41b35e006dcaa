"""Content signals for (seeker, vacancy) pairs, computed as dense users x items matrices in one go.

Each signal has a plain meaning a consultant understands (skills covered, wanted occupation, distance,
education, hours, text similarity); the baselines and the ground truth use them, and their labels name
the reasons of the hybrid's explanations (``recommender.explain``).
"""

from __future__ import annotations

import numpy as np

from data.geography import haversine_km
from recommender.context import RecContext

SIGNALS = (
    "similarity",
    "essential_coverage",
    "optional_coverage",
    "desired_occupation",
    "distance_ratio",
    "education_shortfall",
    "hours_gap",
)
# How each reason reads when it speaks *for* a match (stated as a reason only when its contribution is
# positive) and when it speaks against one (``recommender.explain``).
SIGNAL_LABELS_DA = {
    "similarity": "profil og opslag ligner hinanden",
    "essential_coverage": "nødvendige kompetencer",
    "optional_coverage": "ønskede kompetencer",
    "desired_occupation": "ønsket stillingstype",
    "distance_ratio": "kort afstand",
    "education_shortfall": "uddannelsen passer",
    "hours_gap": "timetallet passer",
    "experience": "erfaring",
    "lightfm": "lignende borgere søgte her",
    "timing": "god tid til at søge",
    "competition": "få opslag af samme slags",
}
SIGNAL_AGAINST_DA = {
    "similarity": "profil og opslag ligner ikke hinanden",
    "essential_coverage": "mangler nødvendige kompetencer",
    "optional_coverage": "mangler ønskede kompetencer",
    "desired_occupation": "ikke en ønsket stillingstype",
    "distance_ratio": "afstand",
    "education_shortfall": "uddannelse",
    "hours_gap": "timetal",
    "experience": "erfaring",
    "lightfm": "lignende borgere søgte sjældent her",
    "timing": "kort tid til fristen",
    "competition": "mange opslag af samme slags",
}


def content_signals(ctx: RecContext, users: np.ndarray, items: np.ndarray) -> dict[str, np.ndarray]:
    """Each signal as a float32 matrix of shape (len(users), len(items))."""
    s_sk = ctx.seeker_skills[users]
    ess, opt = ctx.vacancy_essential[items], ctx.vacancy_optional[items]
    n_ess = np.maximum(np.asarray(ess.sum(axis=1)).ravel(), 1.0)
    n_opt = np.maximum(np.asarray(opt.sum(axis=1)).ravel(), 1.0)
    desired = ctx.desired_occupations
    s_lat, s_lon = ctx.seeker_array("lat")[users], ctx.seeker_array("lon")[users]
    v_lat, v_lon = ctx.vacancy_array("lat")[items], ctx.vacancy_array("lon")[items]
    dist = haversine_km(s_lat[:, None], s_lon[:, None], v_lat[None, :], v_lon[None, :])
    commute = np.maximum(ctx.seeker_array("max_commute_km")[users].astype(float), 1.0)
    if ctx.seeker_vectors is not None and ctx.vacancy_vectors is not None:
        similarity = ctx.seeker_vectors[users] @ ctx.vacancy_vectors[items].T
    else:
        similarity = np.zeros((len(users), len(items)), dtype=np.float32)
    isced = ctx.seeker_array("isced_level")[users].astype(float)
    min_isced = ctx.vacancy_array("min_isced")[items].astype(float)
    hours = ctx.seeker_array("hours_wanted")[users].astype(float)
    v_hours = ctx.vacancy_array("hours")[items].astype(float)
    out = {
        "similarity": similarity,
        "essential_coverage": (s_sk @ ess.T).toarray() / n_ess[None, :],
        "optional_coverage": (s_sk @ opt.T).toarray() / n_opt[None, :],
        "desired_occupation": desired.seekers[users][:, desired.vacancy_columns[items]].toarray(),
        "distance_ratio": np.clip(dist / commute[:, None], 0.0, 5.0),
        "education_shortfall": np.clip(min_isced[None, :] - isced[:, None], 0.0, None),
        "hours_gap": np.abs(v_hours[None, :] - hours[:, None]) / 10.0,
    }
    return {k: np.asarray(v, dtype=np.float32) for k, v in out.items()}
