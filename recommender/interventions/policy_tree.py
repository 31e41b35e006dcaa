"""A shallow policy tree that explains an allocation in a few rules (Athey & Wager 2021, "Policy learning
with observational data"; the exhaustive search of the R package ``policytree``, on binned thresholds).

Input: interpretable features and a reward matrix ``reward[i, p]``. For the capacity-constrained allocation
the reward is the estimated gain of programme ``p`` for citizen ``i`` minus the LP's shadow price of a seat
(``allocation.lp_prices``), so the unconstrained tree imitates the constrained optimum (a Lagrangian
relaxation); NaN = not allowed, which counts as "none" = 0. Depth 1-2 are found by exhaustive search over
``n_thresholds`` quantile thresholds per feature; depth 3 extends the best depth-2 tree greedily, one more
split per leaf where it helps.

Each leaf carries a **ranked list** of programmes (those with a positive mean estimated gain in the leaf,
best price-adjusted reward first, optionally cut to ``list_length``), because one programme per leaf cannot
use the seats of eight programmes. Applied as rules, without any individual estimate: citizens in arrival order take the first
programme on their leaf's list that they are eligible for and that still has a seat
(:meth:`PolicyTree.assign`). Rules print in Danish for consultants.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np
import scipy.sparse as sp

from core.errors import NotFittedError
from data import columns as C
from recommender.interventions.allocation import allocate_by_preferences


@dataclass
class Node:
    """A split (``feature`` <= ``threshold`` goes left) or a leaf (``programme``)."""

    n: int
    value: float
    programme: int = 0
    ranking: list[int] = field(default_factory=list)
    feature: int = -1
    threshold: float = float("nan")
    left: Node | None = None
    right: Node | None = None

    @property
    def is_leaf(self) -> bool:
        return self.left is None


@dataclass
class Rule:
    conditions: list[str]
    programme: str
    programmes: list[str]
    n: int
    share: float
    value: float = 0.0
    raw: list[tuple[int, bool, float]] = field(default_factory=list)


class PolicyTree:
    """Exhaustive depth-<=2 policy tree on binned features (greedy third level), rewards summed per leaf."""

    def __init__(
        self,
        max_depth: int = 2,
        n_thresholds: int = 16,
        min_leaf: int = 50,
        feature_names: Sequence[str] | None = None,
        programmes: Sequence[str] = tuple(C.PROGRAMMES),
        list_length: int | None = None,
    ) -> None:
        if not 1 <= max_depth <= 3:
            raise ValueError("max_depth must be 1, 2 or 3 (a policy tree is meant to be read)")
        self.max_depth, self.n_thresholds, self.min_leaf = max_depth, n_thresholds, min_leaf
        self.feature_names = list(feature_names) if feature_names is not None else None
        self.programmes = list(programmes)
        self.list_length = list_length

    root_: Node
    edges_: list[np.ndarray]
    binary_: list[bool]
    fill_: np.ndarray

    def fit(self, X: np.ndarray, reward: np.ndarray, gain: np.ndarray | None = None) -> PolicyTree:
        """``reward`` drives the splits and the order of each leaf's list; a programme enters a leaf's list
        when its mean ``gain`` (default: ``reward``) in the leaf is positive."""
        X = np.asarray(X, dtype=np.float64)
        R = np.nan_to_num(np.asarray(reward, dtype=np.float64), nan=0.0, posinf=0.0, neginf=0.0)
        gain_m = R if gain is None else np.nan_to_num(np.asarray(gain, dtype=np.float64), nan=0.0)
        if gain_m.shape != R.shape:
            raise ValueError("gain must have the shape of reward")
        if X.ndim != 2 or R.ndim != 2 or len(X) != len(R) or R.shape[1] != len(self.programmes):
            raise ValueError("X must be (n, features) and reward (n, programmes)")
        if len(X) == 0:
            raise ValueError("no rows to fit the policy tree on")
        R[:, 0] = 0.0
        fill = np.nanmedian(X, axis=0)
        self.fill_ = np.where(np.isfinite(fill), fill, 0.0)
        X = np.where(np.isnan(X), self.fill_, X)
        self.edges_ = []
        self.binary_ = [bool(np.isin(np.unique(c), [0.0, 1.0]).all()) for c in X.T]
        bins = np.zeros(X.shape, dtype=np.int64)
        for f in range(X.shape[1]):
            qs = np.unique(np.quantile(X[:, f], np.linspace(0, 1, self.n_thresholds + 1)[1:-1]))
            qs = qs[qs < X[:, f].max()]  # a threshold must leave someone on the right
            self.edges_.append(qs)
            bins[:, f] = np.searchsorted(qs, X[:, f], side="left")
        self._bins, self._R = bins, R
        self._B = max((len(e) for e in self.edges_), default=0) + 1
        n_f = X.shape[1]
        self._onehot = sp.csr_matrix(
            (
                np.ones(len(X) * n_f),
                (np.repeat(np.arange(len(X)), n_f), (np.arange(n_f) * self._B + bins).ravel()),
            ),
            shape=(len(X), n_f * self._B),
        )
        rows = np.arange(len(X))
        self.root_ = self._best(rows, min(self.max_depth, 2))
        if self.max_depth == 3:
            self._extend(self.root_, rows)
        self._rank_leaves(self.root_, rows, gain_m)
        del self._bins, self._R, self._onehot
        return self

    def _rank_leaves(self, node: Node, rows: np.ndarray, gain: np.ndarray) -> None:
        if node.left is None or node.right is None:
            mean_r, mean_g = self._R[rows].mean(axis=0), gain[rows].mean(axis=0)
            cand = [p for p in range(1, len(self.programmes)) if mean_g[p] > 0]
            node.ranking = sorted(cand, key=lambda p: -mean_r[p])[: self.list_length]
            return
        go_left = self._bins[rows, node.feature] <= np.searchsorted(self.edges_[node.feature], node.threshold)
        self._rank_leaves(node.left, rows[go_left], gain)
        self._rank_leaves(node.right, rows[~go_left], gain)

    # --- search

    def _leaf(self, rows: np.ndarray) -> Node:
        sums = self._R[rows].sum(axis=0)
        p = int(np.argmax(sums))
        return Node(n=len(rows), value=float(sums[p]), programme=p)

    def _splits(self, rows: np.ndarray) -> list[tuple[float, int, int]]:
        """All admissible single splits of ``rows``: (value of best leaves left + right, feature, bin)."""
        H = (self._onehot[rows].T @ self._R[rows]).reshape(-1, self._B, self._R.shape[1])  # (F, B, P)
        counts = np.asarray(self._onehot[rows].sum(axis=0)).reshape(-1, self._B)
        left = np.cumsum(H, axis=1)[:, :-1]
        nleft = np.cumsum(counts, axis=1)[:, :-1]
        total = H.sum(axis=1, keepdims=True)
        value = left.max(axis=2) + (total - left).max(axis=2)
        ok = (nleft >= self.min_leaf) & (len(rows) - nleft >= self.min_leaf)
        for f, e in enumerate(self.edges_):
            ok[f, len(e) :] = False
        out = [(float(value[f, b]), f, b) for f, b in zip(*np.nonzero(ok), strict=True)]
        return out

    def _best(self, rows: np.ndarray, depth: int) -> Node:
        leaf = self._leaf(rows)
        if depth == 0 or len(rows) < 2 * self.min_leaf:
            return leaf
        candidates = self._splits(rows)
        if depth == 1:
            if not candidates:
                return leaf
            v, f, b = max(candidates)
            if v <= leaf.value + 1e-12:
                return leaf
            return self._split_node(rows, f, b, 0)
        best = leaf
        for _, f, b in candidates:
            node = self._split_node(rows, f, b, depth - 1)
            if node.value > best.value + 1e-12:
                best = node
        return best

    def _split_node(self, rows: np.ndarray, f: int, b: int, child_depth: int) -> Node:
        go_left = self._bins[rows, f] <= b
        left = self._best(rows[go_left], child_depth)
        right = self._best(rows[~go_left], child_depth)
        return Node(n=len(rows), value=left.value + right.value, feature=f, threshold=float(self.edges_[f][b]),
                    left=left, right=right)  # fmt: skip

    def _extend(self, node: Node, rows: np.ndarray, depth: int = 0) -> None:
        if node.left is None or node.right is None:
            return
        go_left = self._bins[rows, node.feature] <= np.searchsorted(self.edges_[node.feature], node.threshold)
        for side, sub in (("left", rows[go_left]), ("right", rows[~go_left])):
            child = getattr(node, side)
            if child.is_leaf and depth + 1 <= 2:
                better = self._best(sub, 1)
                if better.value > child.value + 1e-12:
                    setattr(node, side, better)
            else:
                self._extend(child, sub, depth + 1)
        node.value = node.left.value + node.right.value

    # --- use

    def _check(self) -> None:
        if not hasattr(self, "root_"):
            raise NotFittedError("the policy tree is not fitted: call fit() first")

    def _leaves(self) -> list[Node]:
        out: list[Node] = []

        def walk(node: Node) -> None:
            if node.left is None or node.right is None:
                out.append(node)
            else:
                walk(node.left)
                walk(node.right)

        walk(self.root_)
        return out

    def apply(self, X: np.ndarray) -> np.ndarray:
        """Leaf number per row (leaves numbered left to right, as in :meth:`rules`)."""
        self._check()
        X = np.asarray(X, dtype=np.float64)
        X = np.where(np.isnan(X), self.fill_, X)
        leaf_no = {id(node): i for i, node in enumerate(self._leaves())}
        out = np.zeros(len(X), dtype=np.int64)
        stack: list[tuple[Node, np.ndarray]] = [(self.root_, np.arange(len(X)))]
        while stack:
            node, rows = stack.pop()
            if node.left is None or node.right is None:
                out[rows] = leaf_no[id(node)]
                continue
            go_left = X[rows, node.feature] <= node.threshold
            stack.append((node.left, rows[go_left]))
            stack.append((node.right, rows[~go_left]))
        return out

    def predict(self, X: np.ndarray) -> np.ndarray:
        """Each row's leaf's best programme (index; 0 = none), ignoring seats."""
        leaves = self._leaves()
        best = np.array([leaf.ranking[0] if leaf.ranking else 0 for leaf in leaves], dtype=np.int64)
        chosen: np.ndarray = best[self.apply(X)]
        return chosen

    def assign(
        self,
        X: np.ndarray,
        groups: np.ndarray,
        capacity: Mapping[tuple[str, str], int],
        allowed: np.ndarray | None = None,
        order: np.ndarray | None = None,
    ) -> np.ndarray:
        """The rules applied under seats: in arrival ``order``, each citizen takes the first programme on
        their leaf's list they are ``allowed`` (n, P bool) and that has a seat left; else none."""
        leaves = self._leaves()
        lists = [leaves[i].ranking for i in self.apply(X).tolist()]
        return allocate_by_preferences(
            lists, np.asarray(groups, dtype=object), self.programmes, capacity, allowed, order
        )

    @property
    def depth(self) -> int:
        self._check()

        def d(node: Node) -> int:
            return 0 if node.left is None or node.right is None else 1 + max(d(node.left), d(node.right))

        return d(self.root_)

    def rules(self, labels: Mapping[str, str] | None = None) -> list[Rule]:
        """One rule per leaf, conditions in Danish (``labels``: feature name -> Danish label)."""
        self._check()
        names = self.feature_names or [f"x{i}" for i in range(len(self.edges_))]
        labels = labels or {}
        total = self.root_.n
        out: list[Rule] = []

        def walk(node: Node, path: list[tuple[int, bool, float]]) -> None:
            if node.left is None or node.right is None:
                conds = [
                    _condition(labels.get(names[f], names[f]), left, thr, self.binary_[f])
                    for f, left, thr in path
                ]
                ranked = [self.programmes[p] for p in node.ranking]
                best = ranked[0] if ranked else self.programmes[0]
                out.append(Rule(conds, best, ranked, node.n, node.n / total, node.value, list(path)))
                return
            walk(node.left, [*path, (node.feature, True, node.threshold)])
            walk(node.right, [*path, (node.feature, False, node.threshold)])

        walk(self.root_, [])
        return out

    def rules_da(self, labels: Mapping[str, str] | None = None) -> list[str]:
        lines = []
        for r in self.rules(labels):
            cond = " og ".join(r.conditions) if r.conditions else "alle borgere"
            ranked = [C.PROGRAMME_LABELS_DA.get(p, p) for p in r.programmes] or [
                C.PROGRAMME_LABELS_DA["none"]
            ]
            count = f"{r.n:,}".replace(",", ".")
            lines.append(f"Hvis {cond}: {' → '.join(ranked)} ({count} borgere, {round(100 * r.share)} %)")
        return lines


def _condition(label: str, left: bool, thr: float, binary: bool) -> str:
    if binary:
        return f"ikke {label}" if left else label
    num = f"{thr:.2f}".rstrip("0").rstrip(".").replace(".", ",")
    return f"{label} ≤ {num}" if left else f"{label} > {num}"
