"""Assigning citizens to programmes under seat capacity: an exact assignment LP, and the baselines.

The problem: citizens ``i`` (each in one job centre ``g(i)``), programmes ``p`` (column 0 is "none", always
available), an expected gain ``gain[i, p]`` (NaN where a programme is not allowed for that citizen, e.g. no
effect estimate because of missing overlap) and seats ``capacity[(g, p)]``. Maximise the total expected
gain with each citizen in at most one programme and no more citizens than seats per job centre and
programme. Job centres share no seats, so each is its own problem. The constraint matrix is that of a
transportation problem (totally unimodular), so the LP has an integral optimal vertex; HiGHS (interior point
with crossover to a vertex) finds it in seconds for 25,000 citizens, a MILP solve is the fallback should a
solution ever come back fractional, and every result is checked against the capacities before it is
returned.

Baselines under the same capacities: ``greedy`` (each citizen in arrival order takes their own best
programme that still has seats, as a consultant deciding one citizen at a time would) and ``random``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import polars as pl
import scipy.sparse as sp
from scipy.optimize import Bounds, LinearConstraint, linprog, milp

from core.errors import CapacityError
from data import columns as C

Capacity = Mapping[tuple[str, str], int]


def capacity_from_table(frame: pl.DataFrame, periods: float = 1.0) -> dict[tuple[str, str], int]:
    """``{(jobcenter_id, programme): seats * periods}`` from the ``programme_capacity`` table (floor)."""
    out: dict[tuple[str, str], int] = {}
    for row in frame.iter_rows(named=True):
        key = (str(row[C.JOBCENTER_ID]), str(row[C.PROGRAMME]))
        out[key] = out.get(key, 0) + int(np.floor(int(row["seats"]) * periods + 1e-9))
    return out


def _seats(groups: np.ndarray, programmes: Sequence[str], capacity: Capacity) -> tuple[list[str], np.ndarray]:
    """Job centres in order of first appearance and their seats per programme (column 0 unlimited)."""
    centres = list(dict.fromkeys(groups.tolist()))
    seats = np.zeros((len(centres), len(programmes)), dtype=np.int64)
    for gi, g in enumerate(centres):
        for pi, p in enumerate(programmes):
            seats[gi, pi] = np.iinfo(np.int64).max if pi == 0 else int(capacity.get((g, p), 0))
    return centres, seats


def check_capacity(
    assignment: np.ndarray, groups: np.ndarray, programmes: Sequence[str], capacity: Capacity
) -> dict[tuple[str, str], tuple[int, int]]:
    """``{(centre, programme): (used, seats)}``; raises :class:`CapacityError` if any is over."""
    centres, seats = _seats(groups, programmes, capacity)
    gidx = (
        np.array([centres.index(g) for g in groups.tolist()], dtype=np.int64)
        if len(groups)
        else np.zeros(0, int)
    )
    used = np.zeros_like(seats)
    np.add.at(used, (gidx, assignment), 1)
    report = {}
    for gi, g in enumerate(centres):
        for pi in range(1, len(programmes)):
            report[(g, programmes[pi])] = (int(used[gi, pi]), int(seats[gi, pi]))
            if used[gi, pi] > seats[gi, pi]:
                raise CapacityError(f"{g}/{programmes[pi]}: {used[gi, pi]} assigned, {seats[gi, pi]} seats")
    return report


def allocate(
    gain: np.ndarray,
    groups: np.ndarray,
    programmes: Sequence[str],
    capacity: Capacity,
    method: str = "lp",
    *,
    order: np.ndarray | None = None,
    seed: int = 0,
    time_limit: float = 300.0,
) -> np.ndarray:
    """Programme index per citizen (0 = none). ``method``: ``lp`` (optimal), ``greedy`` or ``random``.

    ``gain``: (n, P) expected gain vs "none" (column 0 is ignored and treated as 0); NaN = not allowed.
    ``order``: arrival order for ``greedy`` (default: row order).
    """
    gain = np.asarray(gain, dtype=np.float64)
    groups = np.asarray(groups, dtype=object)
    if gain.ndim != 2 or gain.shape[1] != len(programmes) or len(groups) != len(gain):
        raise ValueError("gain must be (n citizens, n programmes) and groups must have n entries")
    if method == "lp":
        out = _allocate_lp(gain, groups, programmes, capacity, time_limit)
    elif method == "greedy":
        out = _allocate_greedy(gain, groups, programmes, capacity, order)
    elif method == "random":
        out = _allocate_random(gain, groups, programmes, capacity, seed)
    else:
        raise ValueError(f"unknown allocation method {method!r}: lp, greedy or random")
    check_capacity(out, groups, programmes, capacity)
    allowed = np.isfinite(gain)
    allowed[:, 0] = True
    if not allowed[np.arange(len(out)), out].all():
        raise CapacityError("an assignment uses a programme that is not allowed for that citizen")
    return out


def _allocate_lp(
    gain: np.ndarray, groups: np.ndarray, programmes: Sequence[str], capacity: Capacity, time_limit: float
) -> np.ndarray:
    """Job centres share no seats, so each is its own LP."""
    out = np.zeros(len(gain), dtype=np.int64)
    centres, seats = _seats(groups, programmes, capacity)
    for gi, c in enumerate(centres):
        members = np.flatnonzero(groups == c)
        out[members] = _solve_centre(gain[members], seats[gi], time_limit)
    return out


def _solve_centre(gain: np.ndarray, seats: np.ndarray, time_limit: float) -> np.ndarray:
    n, P = gain.shape
    out = np.zeros(n, dtype=np.int64)
    # Only pairs that could help: allowed, positive gain, and the programme has seats at all.
    g = np.where(np.isfinite(gain), gain, -np.inf)
    g[:, 0] = -np.inf
    rows, cols = np.nonzero((g > 0) & (seats[None, :] > 0))
    if len(rows) == 0:
        return out
    nv = len(rows)
    person = sp.csr_matrix((np.ones(nv), (rows, np.arange(nv))), shape=(n, nv))
    cap = sp.csr_matrix((np.ones(nv), (cols, np.arange(nv))), shape=(P, nv))
    A = sp.vstack([person, cap[1:]]).tocsr()
    b = np.concatenate([np.ones(n), np.minimum(seats[1:], n).astype(np.float64)])
    c = -g[rows, cols]
    res = linprog(c, A_ub=A, b_ub=b, bounds=(0, 1), method="highs-ipm", options={"time_limit": time_limit})
    x = res.x if res.status == 0 else None
    if x is None or np.any((x > 1e-6) & (x < 1 - 1e-6)):
        # The LP is totally unimodular and HiGHS crosses over to a vertex, which is integral; a safety net.
        res = milp(c=c, constraints=[LinearConstraint(A, -np.inf, b)], integrality=np.ones(nv),
                   bounds=Bounds(0, 1), options={"time_limit": time_limit})  # fmt: skip
        x = res.x
    if x is None:
        raise RuntimeError(f"allocation LP failed: {res.message}")
    chosen = x > 0.5
    out[rows[chosen]] = cols[chosen]
    return out


def _allocate_greedy(
    gain: np.ndarray,
    groups: np.ndarray,
    programmes: Sequence[str],
    capacity: Capacity,
    order: np.ndarray | None,
) -> np.ndarray:
    n = len(gain)
    out = np.zeros(n, dtype=np.int64)
    centres, seats = _seats(groups, programmes, capacity)
    left = seats.copy()
    gidx = np.array([centres.index(g) for g in groups.tolist()], dtype=np.int64)
    g = np.where(np.isfinite(gain), gain, -np.inf)
    g[:, 0] = 0.0
    prefs = np.argsort(-g, axis=1, kind="stable")
    for i in order if order is not None else range(n):
        for p in prefs[i]:
            if p == 0 or g[i, p] <= 0:
                break
            if left[gidx[i], p] > 0:
                left[gidx[i], p] -= 1
                out[i] = p
                break
    return out


def _allocate_random(
    gain: np.ndarray, groups: np.ndarray, programmes: Sequence[str], capacity: Capacity, seed: int
) -> np.ndarray:
    """Citizens in random order each draw uniformly from "none" and the allowed programmes with seats left."""
    rng = np.random.default_rng(seed)
    n, P = gain.shape
    out = np.zeros(n, dtype=np.int64)
    centres, seats = _seats(groups, programmes, capacity)
    left = seats.copy()
    gidx = np.array([centres.index(g) for g in groups.tolist()], dtype=np.int64)
    allowed = np.isfinite(gain)
    for i in rng.permutation(n):
        options = [0, *[p for p in range(1, P) if allowed[i, p] and left[gidx[i], p] > 0]]
        p = options[int(rng.integers(0, len(options)))]
        if p:
            left[gidx[i], p] -= 1
            out[i] = p
    return out


def total_gain(gain: np.ndarray, assignment: np.ndarray) -> float:
    """Sum of ``gain[i, assignment[i]]`` with column 0 and NaN counted as 0."""
    g = np.nan_to_num(np.asarray(gain, dtype=np.float64), nan=0.0)
    g[:, 0] = 0.0
    return float(g[np.arange(len(assignment)), assignment].sum())


def lp_prices(
    gain: np.ndarray,
    groups: np.ndarray,
    programmes: Sequence[str],
    capacity: Capacity,
    assignment: np.ndarray,
) -> dict[tuple[str, str], float]:
    """Shadow price of a seat per (centre, programme): the smallest gain among its assigned citizens when
    the seats are full (the marginal citizen's gain), else 0. Used to turn the constrained problem into an
    unconstrained one for the policy tree (gain minus price)."""
    centres, seats = _seats(groups, programmes, capacity)
    gidx = np.array([centres.index(g) for g in groups.tolist()], dtype=np.int64)
    g = np.nan_to_num(gain, nan=0.0)
    prices: dict[tuple[str, str], float] = {}
    for gi, c in enumerate(centres):
        for p in range(1, len(programmes)):
            members = np.flatnonzero((gidx == gi) & (assignment == p))
            full = len(members) >= seats[gi, p]
            prices[(c, programmes[p])] = float(g[members, p].min()) if full and len(members) else 0.0
    return prices


def enforce_capacity(
    assignment: np.ndarray,
    gain: np.ndarray,
    groups: np.ndarray,
    programmes: Sequence[str],
    capacity: Capacity,
) -> np.ndarray:
    """Make a rule-based assignment feasible: where a (centre, programme) is over its seats, the citizens
    with the largest ``gain`` keep the seat and the rest get "none"; disallowed (NaN) programmes become "none"."""
    out = np.asarray(assignment, dtype=np.int64).copy()
    g = np.asarray(gain, dtype=np.float64)
    out[~np.isfinite(g[np.arange(len(out)), out]) & (out != 0)] = 0
    centres, seats = _seats(np.asarray(groups, dtype=object), programmes, capacity)
    gidx = np.array([centres.index(c) for c in np.asarray(groups, dtype=object).tolist()], dtype=np.int64)
    for gi in range(len(centres)):
        for p in range(1, len(programmes)):
            members = np.flatnonzero((gidx == gi) & (out == p))
            if len(members) > seats[gi, p]:
                keep = members[np.argsort(-g[members, p], kind="stable")[: seats[gi, p]]]
                out[np.setdiff1d(members, keep)] = 0
    check_capacity(out, np.asarray(groups, dtype=object), programmes, capacity)
    return out


def allocate_by_preferences(
    preferences: Sequence[Sequence[int]],
    groups: np.ndarray,
    programmes: Sequence[str],
    capacity: Capacity,
    allowed: np.ndarray | None = None,
    order: np.ndarray | None = None,
) -> np.ndarray:
    """First come, first served over per-citizen ranked lists (e.g. a policy tree's leaf lists): each
    citizen in ``order`` takes the first listed programme they are ``allowed`` and that has a seat left."""
    groups = np.asarray(groups, dtype=object)
    n = len(preferences)
    out = np.zeros(n, dtype=np.int64)
    centres, seats = _seats(groups, programmes, capacity)
    left = seats.copy()
    gidx = np.array([centres.index(g) for g in groups.tolist()], dtype=np.int64)
    for i in order if order is not None else range(n):
        for p in preferences[i]:
            if p == 0:
                break
            if (allowed is None or allowed[i, p]) and left[gidx[i], p] > 0:
                left[gidx[i], p] -= 1
                out[i] = p
                break
    check_capacity(out, groups, programmes, capacity)
    return out
