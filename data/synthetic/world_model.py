"""The hidden ground-truth model of the synthetic world: how utilities, callbacks, programme assignment and
programme effects arise.

The generator samples from these functions; ``evaluation/`` recomputes them from the ``gt_*`` tables to get
true match utilities and true programme effects. Products (matching, recommender) never import this module.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass

import numpy as np

TASTE_DIM = 8


def sigmoid(x: np.ndarray) -> np.ndarray:
    value: np.ndarray = 1.0 / (1.0 + np.exp(-x))
    return value


@dataclass(frozen=True)
class MatchParams:
    """Weights of the match utility and the employer's callback decision (incl. the injected bias)."""

    w_cov: float = 3.0  # share of the vacancy's essential skills the seeker has
    w_opt: float = 0.8  # share of optional skills
    w_desired: float = 1.2  # vacancy occupation is among the seeker's desired occupations
    w_dist: float = 1.5  # distance relative to the seeker's commute limit
    w_edu: float = 0.7  # per ISCED level below the vacancy's minimum
    w_hours: float = 0.6  # hours mismatch (per 10 hours)
    w_taste: float = 1.0  # latent taste (low-rank, unobserved)
    # How candidate pairs arise: half from a desired occupation, half uniformly from the local area;
    # a pair is shown by a consultant (0.4) or surfaced to the citizen (0.5), else found by the citizen.
    local_share: float = 0.5
    p_consultant_shown: float = 0.4
    p_self_shown: float = 0.5
    view_bias: float = 0.5
    view_util: float = 0.5
    apply_bias: float = -1.8
    callback_bias: float = -1.6
    callback_cov: float = 3.0
    callback_edu: float = 0.8
    callback_exp: float = 0.3  # per log(1 + years of experience)
    hire_bias: float = -0.2
    hire_util: float = 0.6
    # Injected historical bias in employer callbacks (logit shifts): the fairness audit must find it.
    bias_origin_nonwestern: float = -0.7
    bias_age_55plus: float = -0.5
    bias_disability: float = -0.4

    def to_json(self) -> str:
        return json.dumps(asdict(self))

    @classmethod
    def from_json(cls, text: str) -> MatchParams:
        return cls(**json.loads(text))


def match_utility(
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
    """True utility of a (seeker, vacancy) pair for the seeker; higher means a better match."""
    value: np.ndarray = (
        p.w_cov * cov_essential
        + p.w_opt * cov_optional
        + p.w_desired * desired
        - p.w_dist * np.clip(dist_ratio, 0.0, 3.0)
        - p.w_edu * edu_shortfall
        - p.w_hours * hours_gap / 10.0
        + p.w_taste * taste
        + attractiveness
    )
    return value


def callback_logit(
    p: MatchParams,
    *,
    cov_essential: np.ndarray,
    edu_shortfall: np.ndarray,
    experience_years: np.ndarray,
    nonwestern: np.ndarray,
    age_55plus: np.ndarray,
    disability: np.ndarray,
) -> np.ndarray:
    """Employer's logit of inviting an applicant to interview, with the injected bias."""
    merit = callback_merit(
        p, cov_essential=cov_essential, edu_shortfall=edu_shortfall, experience_years=experience_years
    )
    value: np.ndarray = merit + callback_group_bias(
        p, nonwestern=nonwestern, age_55plus=age_55plus, disability=disability
    )
    return value


def callback_merit(
    p: MatchParams, *, cov_essential: np.ndarray, edu_shortfall: np.ndarray, experience_years: np.ndarray
) -> np.ndarray:
    """The employer's merit logit in the linear world (callback bias included, injected group bias not)."""
    value: np.ndarray = (
        p.callback_bias
        + p.callback_cov * cov_essential
        - p.callback_edu * edu_shortfall
        + p.callback_exp * np.log1p(experience_years)
    )
    return value


def callback_group_bias(
    p: MatchParams, *, nonwestern: np.ndarray, age_55plus: np.ndarray, disability: np.ndarray
) -> np.ndarray:
    """The injected historical bias in callbacks (logit shift), the same in every world form."""
    value: np.ndarray = (
        p.bias_origin_nonwestern * nonwestern
        + p.bias_age_55plus * age_55plus
        + p.bias_disability * disability
    )
    return value


# --- intervention effects ---------------------------------------------------------------------------


def baseline_p26(
    *,
    isced: np.ndarray,
    experience_years: np.ndarray,
    weeks_unemployed: np.ndarray,
    jobparat: np.ndarray,
    dagpenge: np.ndarray,
    skill_coverage: np.ndarray,
    age: np.ndarray,
) -> np.ndarray:
    """Chance of being in work within 26 weeks without any programme."""
    logit = (
        -0.9
        + 0.12 * (isced - 3)
        + 0.25 * np.log1p(experience_years)
        - 0.9 * np.log1p(weeks_unemployed / 26.0)
        + 0.9 * jobparat
        + 0.3 * dagpenge
        + 0.8 * (skill_coverage - 0.5)
        - 0.02 * np.clip(age - 50, 0, None)
    )
    return sigmoid(logit)


def programme_effects(
    *,
    experience_years: np.ndarray,
    weeks_unemployed: np.ndarray,
    skill_gap: np.ndarray,
    isced: np.ndarray,
    jobparat: np.ndarray,
    dagpenge: np.ndarray,
    kontanthjaelp: np.ndarray,
) -> dict[str, np.ndarray]:
    """True effect (percentage points / 100) of each programme on employment within 26 weeks."""
    long_term = np.clip(weeks_unemployed / 52.0, 0.0, 1.5) / 1.5
    aktivitetsparat = 1.0 - jobparat
    low_edu = (isced <= 3).astype(float)
    return {
        "none": np.zeros_like(skill_gap),
        "virksomhedspraktik": 0.02 + 0.14 * np.exp(-experience_years / 3.0),
        "loentilskud_privat": 0.01 + 0.15 * long_term,
        "loentilskud_offentlig": 0.00 + 0.07 * long_term,
        "opkvalificering_amu": -0.03 + 0.22 * skill_gap,
        "jobrettet_uddannelse_6u": 0.01 + 0.08 * dagpenge * low_edu,
        "mentorstoette": 0.005 + 0.08 * aktivitetsparat,
        "ips": 0.00 + 0.13 * aktivitetsparat * kontanthjaelp,
        "jobsamtaler_vejledning": np.full_like(skill_gap, 0.03),
    }


def assignment_logits(
    *,
    experience_years: np.ndarray,
    weeks_unemployed: np.ndarray,
    skill_coverage: np.ndarray,
    isced: np.ndarray,
    jobparat: np.ndarray,
    dagpenge: np.ndarray,
    kontanthjaelp: np.ndarray,
) -> dict[str, np.ndarray]:
    """Confounded assignment: caseworkers give programmes by visible traits (multinomial logit per programme).

    The traits that drive assignment also drive outcomes, so naive comparisons of programmes are biased.
    """
    n = len(weeks_unemployed)
    long_term = np.clip(weeks_unemployed / 52.0, 0, 2)
    aktiv = 1 - jobparat
    return {
        "none": np.full(n, 1.0),
        "virksomhedspraktik": -0.6 + 0.9 * aktiv - 0.12 * experience_years,
        "loentilskud_privat": -1.6 + 1.2 * long_term + 0.5 * dagpenge,
        "loentilskud_offentlig": -1.9 + 1.0 * long_term + 0.6 * kontanthjaelp,
        "opkvalificering_amu": -1.2 + 2.0 * (1 - skill_coverage) - 0.3 * (isced - 3),
        # Only insured (dagpenge) citizens are eligible: a real overlap failure.
        "jobrettet_uddannelse_6u": np.where(dagpenge > 0, -1.0 - 0.3 * (isced - 3), -np.inf),
        "mentorstoette": -1.8 + 1.6 * aktiv,
        "ips": np.where(aktiv > 0, -1.2 + 0.8 * kontanthjaelp, -5.0),
        "jobsamtaler_vejledning": np.full(n, 0.6) + 0.3 * jobparat,
    }


# Programmes placed at an employer: where an unobserved trait plausibly matters for who gets one and how well
# it works (an option for testing the intervention model; the default world has none of it).
HIDDEN_PROGRAMMES = ("virksomhedspraktik", "loentilskud_privat", "loentilskud_offentlig")


def hidden_confounding(
    motivation: np.ndarray, strength: float, programmes: list[str]
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """What an unobserved trait (``motivation``, standard normal per episode) does at ``strength`` (0: none):
    (baseline logit shift (n,), assignment logit shift (n, A), effect shift (n, A)).

    Motivated citizens find work more often on their own, caseworkers place them at employers more often,
    and they gain more from those placements: hidden confounding *and* an effect modifier the model never
    sees, so its estimates of the company-based programmes are biased upward.
    """
    n, a = len(motivation), len(programmes)
    hidden = np.array([p in HIDDEN_PROGRAMMES for p in programmes], dtype=float)
    assign = strength * 0.8 * motivation[:, None] * hidden[None, :]
    effect = strength * 0.03 * motivation[:, None] * hidden[None, :]
    return strength * 0.6 * motivation, assign.reshape(n, a), effect.reshape(n, a)
