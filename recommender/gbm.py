"""A LightGBM tree ensemble over named features: ranking (lambdarank, one group per citizen) or binary.

Why trees: the world's true utility may have thresholds, steps and interactions that no fixed linear
feature set captures; trees learn them from data, with monotone constraints where domain knowledge fixes a
direction. Their per-feature contributions (TreeSHAP, ``pred_contrib``) add up exactly to the raw score,
which is what makes a signed explanation truthful.
"""

from __future__ import annotations

from typing import Literal

import lightgbm as lgb
import numpy as np

from core.config import ModelConfig


class TreeConfig(ModelConfig):
    """One ensemble's settings; saved with the model."""

    objective: Literal["lambdarank", "binary"] = "lambdarank"
    # Small on purpose: 60 trees of 7 leaves rank better than 300 of 31 on all four world forms (+0.008 to +0.010,
    # paired CIs above 0) and explain a shown list 40x faster; TreeSHAP's cost was most of a
    # suggestion's CPU (``jobmatch evaluate tree-size``, evaluation/results/recommender/tree_size.md).
    trees: int = 60
    learning_rate: float = 0.15
    leaves: int = 7
    min_leaf: int = 40  # examples per leaf: keeps the trees from fitting single citizens
    feature_fraction: float = 0.9
    l2: float = 1.0
    threads: int = 1  # OpenMP threads spin on a busy machine: one is faster there, and reproducible
    seed: int = 0


class TreeModel:
    """Fitted state in ``booster_``; ``raw`` and ``contributions`` work on (rows, features) matrices."""

    def __init__(self, features: tuple[str, ...], config: TreeConfig, monotone: dict[str, int]) -> None:
        self.features, self.config = features, config
        self.monotone = [int(monotone.get(f, 0)) for f in features]
        self.booster_: lgb.Booster | None = None

    def _params(self) -> dict[str, object]:
        c = self.config
        params: dict[str, object] = {
            "objective": c.objective, "learning_rate": c.learning_rate, "num_leaves": c.leaves,
            "min_data_in_leaf": c.min_leaf, "feature_fraction": c.feature_fraction, "lambda_l2": c.l2,
            "num_threads": c.threads, "seed": c.seed, "deterministic": True, "force_col_wise": True,
            "monotone_constraints": self.monotone, "verbosity": -1,
        }  # fmt: skip
        if c.objective == "lambdarank":
            params["eval_at"] = [10]
        return params

    def fit(self, x: np.ndarray, y: np.ndarray, groups: np.ndarray | None = None) -> TreeModel:
        if len(np.unique(y)) < 2:
            raise ValueError("the ranker needs both positive and negative examples to learn from")
        if self.config.objective == "lambdarank" and groups is None:
            raise ValueError("a ranking objective needs the group sizes (one group per citizen)")
        data = lgb.Dataset(x, label=y, group=groups, feature_name=list(self.features), free_raw_data=True)
        self.booster_ = lgb.train(self._params(), data, num_boost_round=self.config.trees)
        return self

    def _booster(self) -> lgb.Booster:
        if self.booster_ is None:
            raise ValueError("the tree model is not fitted")
        return self.booster_

    def raw(self, x: np.ndarray) -> np.ndarray:
        """Raw scores (log-odds for ``binary``; the ranking scale for ``lambdarank``)."""
        return np.asarray(
            self._booster().predict(x, raw_score=True, num_threads=_threads(x)), dtype=np.float64
        )

    def contributions(self, x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """``(per-feature contributions (rows, features), base value (rows,))``; they sum to :meth:`raw`."""
        out = np.asarray(
            self._booster().predict(x, pred_contrib=True, num_threads=_threads(x)), dtype=np.float64
        )
        return out[:, :-1], out[:, -1]

    def importance(self) -> dict[str, float]:
        """Each feature's share of the total split gain (what the analyst view shows as weights)."""
        gain = self._booster().feature_importance(importance_type="gain").astype(float)
        total = gain.sum() or 1.0
        return {f: round(float(g / total), 6) for f, g in zip(self.features, gain, strict=True)}

    def to_text(self) -> str:
        return str(self._booster().model_to_string())

    @classmethod
    def from_text(cls, text: str, features: tuple[str, ...], config: TreeConfig,
                  monotone: dict[str, int]) -> TreeModel:  # fmt: skip
        model = cls(features, config, monotone)
        model.booster_ = lgb.Booster(model_str=text)
        if tuple(model.booster_.feature_name()) != features:
            raise ValueError(f"saved trees use features {model.booster_.feature_name()}, expected {features}")
        return model


SMALL_PREDICTION = 2_000  # rows; below it one thread is faster (a serving call predicts 10 to 200 rows)


def _threads(x: np.ndarray) -> int:
    """One OpenMP thread for a small prediction: forking a team for ten rows cost more than the trees, and
    under many serving threads the teams' spin-waits took 27 ms a call on 2 busy cores (3 ms alone).
    The scores are the same either way: each row is predicted on its own."""
    return 1 if len(x) < SMALL_PREDICTION else 0  # 0: LightGBM's default (OpenMP's thread count)
