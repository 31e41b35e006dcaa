"""The synthetic world's ground truth, recomputed from its ``gt_*`` tables (evaluation only).

``utility`` is the true match utility; ``expected_gain`` is what the oracle ranks by: the expected
application gain of a pair under the generator's full process (how candidate pairs arise, viewing, applying,
the employer's merit-based callback and hiring), the best ranking achievable for the observed history.
"""

from __future__ import annotations

import numpy as np

from data import columns as C
from data.store import Store
from data.synthetic.world_model import MatchParams, match_utility, sigmoid
from recommender.context import RecContext
from recommender.signals import content_signals


class GroundTruth:
    """Latent tastes and weights the generator used; gives the oracle's utilities for any pairs."""

    def __init__(self, store: Store, ctx: RecContext) -> None:
        self.params = MatchParams.from_json(
            store.query("SELECT value FROM gt_params WHERE key = 'match_params'")["value"][0]
        )
        seeker_latent = store.table("gt_seeker_latent")
        vacancy_latent = store.table("gt_vacancy_latent")
        s_rows = ctx.seekers.rows(seeker_latent["seeker_id"].to_list(), missing=-1)
        v_rows = ctx.vacancies.rows(vacancy_latent["vacancy_id"].to_list(), missing=-1)
        dim = len(seeker_latent["taste"][0]) if seeker_latent.height else 0
        self.seeker_taste = np.zeros((len(ctx.seekers), dim), dtype=np.float32)
        self.vacancy_taste = np.zeros((len(ctx.vacancies), dim), dtype=np.float32)
        self.attractiveness = np.zeros(len(ctx.vacancies), dtype=np.float32)
        ok = s_rows >= 0
        self.seeker_taste[s_rows[ok]] = np.asarray(seeker_latent["taste"].to_list(), dtype=np.float32)[ok]
        ok = v_rows >= 0
        self.vacancy_taste[v_rows[ok]] = np.asarray(vacancy_latent["taste"].to_list(), dtype=np.float32)[ok]
        self.attractiveness[v_rows[ok]] = vacancy_latent["attractiveness"].to_numpy()[ok]
        self.ctx = ctx

    def utility(self, users: np.ndarray, items: np.ndarray) -> np.ndarray:
        """True utility matrix (len(users), len(items)) of the generator's model."""
        return self._utility(content_signals(self.ctx, users, items), users, items)

    def expected_gain(
        self, users: np.ndarray, items: np.ndarray, window: tuple[np.datetime64, np.datetime64] | None = None
    ) -> np.ndarray:
        """E[gain] (applied 1, interview 2, hired 3) of each pair under the generative process.

        The callback part uses merit only: the injected bias is left out so the oracle needs no protected
        attributes. With ``window`` (start, end), only events that fall inside it count: a pair's events
        happen at a uniform time within the vacancy's posting period.
        """
        p = self.params
        signals = content_signals(self.ctx, users, items)
        u = self._utility(signals, users, items)
        p_shown = 1 - (1 - p.p_consultant_shown) * (1 - p.p_self_shown)
        p_viewed = (1 - p_shown) + p_shown * sigmoid(p.view_bias + p.view_util * u)
        p_apply = sigmoid(p.apply_bias + u)
        experience = self.ctx.seeker_array("experience_years")[users].astype(float)[:, None]
        p_callback = sigmoid(
            p.callback_bias + p.callback_cov * signals["essential_coverage"]
            - p.callback_edu * signals["education_shortfall"] + p.callback_exp * np.log1p(experience)
        )  # fmt: skip
        p_hire = sigmoid(p.hire_bias + p.hire_util * u)
        value: np.ndarray = (
            self._candidate_probability(users, items) * p_viewed * p_apply * (1 + p_callback * (1 + p_hire))
        )
        return value

    def _candidate_probability(self, users: np.ndarray, items: np.ndarray) -> np.ndarray:
        """Chance a pair is drawn as a candidate: from a desired occupation, or uniformly in the area."""
        ctx, p = self.ctx, self.params
        v_area = ctx.vacancy_array("postcode") < 5000
        s_area = ctx.seeker_array("postcode")[users] < 5000
        n_area = np.array([np.sum(v_area == a) for a in s_area], dtype=float)
        local = (v_area[items][None, :] == s_area[:, None]) / np.maximum(n_area[:, None], 1.0)
        occupations = ctx.vacancy_array(C.OCCUPATION_ID)
        values, counts = np.unique(occupations, return_counts=True)
        per_occ = dict(zip(values.tolist(), counts.tolist(), strict=True))
        occ_count = np.array([per_occ[o] for o in occupations[items]], dtype=float)
        n_desired = np.array(
            [len(d) for d in ctx.seekers_frame["desired_occupations"].to_list()], dtype=float
        )[users]
        desired = content_signals(ctx, users, items)["desired_occupation"]
        from_desired = desired / (np.maximum(n_desired[:, None], 1.0) * occ_count[None, :])
        value: np.ndarray = p.local_share * local + (1 - p.local_share) * from_desired
        return value

    def _utility(self, s: dict[str, np.ndarray], users: np.ndarray, items: np.ndarray) -> np.ndarray:
        return match_utility(
            self.params,
            cov_essential=s["essential_coverage"],
            cov_optional=s["optional_coverage"],
            desired=s["desired_occupation"],
            dist_ratio=s["distance_ratio"],
            edu_shortfall=s["education_shortfall"],
            hours_gap=s["hours_gap"] * 10.0,
            taste=self.seeker_taste[users] @ self.vacancy_taste[items].T,
            attractiveness=self.attractiveness[items][None, :],
        )
