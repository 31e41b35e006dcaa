"""Fairness-aware re-ranking of candidate shortlists: DetConstSort and FA*IR, off by default.

Both methods take a ranking's scores and each candidate's group label and return a permutation of the
candidates (nothing added, nothing removed); within a group the score order is always kept.

- ``detconstsort`` (Geyik, Ambler & Kenthapadi, KDD 2019, "DetConstSort"): for every prefix length ``i``
  up to ``k``, each group ``g`` gets at least ``floor(p_g * i)`` of the first ``i`` places, where ``p`` is
  the target distribution (by default the groups' shares of the candidate pool, the qualified pool after
  hard filters). Candidates enter when their group's minimum rises and then move up past lower-scored
  candidates as far as those can move down without breaking their own minimum.
- ``fair`` (Zehlike et al., CIKM 2017, FA*IR): one protected set of groups; every prefix ``i`` must hold at
  least ``m(i)`` protected candidates, the ``alpha`` quantile of Binomial(i, p), with ``alpha`` adjusted
  for testing all ``k`` prefixes (:func:`adjust_alpha`). Otherwise the best remaining candidate comes next.

Protected attributes are read by :func:`data.protected.protected_groups` only (re-exported here), the one
reader of the protected table; they never become features of any model. The re-ranking step sees labels only.
"""

from __future__ import annotations

import math
import zlib
from collections.abc import Hashable, Iterable, Mapping, Sequence
from functools import lru_cache
from typing import Any, Literal, get_args

import numpy as np
import polars as pl

from data import columns as C
from data.protected import age_band, group_frame, protected_groups

RerankMethod = Literal["off", "detconstsort", "fair"]
RERANK_METHODS: tuple[str, ...] = get_args(RerankMethod)
RERANK_COLUMN = "fair_rerank"  # which re-ranking produced a shortlist (for audits and the dashboard)
GROUP_ATTRIBUTES = ("gender", "age_band", "origin_group", "disability")
DEFAULT_RERANK_ATTRIBUTES = ("age_band",)
# Groups the generator's history disadvantages; FA*IR protects the union of these by default.
DEFAULT_PROTECTED = ("origin_group=ikke-vestlig",)
# What each method constrains by default, chosen on the fairness audit of the default world
# (evaluation/results/fairness): the shortlists' largest skew is by age band; FA*IR protects the group
# the historical callbacks disadvantaged most.
RERANK_DEFAULTS: dict[str, dict[str, Any]] = {
    "off": {},
    "detconstsort": {"attributes": ("age_band",), "rounding": "systematic"},
    "fair": {"attributes": ("origin_group",), "protected": DEFAULT_PROTECTED, "alpha": 0.1},
}
_EPS = 1e-9


# --- groups ---------------------------------------------------------------------------------------------


def rerank_seed(key: str) -> int:
    """A stable seed per list (e.g. the vacancy id), so a shortlist re-ranks the same way every time."""
    return zlib.crc32(key.encode("utf-8"))


def combine_labels(groups: pl.DataFrame, attributes: Sequence[str]) -> list[str]:
    """One label per row for the intersection of ``attributes``, e.g. ``origin_group=dansk|age_band=<30``."""
    cols = [groups[a].cast(pl.String).fill_null("ukendt").to_list() for a in attributes]
    return [
        "|".join(f"{a}={v}" for a, v in zip(attributes, vals, strict=True))
        for vals in zip(*cols, strict=True)
    ]


# --- the entry point ------------------------------------------------------------------------------------


def fair_rerank(
    scores: Sequence[float] | np.ndarray,
    groups: Sequence[Hashable] | np.ndarray,
    method: RerankMethod = "off",
    *,
    k: int | None = None,
    target: Mapping[Hashable, float] | None = None,
    protected: Iterable[Hashable] | None = None,
    alpha: float = 0.1,
    rounding: Literal["floor", "systematic"] = "floor",
    seed: int = 0,
) -> np.ndarray:
    """A permutation (indices into the input) that ranks the candidates under ``method``.

    ``scores``: higher is better; ties keep input order. ``groups``: one label per candidate.
    ``k``: how many leading places are constrained (default: all). ``target``: group -> share for
    ``detconstsort`` (default: the input's shares, i.e. the qualified pool); for ``fair``, the target
    share ``p`` of the protected set is ``sum(target[g] for g in protected)``. ``protected``: labels
    FA*IR protects (default: every label containing one of :data:`DEFAULT_PROTECTED`).
    """
    s = np.asarray(scores, dtype=np.float64)
    labels = list(groups)
    if s.ndim != 1 or len(labels) != len(s):
        raise ValueError("scores must be one-dimensional with one group label per score")
    if not np.isfinite(s).all():
        raise ValueError("scores must be finite")
    n = len(s)
    k = n if k is None else int(k)
    if k < 0:
        raise ValueError("k must be >= 0")
    k = min(k, n)
    order = np.argsort(-s, kind="stable")
    if method == "off" or n == 0 or k == 0:
        return order
    shares = dict(target) if target is not None else _shares(labels)
    if any(v < 0 for v in shares.values()) or sum(shares.values()) > 1 + 1e-6:
        raise ValueError("target shares must be >= 0 and sum to at most 1")
    if method == "detconstsort":
        final = None
        if rounding == "systematic":
            final = target_counts(shares, k, float(np.random.default_rng(seed).random()))
        elif rounding != "floor":
            raise ValueError(f"unknown rounding {rounding!r}: floor or systematic")
        head = _detconstsort(s, labels, order, shares, k, final)
    elif method == "fair":
        chosen = set(protected) if protected is not None else _default_protected(labels)
        is_protected = np.array([g in chosen for g in labels], dtype=bool)
        p = (
            float(sum(shares.get(g, 0.0) for g in chosen))
            if target is not None
            else float(is_protected.mean())
        )
        head = _fair(order, is_protected, min(max(p, 0.0), 1.0), k, alpha)
    else:
        raise ValueError(f"unknown re-ranking method {method!r}: one of {RERANK_METHODS}")
    taken = np.zeros(n, dtype=bool)
    taken[head] = True
    return np.concatenate([np.asarray(head, dtype=np.int64), order[~taken[order]]])


def _shares(labels: list[Hashable]) -> dict[Hashable, float]:
    n = len(labels)
    out: dict[Hashable, float] = {}
    for g in labels:
        out[g] = out.get(g, 0.0) + 1.0 / n
    return out


def _default_protected(labels: list[Hashable]) -> set[Hashable]:
    """Labels equal to a protected value or holding ``attribute=value`` of one (intersection labels)."""
    values = {v.split("=", 1)[1] for v in DEFAULT_PROTECTED}
    return {
        g for g in set(labels) if str(g) in values or any(p in str(g).split("|") for p in DEFAULT_PROTECTED)
    }


def minimum_counts(shares: Mapping[Hashable, float], i: int) -> dict[Hashable, int]:
    """DetConstSort's minimum per group in a prefix of length ``i``: ``floor(p_g * i)``."""
    return {g: math.floor(p * i + _EPS) for g, p in shares.items()}


# --- DetConstSort ---------------------------------------------------------------------------------------


def target_counts(shares: Mapping[Hashable, float], k: int, u: float) -> dict[Hashable, int]:
    """Group sizes for a list of ``k`` with expectation ``p_g * k`` each: ``floor(p_g * k)``, plus one for
    as many groups as the fractional parts add up to, chosen by systematic sampling with offset ``u`` in
    [0, 1) (group g gains one with probability equal to its fractional part; groups in label order)."""
    out: dict[Hashable, int] = {}
    cum = 0.0
    for g in sorted(shares, key=str):
        x = shares[g] * k
        base = math.floor(x + _EPS)
        frac = max(x - base, 0.0) if x - base > _EPS else 0.0
        out[g] = base + math.floor(cum + frac + u + _EPS) - math.floor(cum + u + _EPS)
        cum += frac
    return out


def _detconstsort(
    s: np.ndarray,
    labels: list[Hashable],
    order: np.ndarray,
    shares: Mapping[Hashable, float],
    k: int,
    final: Mapping[Hashable, int] | None = None,
) -> list[int]:
    """DetConstSort; with ``final`` (group sizes of the first ``k``), the minimums are ``floor(p_g * i)``
    below ``k`` and ``final`` at ``k`` (see :func:`target_counts`)."""
    rank = np.empty(len(order), dtype=np.int64)
    rank[order] = np.arange(len(order))
    queues: dict[Hashable, list[int]] = {}
    for idx in order.tolist():
        queues.setdefault(labels[idx], []).append(idx)
    taken = dict.fromkeys(queues, 0)
    placed: list[int] = []  # candidate indices in list order
    deadline: list[int] = []  # the last 1-based place each may occupy (its group's minimum needs it)
    i = 0
    while len(placed) < k:
        open_groups = [g for g in queues if shares.get(g, 0.0) > 0 and taken[g] < len(queues[g])]
        if not open_groups or (final is not None and i >= k):  # no minimum can rise any more
            break
        # jump to the next prefix length at which some group's minimum rises
        nxt = min(_first_prefix(shares[g], taken[g] + 1) for g in open_groups)
        i = max(i + 1, min(nxt, k) if final is not None else nxt)
        mins = dict(final) if final is not None and i >= k else minimum_counts(shares, i)
        due = [g for g in open_groups if taken[g] < mins.get(g, 0)]
        due.sort(key=lambda g: (-s[queues[g][taken[g]]], rank[queues[g][taken[g]]]))
        for g in due:
            for _ in range(mins[g] - taken[g]):
                if taken[g] >= len(queues[g]):
                    break
                idx = queues[g][taken[g]]
                taken[g] += 1
                placed.append(idx)
                deadline.append(i)
                pos = len(placed) - 1
                # Move up past lower-scored candidates that may still move one place down.
                while pos > 0 and s[placed[pos - 1]] < s[placed[pos]] and deadline[pos - 1] >= pos + 1:
                    placed[pos - 1], placed[pos] = placed[pos], placed[pos - 1]
                    deadline[pos - 1], deadline[pos] = deadline[pos], deadline[pos - 1]
                    pos -= 1
    # Past k only candidates of the last round can sit, and none of them must be within the first k.
    placed = placed[:k]
    if len(placed) < k:  # constraints could not fill the head: the best remaining candidates follow
        used = set(placed)
        placed += [idx for idx in order.tolist() if idx not in used][: k - len(placed)]
    return placed


def _first_prefix(p: float, count: int) -> int:
    """The shortest prefix length ``i`` with ``floor(p * i) >= count``."""
    i = max(1, math.ceil((count - _EPS) / p) - 1)
    while math.floor(p * i + _EPS) < count:
        i += 1
    return i


# --- FA*IR ----------------------------------------------------------------------------------------------


def fair_minimum_table(k: int, p: float, alpha: float) -> list[int]:
    """``m(i)`` for i = 1..k: the fewest protected candidates a prefix of length ``i`` may hold, the
    smallest ``m`` with ``BinomCDF(m; i, p) > alpha`` (a ranking failing that is unlikely to be fair)."""
    if not 0 <= p <= 1 or not 0 <= alpha < 1:
        raise ValueError("p must be in [0, 1] and alpha in [0, 1)")
    return _table(_cdf(k, p), alpha)


@lru_cache(maxsize=4096)
def _cdf(k: int, p: float) -> np.ndarray:
    """BinomCDF(m; i, p) for i = 1..k (rows) and m = 0..k (columns)."""
    from scipy.stats import binom  # here, not at import: scipy.stats costs ~1 s of every process's start

    i = np.arange(1, k + 1)[:, None]
    m = np.arange(k + 1)[None, :]
    return np.asarray(binom.cdf(m, i, p), dtype=np.float64)


def _table(cdf: np.ndarray, alpha: float) -> list[int]:
    # CDF rises in m, so the smallest m with CDF > alpha is the number of m with CDF <= alpha.
    return [int(x) for x in (cdf <= alpha).sum(axis=1)]


def fail_probability(table: Sequence[int], p: float) -> float:
    """Chance that a fair ranking (each place protected with probability ``p``, independently) fails the
    test at some prefix: dynamic programming over the count of protected candidates so far."""
    k = len(table)
    alive = np.zeros(k + 1)
    alive[0] = 1.0
    for i in range(1, k + 1):
        step = np.zeros(k + 1)
        step[:i] += alive[:i] * (1 - p)
        step[1 : i + 1] += alive[:i] * p
        step[: table[i - 1]] = 0.0
        alive = step
    return float(1.0 - alive.sum())


@lru_cache(maxsize=4096)
def adjust_alpha(k: int, p: float, alpha: float, *, tol: float = 0.1, max_steps: int = 60) -> float:
    """Zehlike et al.'s multiple-testing correction: the per-prefix significance whose table lets a fair
    ranking fail *any* of the ``k`` tests with probability about ``alpha``.

    Bisection on (0, alpha]: a failure probability above ``alpha`` halves the upper end, otherwise the
    lower end rises. The failure probability is a step function of the per-prefix level, so the search
    stops at the first level within ``tol * alpha`` of ``alpha``; if none is, it returns the level seen
    whose failure probability came closest.
    """
    if not 0 < alpha < 1:
        raise ValueError("alpha must be in (0, 1)")
    if p <= 0 or p >= 1 or k == 0:
        return alpha
    cdf = _cdf(k, p)
    lo, hi = 0.0, alpha
    best, best_gap = alpha, abs(fail_probability(_table(cdf, alpha), p) - alpha)
    if best_gap <= tol * alpha:
        return alpha
    for _ in range(max_steps):
        mid = (lo + hi) / 2
        fail = fail_probability(_table(cdf, mid), p)
        gap = abs(fail - alpha)
        if gap < best_gap:
            best, best_gap = mid, gap
        if gap <= tol * alpha:
            return mid
        if fail > alpha:
            hi = mid
        else:
            lo = mid
    return best


def _fair(order: np.ndarray, is_protected: np.ndarray, p: float, k: int, alpha: float) -> list[int]:
    table = fair_minimum_table(k, p, adjust_alpha(k, p, alpha))
    prot = [int(i) for i in order if is_protected[i]]
    rest = [int(i) for i in order if not is_protected[i]]
    rank = np.empty(len(order), dtype=np.int64)
    rank[order] = np.arange(len(order))
    a = b = 0
    out: list[int] = []
    for i in range(k):
        short = table[i] > a  # a = protected candidates placed so far
        if a < len(prot) and (short or b >= len(rest) or rank[prot[a]] < rank[rest[b]]):
            out.append(prot[a])
            a += 1
        elif b < len(rest):
            out.append(rest[b])
            b += 1
    return out


def rerank_frame(
    frame: pl.DataFrame,
    groups: pl.DataFrame,
    method: RerankMethod,
    *,
    score: str,
    k: int,
    key: str = "",
    **options: Any,
) -> pl.DataFrame:
    """Re-rank a candidate frame (one row per seeker, ``score`` column) and keep its first ``k`` rows.

    ``groups`` comes from :func:`protected_groups`; ``options`` override :data:`RERANK_DEFAULTS` of the
    method (``attributes`` whose intersection labels the groups, ``rounding``, ``protected``, ``alpha``);
    ``key`` (e.g. the vacancy id) seeds the systematic rounding. The result carries :data:`RERANK_COLUMN`
    naming the method (``"off"`` too) and ``rank`` 1..k.
    """
    if method not in RERANK_METHODS:
        raise ValueError(f"unknown re-ranking method {method!r}: one of {RERANK_METHODS}")
    opts = {**RERANK_DEFAULTS[method], **options}
    attributes = tuple(opts.pop("attributes", DEFAULT_RERANK_ATTRIBUTES))
    joined = frame.select(C.SEEKER_ID).join(groups, on=C.SEEKER_ID, how="left", maintain_order="left")
    labels = combine_labels(joined, attributes)
    perm = fair_rerank(frame[score].to_numpy(), labels, method, k=k, seed=rerank_seed(key), **opts)
    out = frame[perm[:k].tolist()]
    value: pl.DataFrame = out.with_columns(
        pl.int_range(1, out.height + 1).alias("rank"), pl.lit(method).alias(RERANK_COLUMN)
    )
    return value


__all__ = [
    "DEFAULT_RERANK_ATTRIBUTES",
    "GROUP_ATTRIBUTES",
    "RERANK_COLUMN",
    "RERANK_DEFAULTS",
    "RERANK_METHODS",
    "RerankMethod",
    "adjust_alpha",
    "age_band",
    "combine_labels",
    "fail_probability",
    "fair_minimum_table",
    "fair_rerank",
    "group_frame",
    "minimum_counts",
    "protected_groups",
    "rerank_frame",
    "rerank_seed",
    "target_counts",
]
