"""The hybrid, two-sided ranker: LightFM plus content signals, combined by weights learned from history.

Two logistic models on a time-based split (trained on a period after LightFM's training period):
- the citizen side, P(applies | shown the vacancy), from all candidate pairs of that period;
- the employer side, P(moves the applicant on to interview | applied), from that period's applications.
The reciprocal score is their product, the chance a suggestion turns into an interview; both parts are
kept visible. Features are standardised, so each learned weight times the standardised value is that
signal's contribution, which the explanation shows as shares ("kompetencer 42%, ...").
"""

from __future__ import annotations

import zipfile
from pathlib import Path
from typing import Any

import numpy as np
import polars as pl
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import roc_auc_score

from core import artefacts
from core.config import ModelConfig
from core.errors import ArtefactError
from data import columns as C
from data.interactions import POSITIVE_EVENTS, pair_outcomes
from recommender.base import Recommender
from recommender.context import RecContext
from recommender.lightfm_model import LightFMConfig, LightFMRecommender
from recommender.signals import SIGNALS, content_signals

APPLY_FEATURES = ("lightfm", *SIGNALS)
# The employer sees the application, not the citizen's commute or taste: merit signals only.
EMPLOYER_FEATURES = (
    "essential_coverage",
    "optional_coverage",
    "education_shortfall",
    "experience",
    "similarity",
)


class _Logit:
    """Standardised logistic regression with named features."""

    def __init__(self, features: tuple[str, ...], c: float = 1.0) -> None:
        self.features, self.c = features, c
        self.mean_: np.ndarray | None = None
        self.std_: np.ndarray | None = None
        self.coef_: np.ndarray | None = None
        self.intercept_: float = 0.0

    def fit(self, x: np.ndarray, y: np.ndarray, sample_weight: np.ndarray | None = None) -> _Logit:
        if len(np.unique(y)) < 2:
            raise ValueError("the ranker needs both positive and negative examples to learn weights")
        self.mean_, self.std_ = x.mean(axis=0), np.maximum(x.std(axis=0), 1e-6)
        model = LogisticRegression(C=self.c, max_iter=1000)
        model.fit((x - self.mean_) / self.std_, y, sample_weight=sample_weight)
        self.coef_, self.intercept_ = model.coef_[0], float(model.intercept_[0])
        return self

    def logit(self, x: np.ndarray) -> np.ndarray:
        assert self.mean_ is not None and self.std_ is not None and self.coef_ is not None
        value: np.ndarray = ((x - self.mean_) / self.std_) @ self.coef_ + self.intercept_
        return value

    def contributions(self, x: np.ndarray) -> np.ndarray:
        """Per-feature contribution to the logit (weight x standardised value)."""
        assert self.mean_ is not None and self.std_ is not None and self.coef_ is not None
        value: np.ndarray = ((x - self.mean_) / self.std_) * self.coef_
        return value


class HybridConfig(ModelConfig):
    """The hybrid's settings, its LightFM part included; saved with the model."""

    lightfm: LightFMConfig = LightFMConfig()
    negatives_per_user: int = 50  # sampled non-applications per citizen for the citizen-side model
    regularisation: float = 1.0  # C (inverse L2 strength) of both logistic models
    seed: int = 0  # draws the sampled negatives


class HybridRecommender(Recommender):
    """LightFM + content, learned on the period after LightFM's training data; see the module docstring.

    ``lightfm`` (optional) is a LightFM part to use, fitted or not; its config then replaces
    ``config.lightfm``. Keyword overrides are validated into ``config``.
    """

    name = "hybrid"

    def __init__(
        self, lightfm: LightFMRecommender | None = None, config: HybridConfig | None = None, **overrides: Any
    ) -> None:
        config = (config or HybridConfig()).updated(**overrides)
        self.lightfm = lightfm or LightFMRecommender(config.lightfm)
        self.config = config.updated(lightfm=self.lightfm.config)
        self.apply_: _Logit | None = None
        self.employer_: _Logit | None = None
        self.fit_stats_: dict[str, float] = {}

    def fit(self, ctx: RecContext, positives: pl.DataFrame, ranker_events: pl.DataFrame | None = None,
            candidates: dict[str, np.ndarray] | None = None) -> HybridRecommender:  # fmt: skip
        """``positives`` train LightFM; ``ranker_events`` (later period: seeker, vacancy, event) train the
        two logistic models. Without them the ranker trains on ``positives`` with sampled negatives."""
        if self.lightfm.user_embeddings_ is None:
            self.lightfm.fit(ctx, positives)
        events = (
            ranker_events
            if ranker_events is not None
            else positives.with_columns(pl.lit(C.APPLIED).alias(C.EVENT))
        )
        x, y = self._apply_examples(ctx, events, candidates)
        self.apply_ = _Logit(APPLY_FEATURES, self.config.regularisation).fit(x, y)
        xe, ye = self._employer_examples(ctx, events)
        self.employer_ = (
            _Logit(EMPLOYER_FEATURES, self.config.regularisation).fit(xe, ye)
            if len(np.unique(ye)) == 2
            else None
        )
        self.fit_stats_ = {
            "apply_examples": float(len(y)),
            "apply_auc_train": float(roc_auc_score(y, self.apply_.logit(x))),
        }
        if self.employer_ is not None:
            self.fit_stats_["employer_examples"] = float(len(ye))
            self.fit_stats_["employer_auc_train"] = float(roc_auc_score(ye, self.employer_.logit(xe)))
        return self

    # --- training examples ---------------------------------------------------------------------------

    def _features(self, ctx: RecContext, users: np.ndarray, items: np.ndarray) -> dict[str, np.ndarray]:
        signals = content_signals(ctx, users, items)
        signals["lightfm"] = self.lightfm.score_matrix(ctx, users, items)
        exp = np.log1p(ctx.seeker_array("experience_years")[users].astype(float))
        signals["experience"] = np.repeat(exp[:, None], len(items), axis=1).astype(np.float32)
        return signals

    def _apply_examples(self, ctx: RecContext, events: pl.DataFrame, candidates: dict[str, np.ndarray] | None
                        ) -> tuple[np.ndarray, np.ndarray]:  # fmt: skip
        rng = np.random.default_rng(self.config.seed)
        applied = events.filter(pl.col(C.EVENT).is_in(list(POSITIVE_EVENTS)))
        vetoes: dict[str, list[str]] = {}
        if "source" in events.columns:
            vetoed = events.filter((pl.col("event") == "rejected") & (pl.col("source") == "consultant"))
            vetoes = dict(vetoed.group_by(C.SEEKER_ID).agg(pl.col(C.VACANCY_ID).unique()).iter_rows())
        by_user = applied.group_by(C.SEEKER_ID).agg(pl.col(C.VACANCY_ID).unique().sort()).sort(C.SEEKER_ID)
        xs, ys = [], []
        for sid, vids in by_user.iter_rows():
            if sid not in ctx.seekers:
                continue
            pos = ctx.vacancies.rows(vids, missing=-1)
            pos = pos[pos >= 0]
            pool = candidates.get(sid) if candidates else None
            pool = np.arange(len(ctx.vacancies)) if pool is None else pool
            neg = rng.choice(pool, min(self.config.negatives_per_user, len(pool)), replace=False)
            # Suggestions a consultant rejected for this citizen are negatives on top of the sampled ones.
            if sid in vetoes:
                vetoed_pos = ctx.vacancies.rows(list(vetoes[sid]), missing=-1)
                neg = np.union1d(neg, vetoed_pos[vetoed_pos >= 0])
            neg = np.setdiff1d(neg, pos)
            items = np.concatenate([pos, neg])
            feats = self._features(ctx, ctx.seekers.rows([sid]), items)
            xs.append(np.column_stack([feats[f][0] for f in APPLY_FEATURES]))
            ys.append(np.concatenate([np.ones(len(pos)), np.zeros(len(neg))]))
        if not xs:
            raise ValueError("no applications to learn the ranker from")
        return np.vstack(xs), np.concatenate(ys)

    def _employer_examples(self, ctx: RecContext, events: pl.DataFrame) -> tuple[np.ndarray, np.ndarray]:
        pairs = pair_outcomes(events)
        u = ctx.seekers.rows(pairs[C.SEEKER_ID].to_list(), missing=-1)
        i = ctx.vacancies.rows(pairs[C.VACANCY_ID].to_list(), missing=-1)
        keep = (u >= 0) & (i >= 0)
        if keep.sum() == 0:
            return np.zeros((0, len(EMPLOYER_FEATURES))), np.zeros(0)
        x = self._pair_features(ctx, EMPLOYER_FEATURES, u[keep], i[keep])
        return x, pairs[C.INTERVIEW].to_numpy()[keep].astype(float)

    def _pair_features(
        self, ctx: RecContext, names: tuple[str, ...], users: np.ndarray, items: np.ndarray
    ) -> np.ndarray:
        """Features (columns, in ``names`` order) for aligned (user, item) pairs, one pass per distinct user."""
        out = np.zeros((len(users), len(names)), dtype=np.float32)
        for uid in np.unique(users):
            mask = users == uid
            feats = self._features(ctx, np.array([uid]), items[mask])
            out[mask] = np.column_stack([feats[name][0] for name in names])
        return out

    # --- scoring -------------------------------------------------------------------------------------

    def parts(self, ctx: RecContext, users: np.ndarray, items: np.ndarray) -> dict[str, np.ndarray]:
        """P(apply), P(interview | applied) and their product, each (len(users), len(items))."""
        self._check_fitted("apply_")
        assert self.apply_ is not None
        feats = self._features(ctx, users, items)
        shape = (len(users), len(items))
        x = np.stack([feats[f] for f in APPLY_FEATURES], axis=-1).reshape(-1, len(APPLY_FEATURES))
        p_apply = 1 / (1 + np.exp(-self.apply_.logit(x).reshape(shape)))
        if self.employer_ is not None:
            xe = np.stack([feats[f] for f in EMPLOYER_FEATURES], axis=-1).reshape(-1, len(EMPLOYER_FEATURES))
            p_move = 1 / (1 + np.exp(-self.employer_.logit(xe).reshape(shape)))
        else:
            p_move = np.ones(shape)
        return {"p_apply": p_apply, "p_employer": p_move, "reciprocal": p_apply * p_move}

    def score_matrix(self, ctx: RecContext, users: np.ndarray, items: np.ndarray) -> np.ndarray:
        return self.parts(ctx, users, items)["reciprocal"].astype(np.float32)

    def explain(self, ctx: RecContext, user: int, items: np.ndarray) -> list[dict[str, float]]:
        """Share of the citizen-side score each signal carries, per item (positive contributions only)."""
        self._check_fitted("apply_")
        assert self.apply_ is not None
        feats = self._features(ctx, np.array([user]), items)
        x = np.column_stack([feats[f][0] for f in APPLY_FEATURES])
        contrib = np.clip(self.apply_.contributions(x), 0, None)
        total = np.maximum(contrib.sum(axis=1, keepdims=True), 1e-9)
        shares = contrib / total
        return [dict(zip(APPLY_FEATURES, map(float, row), strict=True)) for row in shares]

    def weights(self) -> dict[str, dict[str, float]]:
        """Learned standardised weights of both sides (what the analyst view shows)."""
        self._check_fitted("apply_")
        assert self.apply_ is not None and self.apply_.coef_ is not None
        out = {"citizen": dict(zip(APPLY_FEATURES, map(float, self.apply_.coef_), strict=True))}
        if self.employer_ is not None and self.employer_.coef_ is not None:
            out["employer"] = dict(zip(EMPLOYER_FEATURES, map(float, self.employer_.coef_), strict=True))
        return out


# --- persistence -------------------------------------------------------------------------------------

MODEL_HINT = "train it with `jobmatch build`"
ARTEFACT_KIND = "hybrid-recommender"
# 1: model.json with its own checksums (before the shared artefact scheme); 2: LightFM params only, not the
# hybrid's own settings; 3: the whole HybridConfig under "config".
FORMAT_VERSION = 3


def _logit_state(logit: _Logit | None) -> dict[str, object] | None:
    if logit is None or logit.coef_ is None or logit.mean_ is None or logit.std_ is None:
        return None
    return {"features": list(logit.features), "mean": logit.mean_.tolist(), "std": logit.std_.tolist(),
            "coef": logit.coef_.tolist(), "intercept": logit.intercept_}  # fmt: skip


def _logit_from(state: dict[str, object] | None) -> _Logit | None:
    if state is None:
        return None
    logit = _Logit(tuple(state["features"]))  # type: ignore[arg-type]
    logit.mean_ = np.asarray(state["mean"], dtype=float)
    logit.std_ = np.asarray(state["std"], dtype=float)
    logit.coef_ = np.asarray(state["coef"], dtype=float)
    logit.intercept_ = float(state["intercept"])  # type: ignore[arg-type]
    return logit


def save_hybrid(model: HybridRecommender, root: Path, metadata: dict[str, object]) -> Path:
    """Write a new model version atomically: arrays as .npz (no pickle); config and logistic models in the
    manifest's metadata."""
    model._check_fitted("apply_")
    arrays = model.lightfm.to_arrays()
    meta = {**metadata, "config": model.config.model_dump(mode="json"), "apply": _logit_state(model.apply_),
            "employer": _logit_state(model.employer_), "weights": model.weights()}  # fmt: skip

    def fill(folder: Path) -> dict[str, object]:
        np.savez(folder / "lightfm.npz", allow_pickle=False, **arrays)
        return meta

    return artefacts.save(root, kind=ARTEFACT_KIND, format_version=FORMAT_VERSION, fill=fill)


def load_hybrid(
    root: Path, *, data_version: str | None = None
) -> tuple[HybridRecommender, dict[str, object]]:
    """Load the live version; a model trained on another data version is refused, naming the fix."""
    folder, manifest = artefacts.load(
        root, kind=ARTEFACT_KIND, format_version=FORMAT_VERSION, hint=MODEL_HINT,
        expect={"data_version": data_version},
    )  # fmt: skip
    meta = manifest.meta
    try:
        with np.load(folder / "lightfm.npz", allow_pickle=False) as data:
            arrays = {k: data[k] for k in data.files}
        config = HybridConfig.model_validate(meta["config"])
        model = HybridRecommender(LightFMRecommender.from_arrays(arrays, config.lightfm), config)
        model.apply_, model.employer_ = _logit_from(meta["apply"]), _logit_from(meta["employer"])
    except (OSError, ValueError, KeyError, TypeError, zipfile.BadZipFile) as exc:
        raise ArtefactError(f"model {folder} is unreadable ({exc})", hint=MODEL_HINT) from exc
    return model, meta
