"""The product's intervention model: the DR-learner on citizens' features, plus what explanations need."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import polars as pl
from pydantic import ValidationError
from scipy.special import ndtri

from core.errors import ArtefactError, NotFittedError
from data import columns as C
from recommender.interventions import coverage, persistence
from recommender.interventions.dr_learner import DRLearner, Effects
from recommender.interventions.explain_da import Known, describe_modifier, explanation_da
from recommender.interventions.features import (
    ARMS,
    EFFECT_MODIFIERS,
    FEATURES,
    MODIFIER_GROUPS,
    TREATED,
    EpisodeData,
    feature_matrix,
)
from recommender.interventions.params import DRParams
from recommender.interventions.ranking import ranking_frame
from recommender.interventions.sensitivity import e_values

# The fitted attributes pickled into the artefact; params, metrics and data version live in its manifest.
FITTED_STATE = ("learner_", "reference_", "center_", "scale_", "train_v_", "train_t_", "train_y_")


@dataclass(frozen=True)
class Similar:
    """What the most similar historical citizens experienced (raw shares, not adjusted)."""

    n_programme: int
    employed_programme: float
    n_none: int
    employed_none: float


class InterventionModel:
    """The DR-learner on ``FEATURES`` with the effect varying over ``EFFECT_MODIFIERS``, plus what the
    explanations need (a typical-citizen reference and the historical episodes' modifiers and outcomes)."""

    def __init__(self, params: DRParams | None = None) -> None:
        self.params = params or DRParams()

    learner_: DRLearner
    reference_: np.ndarray  # typical citizen, over EFFECT_MODIFIERS
    center_: np.ndarray
    scale_: np.ndarray
    train_v_: np.ndarray  # float32 (n, len(EFFECT_MODIFIERS)), imputed
    train_t_: np.ndarray
    train_y_: np.ndarray
    metrics_: dict[str, Any]
    data_version_: str
    coverage_: dict[str, Any]  # programme -> measured coverage and the level its interval may be called
    claims_: dict[str, list[list[float]]]  # chance -> bins where its stated value came true (coverage.py)
    version_: str = ""  # the saved version this model is (its artefact folder); "" until saved or loaded

    @property
    def fitted(self) -> bool:
        return hasattr(self, "learner_")

    def _check_fitted(self) -> None:
        if not self.fitted:
            raise NotFittedError("the intervention model is not fitted: call fit() or load() first")

    def fit(self, data: EpisodeData, data_version: str = "") -> InterventionModel:
        modifiers = [FEATURES.index(f) for f in EFFECT_MODIFIERS]
        self.learner_ = DRLearner(self.params, final_features=modifiers).fit(
            data.X, data.t, data.y, data.groups
        )
        V = data.X[:, modifiers]
        med = np.nanmedian(V, axis=0)
        med = np.where(np.isfinite(med), med, 0.0)
        V = np.where(np.isnan(V), med, V)
        ref = med.copy()
        benefit = [EFFECT_MODIFIERS.index(f) for f in MODIFIER_GROUPS["benefit"]]
        ref[benefit] = 0.0
        ref[benefit[int(np.argmax(V[:, benefit].sum(axis=0)))]] = 1.0
        self.reference_ = ref
        self.center_ = V.mean(axis=0)
        sd = V.std(axis=0)
        self.scale_ = np.where(sd > 1e-9, sd, 1.0)
        self.train_v_ = V.astype(np.float32)
        self.train_t_ = data.t.astype(np.int8)
        self.train_y_ = data.y.astype(np.float32)
        self.data_version_ = data_version
        self.version_ = ""  # refitted: no saved version until save()
        self.metrics_ = self._training_metrics(data)
        self.coverage_ = coverage.measured(self.params)
        self.claims_ = coverage.probability_claims(self.params)
        return self

    def _training_metrics(self, data: EpisodeData) -> dict[str, Any]:
        eff = self.learner_.training_effects(data.X)
        z = float(ndtri(0.5 + self.params.level / 2))
        per_arm = {}
        for k, arm in enumerate(TREATED):
            s = eff.supported[:, k]
            ate = float(self.learner_.pseudo_[s, k].mean()) if s.any() else float("nan")
            se = float(np.sqrt(self.learner_.mean_cov_[k, k]))
            sens = e_values(ate, se, float(eff.baseline[s].mean()) if s.any() else float("nan"), z)
            per_arm[arm] = {
                "episodes": int(self.learner_.arm_counts_[k + 1]),
                "share_supported": round(float(s.mean()), 4),
                "mean_effect_supported": round(float(np.nanmean(eff.tau[s, k])), 4) if s.any() else None,
                "dr_ate_supported": round(ate, 4) if s.any() else None,
                "dr_ate_se": round(se, 4) if np.isfinite(se) else None,
                **{key: round(v, 3) if np.isfinite(v) else None for key, v in sens.items()},
            }
        return {
            "episodes": int(data.n),
            "employed_26w": round(float(data.y.mean()), 4),
            "episodes_none": int(self.learner_.arm_counts_[0]),
            "arms": per_arm,
        }

    # --- estimates

    def estimate(self, features: pl.DataFrame) -> Effects:
        """Effects for citizens given as a ``seeker_features`` frame (row order kept)."""
        self._check_fitted()
        return self.learner_.effects(feature_matrix(features))

    def rank(self, features: pl.DataFrame) -> pl.DataFrame:
        """Tidy ranking (``RANKING_COLUMNS``): per citizen every programme, supported ones ranked by effect,
        "none" included at 0; ``indistinguishable_from_best`` when the chance of being at least as good as
        the top pick is at least 5 %; ``interval_level`` and the ``*_shown`` chances only where their
        calibration was measured and held."""
        eff = self.estimate(features)
        levels = coverage.shown_levels(self.coverage_)
        return ranking_frame(features[C.SEEKER_ID].to_list(), eff, levels, self.claims_)

    def drivers(self, features: pl.DataFrame, programme: str, top: int = 3) -> list[tuple[str, float, str]]:
        """The modifier groups that move this citizen's effect most vs a typical citizen: (group, pp, text)."""
        return self.drivers_many(features.head(1), programme, top)[0]

    def drivers_many(
        self, features: pl.DataFrame, programme: str, top: int = 3
    ) -> list[list[tuple[str, float, str]]]:
        """:meth:`drivers` for every row of ``features`` in one prediction (the precomputed table's batch)."""
        self._check_fitted()
        arm = ARMS.index(programme)
        X = feature_matrix(features)
        groups = {g: [EFFECT_MODIFIERS.index(f) for f in cols] for g, cols in MODIFIER_GROUPS.items()}
        contrib = self.learner_.contributions(X, arm, groups, self.reference_)
        V = X[:, [FEATURES.index(f) for f in EFFECT_MODIFIERS]]
        out = []
        for i in range(len(X)):
            row = [(g, float(c[i]), describe_modifier(g, V[i])) for g, c in contrib.items()
                   if abs(float(c[i])) >= 0.002]  # fmt: skip
            row.sort(key=lambda r: -abs(r[1]))
            out.append(row[:top])
        return out

    def similar(self, features: pl.DataFrame, programme: str, k: int = 50) -> Similar:
        """Outcomes of the ``k`` most similar historical citizens who got ``programme``, and who got none."""
        return self.similar_many(features.head(1), [programme], k)[0][programme]

    def similar_many(
        self, features: pl.DataFrame, programmes: list[str], k: int = 50, chunk: int = 16
    ) -> list[dict[str, Similar]]:
        """:meth:`similar` for every row of ``features`` and each of ``programmes``; the distances to the
        historical citizens are computed once per row, ``chunk`` rows at a time (memory: chunk x history)."""
        self._check_fitted()
        V = feature_matrix(features)[:, [FEATURES.index(f) for f in EFFECT_MODIFIERS]]
        med = (
            self.learner_.final_models_[next(iter(self.learner_.final_models_))].fill_
            if self.learner_.final_models_
            else self.center_
        )
        V = np.where(np.isnan(V), med, V)
        z = (self.train_v_ - self.center_) / self.scale_
        arm_rows = {arm: np.flatnonzero(self.train_t_ == arm) for arm in {0, *map(ARMS.index, programmes)}}
        out: list[dict[str, Similar]] = []
        for start in range(0, len(V), chunk):
            q = (V[start : start + chunk] - self.center_) / self.scale_
            for d in np.sqrt(((z[None, :, :] - q[:, None, :]) ** 2).sum(axis=2)):
                near = {arm: _nearest(d, rows, k) for arm, rows in arm_rows.items()}
                seen = {arm: (len(n), float(self.train_y_[n].mean()) if len(n) else float("nan"))
                        for arm, n in near.items()}  # fmt: skip
                out.append({p: Similar(*seen[ARMS.index(p)], *seen[0]) for p in programmes})
        return out

    def explain(
        self,
        features: pl.DataFrame,
        ranking: pl.DataFrame | None = None,
        employers: Mapping[str, pl.DataFrame] | None = None,
        top: int = 3,
        known: Known | None = None,
    ) -> str:
        """A Danish explanation for the consultant: gain in percentage points with its interval, the main
        drivers for this person, what similar citizens experienced, concrete employers, and why some
        programmes have no estimate."""
        self._check_fitted()
        one = features.head(1)
        sid = one[C.SEEKER_ID].item()
        ranking = self.rank(one) if ranking is None else ranking.filter(pl.col(C.SEEKER_ID) == sid)
        return explanation_da(self, one, ranking, employers, top, known)

    # --- persistence

    def save(self, models_dir: str | Path) -> Path:
        """A new live version under ``models_dir/interventions`` (see :mod:`.persistence`); returns its folder."""
        self._check_fitted()
        meta = {
            "data_version": self.data_version_,
            "params": self.params.model_dump(),
            "features": list(FEATURES),
            "effect_modifiers": list(EFFECT_MODIFIERS),
            "arms": list(ARMS),
            "metrics": self.metrics_,
            "interval_coverage": self.coverage_,
            "probability_claims": self.claims_,
        }
        folder = persistence.write_state(
            models_dir, {name: getattr(self, name) for name in FITTED_STATE}, meta
        )
        self.version_ = folder.name
        return folder

    @classmethod
    def load(cls, models_dir: str | Path, data_version: str | None = None) -> InterventionModel:
        """The live version, verified (kind, format, checksum, features, arms, and the data version when
        given: a stale model is refused); the parameters come from the manifest."""
        expect = {"data_version": data_version, "features": list(FEATURES), "arms": list(ARMS)}
        state, meta = persistence.read_state(models_dir, expect)
        hint = persistence.REFIT_HINT
        try:
            model = cls(DRParams.model_validate(meta.get("params")))
        except ValidationError as exc:
            raise ArtefactError(
                f"the intervention model's saved parameters are invalid ({exc})", hint=hint
            ) from exc
        missing = [name for name in FITTED_STATE if name not in state]
        if missing or not isinstance(state["learner_"], DRLearner):
            raise ArtefactError(
                f"the saved intervention model lacks {missing or ['a DR-learner']}", hint=hint
            )
        if state["learner_"].params != model.params:
            raise ArtefactError(
                "the saved intervention model disagrees with its manifest's parameters", hint=hint
            )
        for name in FITTED_STATE:
            setattr(model, name, state[name])
        model.metrics_ = dict(meta.get("metrics") or {})
        model.coverage_ = dict(meta.get("interval_coverage") or {})
        model.claims_ = dict(meta.get("probability_claims") or {})
        model.data_version_ = str(meta.get("data_version", ""))
        model.version_ = str(meta.get(persistence.VERSION_KEY, ""))
        return model


def _nearest(d: np.ndarray, rows: np.ndarray, k: int) -> np.ndarray:
    """The ``k`` of ``rows`` nearest by ``d``, ties by position: a stable sort's first ``k``, without
    sorting every row (the batch computes this for each citizen)."""
    dist = d[rows]
    if len(rows) > k:
        cut = np.partition(dist, k - 1)[k - 1]
        keep = np.flatnonzero(dist <= cut)
        rows, dist = rows[keep], dist[keep]
    return rows[np.argsort(dist, kind="stable")[:k]]
