"""LightFM (WARP or BPR) on weighted applications, with user and item side features for cold start.

Serving never calls ``predict`` per pair: user and item representations are exported once
(features x embeddings) and scores are one matrix product plus biases.
"""

from __future__ import annotations

import weakref
from typing import Any, Literal

import numpy as np
import polars as pl
import scipy.sparse as sp
from lightfm import LightFM

from core.config import ModelConfig
from data.idmap import IdMap
from data.interactions import FeatureSpace, interaction_matrix
from recommender.base import Recommender
from recommender.context import RecContext


class LightFMConfig(ModelConfig):
    """Everything that shapes a LightFM fit; saved with the model so a loaded one says how it was trained."""

    loss: Literal["warp", "bpr"] = "warp"
    use_features: bool = True  # False: the pure collaborative baseline (identity features only)
    no_components: int = 32
    epochs: int = 30
    learning_rate: float = 0.05
    alpha: float = 1e-6  # L2 penalty on user and item features alike
    seed: int = 0
    threads: int = 1  # one thread keeps training reproducible from the seed


Representations = tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]


class _PerContext:
    """Representations per live context. Keyed by ``id()`` but checked through a weak reference, so a new
    context that reuses a dead one's id never gets the dead one's data (``RecContext`` is unhashable)."""

    def __init__(self) -> None:
        self._entries: dict[int, tuple[weakref.ref[RecContext], Representations]] = {}

    def get(self, ctx: RecContext) -> Representations | None:
        entry = self._entries.get(id(ctx))
        return entry[1] if entry is not None and entry[0]() is ctx else None

    def put(self, ctx: RecContext, value: Representations) -> None:
        key = id(ctx)
        self._entries[key] = (weakref.ref(ctx, lambda _ref: self._entries.pop(key, None)), value)

    def clear(self) -> None:
        self._entries.clear()


class LightFMRecommender(Recommender):
    """LightFM configured by a :class:`LightFMConfig`; keyword overrides are validated into it, so
    ``LightFMRecommender(epochs=10)`` and ``LightFMRecommender(LightFMConfig(epochs=10))`` are the same."""

    def __init__(self, config: LightFMConfig | None = None, **overrides: Any) -> None:
        self.config = (config or LightFMConfig()).updated(**overrides)
        self.model_: LightFM | None = None
        self.space_: FeatureSpace | None = None
        # Training entities (identity features) and learned per-feature parameters.
        self.user_ids_: IdMap | None = None
        self.item_ids_: IdMap | None = None
        self.user_embeddings_: np.ndarray | None = None
        self.user_biases_: np.ndarray | None = None
        self.item_embeddings_: np.ndarray | None = None
        self.item_biases_: np.ndarray | None = None
        self._reprs = _PerContext()

    @property
    def name(self) -> str:  # type: ignore[override]
        return f"lightfm_{self.config.loss}" + ("" if self.config.use_features else "_nofeatures")

    def _feature_matrix(
        self, ids: np.ndarray, lists: list[list[str]], known: IdMap, side: str
    ) -> sp.csr_matrix:
        """[identity for entities seen in training | side features], rows normalised; cold rows: features only."""
        n = len(ids)
        cols = known.rows(ids.tolist(), missing=-1)
        rows = np.flatnonzero(cols >= 0)
        identity = sp.csr_matrix(
            (np.ones(len(rows), dtype=np.float32), (rows, cols[rows])), shape=(n, len(known))
        )
        if not self.config.use_features:
            return identity
        assert self.space_ is not None
        features = self.space_.users(lists) if side == "user" else self.space_.items(lists)
        return _row_normalise(sp.hstack([identity, features], format="csr"))

    def fit(self, ctx: RecContext, positives: pl.DataFrame) -> LightFMRecommender:
        if positives.height == 0:
            raise ValueError("LightFM needs at least one positive interaction to fit")
        matrix = interaction_matrix(positives, ctx.seekers, ctx.vacancies).tocsr()
        warm_users = np.asarray(matrix.sum(axis=1)).ravel() > 0
        warm_items = np.asarray(matrix.sum(axis=0)).ravel() > 0
        self.space_ = FeatureSpace.fit(ctx.user_features, ctx.item_features)
        self.user_ids_ = IdMap(ctx.seekers.ids[warm_users].tolist())
        self.item_ids_ = IdMap(ctx.vacancies.ids[warm_items].tolist())
        user_features = self._feature_matrix(ctx.seekers.ids, ctx.user_features, self.user_ids_, "user")
        item_features = self._feature_matrix(ctx.vacancies.ids, ctx.item_features, self.item_ids_, "item")
        binary = matrix.copy()
        binary.data[:] = 1.0
        cfg = self.config
        model = LightFM(no_components=cfg.no_components, loss=cfg.loss, learning_rate=cfg.learning_rate,
                        item_alpha=cfg.alpha, user_alpha=cfg.alpha, random_state=cfg.seed)  # fmt: skip
        model.fit(binary.tocoo(), sample_weight=matrix.tocoo(), user_features=user_features,
                  item_features=item_features, epochs=cfg.epochs, num_threads=cfg.threads)  # fmt: skip
        self.model_ = model
        self.user_embeddings_, self.user_biases_ = model.user_embeddings, model.user_biases
        self.item_embeddings_, self.item_biases_ = model.item_embeddings, model.item_biases
        self._reprs.clear()
        return self

    def _representations(self, ctx: RecContext) -> Representations:
        """Exported (user_repr, user_bias, item_repr, item_bias) for every entity of ``ctx``, cached."""
        self._check_fitted("user_embeddings_", "item_embeddings_")
        cached = self._reprs.get(ctx)
        if cached is None:
            assert self.user_ids_ is not None and self.item_ids_ is not None
            assert self.user_embeddings_ is not None and self.item_embeddings_ is not None
            assert self.user_biases_ is not None and self.item_biases_ is not None
            uf = self._feature_matrix(ctx.seekers.ids, ctx.user_features, self.user_ids_, "user")
            itf = self._feature_matrix(ctx.vacancies.ids, ctx.item_features, self.item_ids_, "item")
            cached = (uf @ self.user_embeddings_, uf @ self.user_biases_, itf @ self.item_embeddings_,
                      itf @ self.item_biases_)  # fmt: skip
            self._reprs.put(ctx, cached)
        return cached

    def score_matrix(self, ctx: RecContext, users: np.ndarray, items: np.ndarray) -> np.ndarray:
        user_repr, user_bias, item_repr, item_bias = self._representations(ctx)
        value: np.ndarray = (
            user_repr[users] @ item_repr[items].T + user_bias[users][:, None] + item_bias[items][None, :]
        ).astype(np.float32)
        return value

    def score_pairs(self, ctx: RecContext, users: np.ndarray, items: np.ndarray) -> np.ndarray:
        """Scores of aligned pairs (``users[j]``, ``items[j]``), the diagonal of :meth:`score_matrix`."""
        user_repr, user_bias, item_repr, item_bias = self._representations(ctx)
        value: np.ndarray = (
            np.einsum("ij,ij->i", user_repr[users], item_repr[items]) + user_bias[users] + item_bias[items]
        ).astype(np.float32)
        return value

    # --- persistence --------------------------------------------------------------------------------

    def to_arrays(self) -> dict[str, np.ndarray]:
        self._check_fitted("user_embeddings_", "item_embeddings_")
        assert self.space_ is not None and self.user_ids_ is not None and self.item_ids_ is not None
        return {
            "user_embeddings": np.asarray(self.user_embeddings_), "user_biases": np.asarray(self.user_biases_),
            "item_embeddings": np.asarray(self.item_embeddings_), "item_biases": np.asarray(self.item_biases_),
            "user_ids": self.user_ids_.ids.astype(str), "item_ids": self.item_ids_.ids.astype(str),
            "user_vocab": self.space_.user_vocab.ids.astype(str), "item_vocab": self.space_.item_vocab.ids.astype(str),
        }  # fmt: skip

    @classmethod
    def from_arrays(cls, arrays: dict[str, np.ndarray], config: LightFMConfig) -> LightFMRecommender:
        model = cls(config)
        model.space_ = FeatureSpace(
            IdMap(arrays["user_vocab"].tolist()), IdMap(arrays["item_vocab"].tolist())
        )
        model.user_ids_, model.item_ids_ = (
            IdMap(arrays["user_ids"].tolist()),
            IdMap(arrays["item_ids"].tolist()),
        )
        model.user_embeddings_, model.user_biases_ = arrays["user_embeddings"], arrays["user_biases"]
        model.item_embeddings_, model.item_biases_ = arrays["item_embeddings"], arrays["item_biases"]
        return model


def _row_normalise(m: sp.csr_matrix) -> sp.csr_matrix:
    sums = np.asarray(m.sum(axis=1)).ravel()
    return sp.csr_matrix(sp.diags(1.0 / np.maximum(sums, 1e-9)) @ m)
