"""Functional forms of the hidden match utility and the employer's merit, so a ranker can be tried on worlds
it was not written for.

Every form uses the same entities and the same observable pair features (skill coverage, desired
occupation, distance over the commuting limit, education shortfall, hours gap, experience) and the same
weights in :class:`~data.synthetic.world_model.MatchParams`; only how those features combine differs, so no
one fixed, hand-copied feature set is right for all of them:

- ``linear``: the original world, a weighted sum (``world_model.match_utility`` / ``callback_logit``); bit
  for bit what the generator drew before forms existed.
- ``threshold``: steps instead of slopes. Skills count once a third and again once two thirds of the
  essential ones are covered; distance costs nothing within the commuting limit, then a step past it and
  another past 1.5 times it; any education shortfall costs a fixed amount; hours matter only past 8 hours
  off. The employer calls back on "covers half the essentials", "meets the education" and "2+ years".
- ``interaction``: features matter only together. Skills count only within commuting range (beyond it the
  citizen will not take the job, however well qualified); a desired occupation counts more the better the
  skills fit; optional skills count only within range. The employer weighs coverage only where education
  is met, and experience only as much as the skills fit.
- ``concave``: diminishing returns. Coverage saturates (the first skills matter most); distance, education
  shortfall and hours gap cost by their square root (the first kilometres past the limit hurt most). The
  employer's merit saturates in coverage and in experience.

The injected callback bias (origin, age, disability) is the same in every form. Products never read the
form: the generator records it in the store's meta and ``gt_params`` for the evaluation's oracle only.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Literal, get_args

import numpy as np

from data.synthetic.world_model import MatchParams, callback_merit, match_utility

WorldForm = Literal["linear", "threshold", "interaction", "concave"]
WORLD_FORMS: tuple[str, ...] = get_args(WorldForm)


def _saturating(x: np.ndarray, rate: float) -> np.ndarray:
    """0 at 0, 1 at 1, steep first: (1 - exp(-rate x)) / (1 - exp(-rate))."""
    value: np.ndarray = (1.0 - np.exp(-rate * x)) / (1.0 - np.exp(-rate))
    return value


def _step(x: np.ndarray, at: float) -> np.ndarray:
    value: np.ndarray = (x >= at).astype(float)
    return value


def _threshold(p: MatchParams, f: dict[str, np.ndarray]) -> np.ndarray:
    cov, dist = f["cov_essential"], np.clip(f["dist_ratio"], 0.0, 3.0)
    value: np.ndarray = (
        p.w_cov * (0.5 * _step(cov, 1 / 3) + 0.5 * _step(cov, 2 / 3))
        + p.w_opt * _step(f["cov_optional"], 0.5)
        + p.w_desired * f["desired"]
        - p.w_dist * (_step(dist, 1.0 + 1e-9) + _step(dist, 1.5))
        - p.w_edu * 1.5 * _step(f["edu_shortfall"], 1.0)
        - p.w_hours * 1.5 * _step(f["hours_gap"], 8.5)
    )
    return value


def _interaction(p: MatchParams, f: dict[str, np.ndarray]) -> np.ndarray:
    cov, dist = f["cov_essential"], np.clip(f["dist_ratio"], 0.0, 3.0)
    within = (dist <= 1.0).astype(float)
    value: np.ndarray = (
        p.w_cov * 1.6 * cov * within
        + p.w_opt * f["cov_optional"] * within
        + p.w_desired * f["desired"] * (0.4 + 1.2 * cov)
        - p.w_dist * 0.5 * dist
        - p.w_edu * f["edu_shortfall"]
        - p.w_hours * f["hours_gap"] / 10.0
    )
    return value


def _concave(p: MatchParams, f: dict[str, np.ndarray]) -> np.ndarray:
    dist = np.clip(f["dist_ratio"], 0.0, 3.0)
    value: np.ndarray = (
        p.w_cov * _saturating(f["cov_essential"], 4.0)
        + p.w_opt * _saturating(f["cov_optional"], 4.0)
        + p.w_desired * f["desired"]
        - p.w_dist * 1.5 * np.sqrt(dist)
        - p.w_edu * 1.2 * np.sqrt(f["edu_shortfall"])
        - p.w_hours * np.sqrt(f["hours_gap"] / 10.0)
    )
    return value


_UTILITY: dict[str, Callable[[MatchParams, dict[str, np.ndarray]], np.ndarray]] = {
    "threshold": _threshold,
    "interaction": _interaction,
    "concave": _concave,
}


def check_form(form: str) -> str:
    if form not in WORLD_FORMS:
        raise ValueError(f"unknown world form {form!r}; choose one of {', '.join(WORLD_FORMS)}")
    return form


def form_utility(
    form: str,
    p: MatchParams,
    *,
    cov_essential: np.ndarray,
    cov_optional: np.ndarray,
    desired: np.ndarray,
    dist_ratio: np.ndarray,
    edu_shortfall: np.ndarray,
    hours_gap: np.ndarray,
    taste: np.ndarray,
    attractiveness: np.ndarray,
) -> np.ndarray:
    """True utility of pairs in the world of ``form`` (``hours_gap`` in hours); latent taste and the
    vacancy's attractiveness add on in every form."""
    features = {"cov_essential": cov_essential, "cov_optional": cov_optional, "desired": desired,
                "dist_ratio": dist_ratio, "edu_shortfall": edu_shortfall, "hours_gap": hours_gap}  # fmt: skip
    if check_form(form) == "linear":
        return match_utility(p, **features, taste=taste, attractiveness=attractiveness)
    value: np.ndarray = _UTILITY[form](p, features) + p.w_taste * taste + attractiveness
    return value


def form_callback_merit(
    form: str,
    p: MatchParams,
    *,
    cov_essential: np.ndarray,
    edu_shortfall: np.ndarray,
    experience_years: np.ndarray,
) -> np.ndarray:
    """The employer's merit logit (callback bias included, injected group bias excluded) in ``form``."""
    cov, edu, years = cov_essential, edu_shortfall, experience_years
    if check_form(form) == "linear":
        value: np.ndarray = callback_merit(p, cov_essential=cov, edu_shortfall=edu, experience_years=years)
    elif form == "threshold":
        value = (
            p.callback_bias + p.callback_cov * _step(cov, 0.5) - p.callback_edu * 1.5 * _step(edu, 1.0)
            + p.callback_exp * 2.0 * _step(years, 2.0)
        )  # fmt: skip
    elif form == "interaction":
        value = (
            p.callback_bias + p.callback_cov * 1.4 * cov * (edu == 0) - p.callback_edu * 0.5 * edu
            + p.callback_exp * 2.0 * np.log1p(years) * cov
        )  # fmt: skip
    else:
        value = (
            p.callback_bias + p.callback_cov * _saturating(cov, 5.0) - p.callback_edu * np.sqrt(edu)
            + p.callback_exp * 1.5 * _saturating(np.minimum(years, 20.0) / 20.0, 4.0)
        )  # fmt: skip
    return value
