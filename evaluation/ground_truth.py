"""The synthetic world's ground truth, recomputed from its ``gt_*`` tables (evaluation only).

``utility`` is the true match utility in the world's own functional form (``gt_params``' ``world_form``;
none recorded means linear). ``expected_gain`` is what the oracle ranks by: the expected gain in the test
truth of a pair under the generator's full process: how candidate pairs arise, viewing, applying, the
employer's merit-based callback, hiring, and *when* each event happens (a pair's first contact falls
uniformly in the vacancy's posting period; an event counts only inside the test window, and a pair whose
application fell before the window is a carry-over that the truth leaves out). No model sees more, so none
can beat it in expectation.

The pair features are computed here from the entity frames, not taken from the recommender's signals, so a
change to the product's features can never move the oracle.
"""

from __future__ import annotations

import numpy as np

from data import columns as C
from data.geography import haversine_km
from data.store import Store
from data.synthetic.world_forms import form_callback_merit, form_utility
from data.synthetic.world_model import MatchParams, sigmoid
from recommender.context import RecContext

# Days after a pair's first contact at which the funnel's scored events happen (data.synthetic.interactions).
APPLIED_AFTER, INTERVIEW_AFTER, HIRED_AFTER = 3.0, 12.0, 20.0
_DAY_US = 86_400e6


def _days(t: np.datetime64 | np.ndarray) -> np.ndarray:
    """Days since the epoch as floats (microsecond precision)."""
    return np.asarray(np.asarray(t).astype("datetime64[us]").astype(np.int64) / _DAY_US, dtype=float)


class GroundTruth:
    """Latent tastes, weights and the world's form the generator used; gives the oracle for any pairs."""

    def __init__(self, store: Store, ctx: RecContext) -> None:
        params = dict(store.query("SELECT key, value FROM gt_params").iter_rows())
        self.params = MatchParams.from_json(params["match_params"])
        self.form = params.get("world_form", "linear")
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

    def features(self, users: np.ndarray, items: np.ndarray) -> dict[str, np.ndarray]:
        """The generator's observable pair features, each (len(users), len(items)); hours gap in hours."""
        ctx = self.ctx
        s_sk = ctx.seeker_skills[users]
        ess, opt = ctx.vacancy_essential[items], ctx.vacancy_optional[items]
        n_ess = np.maximum(np.asarray(ess.sum(axis=1)).ravel(), 1.0)
        n_opt = np.maximum(np.asarray(opt.sum(axis=1)).ravel(), 1.0)
        desired = ctx.desired_occupations
        dist = haversine_km(
            ctx.seeker_array("lat")[users][:, None], ctx.seeker_array("lon")[users][:, None],
            ctx.vacancy_array("lat")[items][None, :], ctx.vacancy_array("lon")[items][None, :],
        )  # fmt: skip
        commute = np.maximum(ctx.seeker_array("max_commute_km")[users].astype(float), 1.0)
        isced = ctx.seeker_array("isced_level")[users].astype(float)
        hours = ctx.seeker_array("hours_wanted")[users].astype(float)
        return {
            "cov_essential": (s_sk @ ess.T).toarray() / n_ess[None, :],
            "cov_optional": (s_sk @ opt.T).toarray() / n_opt[None, :],
            "desired": desired.seekers[users][:, desired.vacancy_columns[items]].toarray().astype(float),
            "dist_ratio": dist / commute[:, None],
            "edu_shortfall": np.clip(ctx.vacancy_array("min_isced")[items].astype(float)[None, :] - isced[:, None], 0, None),
            "hours_gap": np.abs(ctx.vacancy_array("hours")[items].astype(float)[None, :] - hours[:, None]),
        }  # fmt: skip

    def utility(self, users: np.ndarray, items: np.ndarray) -> np.ndarray:
        """True utility matrix (len(users), len(items)) of the generator's model in this world's form."""
        return self._utility(self.features(users, items), users, items)

    def expected_gain(
        self, users: np.ndarray, items: np.ndarray, window: tuple[np.datetime64, np.datetime64] | None = None
    ) -> np.ndarray:
        """E[gain] (applied 1, interview 2, hired 3) of each pair under the generative process.

        The callback part uses merit only: the injected bias is left out so the oracle needs no protected
        attributes. With ``window`` (start, end), the gain is the one the test truth records: the pair
        counts only if its application falls inside the window, and its interview and hire count only if
        they too happen before the window's end.
        """
        p = self.params
        f = self.features(users, items)
        u = self._utility(f, users, items)
        p_shown = 1 - (1 - p.p_consultant_shown) * (1 - p.p_self_shown)
        p_viewed = (1 - p_shown) + p_shown * sigmoid(p.view_bias + p.view_util * u)
        p_apply = sigmoid(p.apply_bias + u)
        experience = self.ctx.seeker_array("experience_years")[users].astype(float)[:, None]
        merit = form_callback_merit(
            self.form, p, cov_essential=f["cov_essential"], edu_shortfall=f["edu_shortfall"],
            experience_years=experience,
        )  # fmt: skip
        p_callback, p_hire = sigmoid(merit), sigmoid(p.hire_bias + p.hire_util * u)
        in_window = self._in_window(items, window)
        steps = in_window[0] + p_callback * (in_window[1] + p_hire * in_window[2])
        value: np.ndarray = (
            self._candidate_probability(users, items, f["desired"]) * p_viewed * p_apply * steps
        )
        return value

    def _in_window(
        self, items: np.ndarray, window: tuple[np.datetime64, np.datetime64] | None
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Per item, the chance that the application falls in the window and that the interview and the hire
        also land before its end; all ones without a window."""
        if window is None:
            one = np.ones(len(items))
            return one, one, one
        posted = _days(self.ctx.vacancy_array("posted")[items].astype("datetime64[D]"))
        deadline = _days(self.ctx.vacancy_array("deadline")[items].astype("datetime64[D]"))
        span = np.maximum(deadline - posted, 1e-9)
        start, end = float(_days(window[0])), float(_days(window[1]))

        def share(lo: float, hi: float) -> np.ndarray:
            """P(first contact in [lo, hi]) for a contact uniform in [posted, deadline)."""
            value: np.ndarray = np.clip(np.minimum(deadline, hi) - np.maximum(posted, lo), 0, None) / span
            return value

        first = start - APPLIED_AFTER
        return (share(first, end - APPLIED_AFTER), share(first, end - INTERVIEW_AFTER),
                share(first, end - HIRED_AFTER))  # fmt: skip

    def _candidate_probability(self, users: np.ndarray, items: np.ndarray, desired: np.ndarray) -> np.ndarray:
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
        from_desired = desired / (np.maximum(n_desired[:, None], 1.0) * occ_count[None, :])
        value: np.ndarray = p.local_share * local + (1 - p.local_share) * from_desired
        return value

    def _utility(self, f: dict[str, np.ndarray], users: np.ndarray, items: np.ndarray) -> np.ndarray:
        return form_utility(
            self.form, self.params, **f,
            taste=self.seeker_taste[users] @ self.vacancy_taste[items].T,
            attractiveness=self.attractiveness[items][None, :],
        )  # fmt: skip
