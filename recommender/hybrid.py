"""The hybrid, two-sided ranker: LightGBM trees over raw pair signals (and LightFM's score), learned from
history on a time split: the trees learn from consecutive horizon-long windows, each ranked as of its first
day, from the served candidates of that day (with LightFM's score as a feature, from the one window after
LightFM's training period only).

- Citizen side: a lambdarank ensemble, one group per citizen (applications against sampled
  non-applications and vetoed suggestions), mapped to P(apply) by a one-variable logistic calibration.
- Employer side: a binary ensemble, P(moves the applicant on to interview | applied), from that period's
  applications (merit features only).

The two-sided ("reciprocal") score is P(apply) x (1 + P(interview | applied)): the expected steps of the
funnel a suggestion brings, an application and an interview after it, as the evaluation's gains count them.
(The bare product, the chance of an interview, let the employer side's spread swamp the citizen's: it
ranked 0.005-0.011 NDCG@10 worse on the linear and threshold forms.) Its log is the score each explanation adds up to (``recommender.explain``).
"""

from __future__ import annotations

import zipfile
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import Any, Literal

import numpy as np
import polars as pl
from pydantic import Field
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import roc_auc_score

from core import artefacts, formats
from core.config import ModelConfig
from core.errors import ArtefactError
from data import columns as C
from recommender.base import Recommender
from recommender.context import HORIZON_DAYS, RecContext
from recommender.explain import (
    by_reason,
    log1p_sigmoid,
    log1p_sigmoid_attribution,
    log_sigmoid,
    log_sigmoid_attribution,
)
from recommender.features import EMPLOYER_FEATURES, MONOTONE, aligned_features, apply_features, pair_features
from recommender.gbm import TreeConfig, TreeModel
from recommender.lightfm_model import LightFMConfig, LightFMRecommender
from recommender.ranker_data import (
    Examples,
    apply_examples,
    apply_labels,
    callback_labels,
    served_pools,
    windows,
)
from recommender.serving import RETRIEVAL_DEPTH

PAIRS_PER_CHUNK = 1_000_000  # feature rows built at once when scoring many users


class HybridConfig(ModelConfig):
    """The hybrid's settings, its LightFM part included; saved with the model."""

    lightfm: LightFMConfig = LightFMConfig()
    # LightFM's score as a ranking feature: off, since the ablation (evaluation/ablation.py) finds no gain
    # (-0.017 NDCG@10, paired CI [-0.025, -0.009] on seed 42, where it also limits the trees to one window;
    # +0.004 [-0.008, 0.016] for citizens with history);
    # LightFM is still fitted, for the ablation and the benchmarks.
    use_lightfm: bool = False
    negatives_per_user: int = 50  # sampled non-applications per citizen for the citizen-side model
    # Horizon-long windows of history the trees learn from, newest first (one when LightFM's score is a
    # feature: the trees must not learn on LightFM's own training period).
    ranker_windows: int = Field(default=5, ge=1)
    # Where a window's negatives are drawn from: what serving would have retrieved that day ("served"), or
    # every vacancy open in the window in reach ("open", no retrieval depth).
    negatives_from: Literal["served", "open"] = "served"
    # Citizen groups (summed over the windows) the citizen-side trees learn from at most: a seeded sample
    # above it. The default world has about 11,000 over five windows; a Copenhagen-sized one about 10x that,
    # whose rows took the trees many minutes (twice per build, with the calibration's twin) for no
    # measurable gain.
    max_ranker_citizens: int | None = Field(default=12_000, ge=1)
    seen_negatives: bool = False  # also learn from what the citizen was shown and did not apply to
    seed: int = 0  # draws the sampled negatives
    apply_trees: TreeConfig = TreeConfig(objective="lambdarank")
    employer_trees: TreeConfig = TreeConfig(objective="binary")


@dataclass(frozen=True)
class Calibration:
    """P(apply) = sigmoid(slope * ranking score + intercept); slope > 0 keeps the order and the signs."""

    slope: float = 1.0
    intercept: float = 0.0


class HybridRecommender(Recommender):
    """LightFM + trees over raw signals; see the module docstring.

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
        self.apply_features = apply_features(self.config.use_lightfm)
        self.apply_: TreeModel | None = None
        self.calibration_ = Calibration()
        self.employer_: TreeModel | None = None
        self.fit_stats_: dict[str, float] = {}

    def fit(self, ctx: RecContext, positives: pl.DataFrame, ranker_events: pl.DataFrame | None = None
            ) -> HybridRecommender:  # fmt: skip
        """``positives`` train LightFM; ``ranker_events`` (seeker, vacancy, event, ts: the history the trees
        may learn from, ending where the test or service begins) train the trees, cut into windows. Without
        them the trees train on ``positives`` with sampled negatives, as of ``ctx``'s day."""
        if self.lightfm.user_embeddings_ is None:
            self.lightfm.fit(ctx, positives)
        events = (
            ranker_events
            if ranker_events is not None
            else positives.with_columns(pl.lit(C.APPLIED).alias(C.EVENT))
        )
        ex = self._apply_examples(ctx, events)
        cfg = self.config
        self.apply_ = TreeModel(self.apply_features, cfg.apply_trees, MONOTONE).fit(ex.x, ex.y, ex.groups)
        raw = self.apply_.raw(ex.x)
        self.calibration_ = _calibrate(raw, ex.y)
        self.fit_stats_ = {"apply_examples": float(len(ex.y)), "apply_positives": float(ex.y.sum()),
                           "apply_auc_train": float(roc_auc_score(ex.y, raw))}  # fmt: skip
        xe, ye = self._employer_examples(ctx, events)
        self.employer_ = None
        if len(np.unique(ye)) == 2:
            self.employer_ = TreeModel(EMPLOYER_FEATURES, cfg.employer_trees, MONOTONE).fit(xe, ye)
            self.fit_stats_["employer_examples"] = float(len(ye))
            self.fit_stats_["employer_auc_train"] = float(roc_auc_score(ye, self.employer_.raw(xe)))
        return self

    def _apply_examples(self, ctx: RecContext, events: pl.DataFrame) -> Examples:
        """The citizen side's groups from each window, ranked as of its first day (see the module docstring)."""
        cfg = self.config
        cut = (
            windows(events, 1 if cfg.use_lightfm else cfg.ranker_windows, HORIZON_DAYS)
            if "ts" in events.columns
            else []
        )
        if not cut:  # no timestamps: one window, as of the context's own day
            cut = [(ctx.today(), events)]
        cap = None if cfg.max_ranker_citizens is None else max(1, cfg.max_ranker_citizens // len(cut))
        depth = RETRIEVAL_DEPTH if cfg.negatives_from == "served" else None
        parts = []
        for k, (as_of, frame) in enumerate(cut):
            day = ctx.at(as_of)
            seekers = apply_labels(frame)[0][C.SEEKER_ID].unique().sort().to_list()
            if cap is not None and len(seekers) > cap:  # a seeded sample, drawn before any pool is built
                keep = np.random.default_rng([cfg.seed, k, cap]).choice(len(seekers), cap, replace=False)
                seekers = [seekers[i] for i in np.sort(keep)]
                frame = frame.filter(pl.col(C.SEEKER_ID).is_in(seekers))
            features = partial(self._aligned, day, names=self.apply_features)
            parts.append(apply_examples(day, frame, features, negatives=cfg.negatives_per_user, seed=cfg.seed + k,
                                        candidates=served_pools(day, seekers, depth),
                                        seen_negatives=cfg.seen_negatives))  # fmt: skip
        return Examples.concat(parts)

    # --- features ------------------------------------------------------------------------------------

    def _features(self, ctx: RecContext, users: np.ndarray, items: np.ndarray) -> dict[str, np.ndarray]:
        feats = pair_features(ctx, users, items)
        if self.config.use_lightfm:
            feats["lightfm"] = self.lightfm.score_matrix(ctx, users, items)
        return feats

    def _aligned(
        self, ctx: RecContext, users: np.ndarray, items: np.ndarray, names: tuple[str, ...]
    ) -> np.ndarray:
        """Feature rows of aligned pairs (``users[j]``, ``items[j]``) in ``names`` order."""
        feats = aligned_features(ctx, users, items)
        if "lightfm" in names:
            feats["lightfm"] = self.lightfm.score_pairs(ctx, users, items)
        return np.column_stack([feats[f] for f in names]) if len(users) else np.zeros((0, len(names)))

    def _employer_examples(self, ctx: RecContext, events: pl.DataFrame) -> tuple[np.ndarray, np.ndarray]:
        pairs = callback_labels(events)
        u = ctx.seekers.rows(pairs[C.SEEKER_ID].to_list(), missing=-1)
        i = ctx.vacancies.rows(pairs[C.VACANCY_ID].to_list(), missing=-1)
        keep = (u >= 0) & (i >= 0)
        x = self._aligned(ctx, u[keep], i[keep], EMPLOYER_FEATURES)
        return x, pairs[C.INTERVIEW].to_numpy()[keep].astype(float)

    # --- scoring -------------------------------------------------------------------------------------

    def _logits(self, ctx: RecContext, users: np.ndarray, items: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Calibrated log-odds of applying and of the employer moving on, each (len(users), len(items))."""
        self._check_fitted("apply_")
        assert self.apply_ is not None
        z_apply = np.zeros((len(users), len(items)))
        z_emp = np.full((len(users), len(items)), np.inf)  # no employer model: P(interview | applied) = 1
        step = max(1, PAIRS_PER_CHUNK // max(len(items), 1))
        for start in range(0, len(users), step):
            chunk = users[start : start + step]
            feats = self._features(ctx, chunk, items)
            shape = (len(chunk), len(items))
            xa = np.stack([feats[f] for f in self.apply_features], axis=-1).reshape(
                -1, len(self.apply_features)
            )
            cal = self.calibration_
            z_apply[start : start + step] = (cal.slope * self.apply_.raw(xa) + cal.intercept).reshape(shape)
            if self.employer_ is not None:
                xe = np.stack([feats[f] for f in EMPLOYER_FEATURES], axis=-1).reshape(
                    -1, len(EMPLOYER_FEATURES)
                )
                z_emp[start : start + step] = self.employer_.raw(xe).reshape(shape)
        return z_apply, z_emp

    def parts(self, ctx: RecContext, users: np.ndarray, items: np.ndarray) -> dict[str, np.ndarray]:
        """P(apply), P(interview | applied), the two-sided score P(apply) x (1 + P(interview | applied))
        and ``score`` = its log (what explanations add up to), each (len(users), len(items))."""
        z_apply, z_emp = self._logits(ctx, users, items)
        score = log_sigmoid(z_apply) + log1p_sigmoid(z_emp)
        p_apply, p_move = np.exp(log_sigmoid(z_apply)), np.exp(log_sigmoid(z_emp))
        return {
            "p_apply": p_apply,
            "p_employer": p_move,
            "reciprocal": p_apply * (1 + p_move),
            "score": score,
        }

    def score_matrix(self, ctx: RecContext, users: np.ndarray, items: np.ndarray) -> np.ndarray:
        return self.parts(ctx, users, items)["reciprocal"].astype(np.float32)

    def explain_with_base(
        self, ctx: RecContext, user: int, items: np.ndarray
    ) -> tuple[list[dict[str, float]], float]:
        """Per item, each reason's signed contribution to ``score``, and the base they are added to:
        ``base + sum(contributions) == score`` for every item (TreeSHAP, see ``recommender.explain``)."""
        self._check_fitted("apply_")
        assert self.apply_ is not None
        feats = self._features(ctx, np.array([user]), items)
        xa = np.column_stack([feats[f][0] for f in self.apply_features])
        contrib, base = self.apply_.contributions(xa)
        cal = self.calibration_
        contrib, base_apply = log_sigmoid_attribution(cal.slope * contrib, cal.slope * base + cal.intercept)
        reasons = by_reason(contrib, self.apply_features)
        total_base = float(base_apply[0]) if len(items) else 0.0
        if self.employer_ is not None:
            xe = np.column_stack([feats[f][0] for f in EMPLOYER_FEATURES])
            c_emp, b_emp = self.employer_.contributions(xe)
            c_emp, base_emp = log1p_sigmoid_attribution(c_emp, b_emp)
            for reason, value in by_reason(c_emp, EMPLOYER_FEATURES).items():
                reasons[reason] = reasons.get(reason, 0.0) + value
            total_base += float(base_emp[0]) if len(items) else 0.0
        elif len(items):
            total_base += float(np.log(2.0))  # no employer model: P(interview | applied) taken as 1
        rows = [{r: float(v[j]) for r, v in reasons.items()} for j in range(len(items))]
        return rows, total_base

    def explain(self, ctx: RecContext, user: int, items: np.ndarray) -> list[dict[str, float]]:
        """Per item, each reason's signed contribution to the score (see :meth:`explain_with_base`)."""
        return self.explain_with_base(ctx, user, items)[0]

    def weights(self) -> dict[str, dict[str, float]]:
        """Each side's features by their share of the trees' split gain (what the analyst view shows)."""
        self._check_fitted("apply_")
        assert self.apply_ is not None
        out = {"citizen": self.apply_.importance()}
        if self.employer_ is not None:
            out["employer"] = self.employer_.importance()
        return out


def _calibrate(raw: np.ndarray, y: np.ndarray) -> Calibration:
    """Platt scaling of the ranking score on the training examples; a non-positive slope (a ranker that
    learned nothing) falls back to a tiny positive one so the order is kept."""
    model = LogisticRegression(C=1e4, max_iter=1000).fit(raw[:, None], y)
    return Calibration(slope=max(float(model.coef_[0, 0]), 1e-3), intercept=float(model.intercept_[0]))


# --- persistence -------------------------------------------------------------------------------------

MODEL_HINT = "train it with `jobmatch build`"
ARTEFACT_KIND = "hybrid-recommender"
FORMAT_VERSION = formats.HYBRID  # its history: core/formats.py


def save_hybrid(model: HybridRecommender, root: Path, metadata: dict[str, object]) -> Path:
    """Write a new model version atomically: LightFM arrays as .npz (no pickle), the trees as LightGBM's
    text format; config and calibration in the manifest's metadata."""
    model._check_fitted("apply_")
    assert model.apply_ is not None
    arrays = model.lightfm.to_arrays()
    meta = {**metadata, "config": model.config.model_dump(mode="json"), "weights": model.weights(),
            "calibration": vars(model.calibration_), "employer_model": model.employer_ is not None}  # fmt: skip
    trees = {"apply.txt": model.apply_.to_text()}
    if model.employer_ is not None:
        trees["employer.txt"] = model.employer_.to_text()

    def fill(folder: Path) -> dict[str, object]:
        np.savez(folder / "lightfm.npz", allow_pickle=False, **arrays)
        for name, text in trees.items():
            (folder / name).write_text(text, encoding="utf-8")
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
        text = (folder / "apply.txt").read_text(encoding="utf-8")
        model.apply_ = TreeModel.from_text(text, model.apply_features, config.apply_trees, MONOTONE)
        model.calibration_ = Calibration(**meta["calibration"])
        if meta["employer_model"]:
            text = (folder / "employer.txt").read_text(encoding="utf-8")
            model.employer_ = TreeModel.from_text(text, EMPLOYER_FEATURES, config.employer_trees, MONOTONE)
    except (OSError, ValueError, KeyError, TypeError, zipfile.BadZipFile) as exc:
        raise ArtefactError(f"model {folder} is unreadable ({exc})", hint=MODEL_HINT) from exc
    return model, meta
