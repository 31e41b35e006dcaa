"""The state of a consultant's decision about one (citizen, vacancy or programme) pair, derived from the
ordered ``decisions`` history, which stays append-only (nothing is updated or deleted, so the table and
every row written before states existed keep their meaning).

A decision that sets a state (accept, reject, contact, override) is pushed onto the pair's stack; an
``undo`` pops the newest one, so undoing "contacted" goes back to "accepted", and undoing the only decision
leaves the pair open. The top of the stack is the pair's state: the card shows it, and training takes it
as the one signal of the pair (an accept that was undone, or changed into a reject, teaches nothing).
"""

from __future__ import annotations

from typing import Any

import polars as pl

from data import columns as C

STATE_ACTIONS = ("accept", "reject", "contact", "override")
UNDO = "undo"
PAIR_ACTIONS = (*STATE_ACTIONS, UNDO)
# What each state says as a training signal about a vacancy (``data.interactions.training_events``).
# A consultant's rejection is a veto, kept apart from the funnel's "rejected" (an employer turning down an application).
TRAINING_EVENT = {"accept": C.ACCEPTED, "contact": C.ACCEPTED, "override": C.ACCEPTED, "reject": C.VETOED}


def pair_of(row: dict[str, Any]) -> tuple[str, str] | None:
    """("vacancy", id) or ("programme", code) for a decision about one; None for a note."""
    if row.get(C.VACANCY_ID):
        return ("vacancy", str(row[C.VACANCY_ID]))
    if row.get("programme"):
        return ("programme", str(row["programme"]))
    return None


def final_states(history: pl.DataFrame) -> pl.DataFrame:
    """One row per (citizen, pair) still holding a state: the decision on top of its stack.

    ``history`` holds ``seeker_id``, ``vacancy_id``, ``programme``, ``action`` and any other columns, in the
    order the decisions were made; rows of other actions (notes, employers' contact requests) are ignored.
    """
    stacks: dict[tuple[str, tuple[str, str]], list[dict[str, Any]]] = {}
    for row in history.filter(pl.col("action").is_in(list(PAIR_ACTIONS))).iter_rows(named=True):
        pair = pair_of(row)
        if pair is None:
            continue
        stack = stacks.setdefault((str(row[C.SEEKER_ID]), pair), [])
        if row["action"] == UNDO:
            if stack:
                stack.pop()
        else:
            stack.append(row)
    tops = [stack[-1] for stack in stacks.values() if stack]
    return pl.DataFrame(tops, schema=history.schema) if tops else history.clear()
