"""An administrator's views: the stop switch, shortlist re-ranking, audit verification and purge."""

from __future__ import annotations

from typing import Any

import polars as pl

from app.access import Role, User
from app.ops import RECOMMENDATIONS
from app.workspace.analyst import MIN_CELL, RATE_COLUMNS, consultant_decisions, rates_by
from app.workspace.base import MIN_REASON_CHARS, RERANK_KEY, WorkspaceBase
from core.errors import InvalidDecision
from recommender.fair_rerank import RERANK_METHODS


class AdminViews(WorkspaceBase):
    """An administrator's views: the stop switch, shortlist re-ranking, audit verification and purge."""

    def set_recommendations(self, user: User, enabled: bool, reason: str) -> None:
        user.require(Role.ADMIN)
        if len(reason.strip()) < MIN_REASON_CHARS:
            raise InvalidDecision("en begrundelse er påkrævet (mindst 3 tegn)")
        self.ops.set_switch(RECOMMENDATIONS, enabled, user.user_id, reason.strip())
        self._log(user, "stop_switch", None, {"recommendations_enabled": enabled, "reason": reason.strip()})

    def set_shortlist_rerank(self, user: User, method: str, reason: str) -> None:
        user.require(Role.ADMIN)
        if method not in RERANK_METHODS:
            raise InvalidDecision(f"unknown re-ranking {method!r}; one of {', '.join(RERANK_METHODS)}")
        if method == self.shortlist_rerank():
            return
        if len(reason.strip()) < MIN_REASON_CHARS:
            raise InvalidDecision("en begrundelse er påkrævet (mindst 3 tegn)")
        self.ops.set_meta(RERANK_KEY, method)
        self._log(user, "shortlist_rerank", None, {"method": method, "reason": reason.strip()})

    def switch_state(self, user: User) -> dict[str, Any]:
        """Whether suggestions are on, and who last changed that, when and why (nothing before the first change)."""
        user.require(Role.ADMIN)
        found = self.ops.query(
            "SELECT enabled, changed_at, changed_by, reason FROM switches WHERE name = ?", [RECOMMENDATIONS]
        )
        if found.height == 0:
            return {"enabled": True, "changed_at": None, "changed_by": None, "reason": None}
        row: dict[str, Any] = found.row(0, named=True)
        return row

    def consultant_rates(self, user: User, min_cell: int = MIN_CELL) -> pl.DataFrame:
        """Decisions and acceptance, override and rejection rates per consultant: for administrators only
        (they oversee how consultants use the suggestions; an analyst studying groups does not need to
        single out a colleague). Rates of a consultant with fewer than ``min_cell`` decisions are hidden."""
        user.require(Role.ADMIN)
        rates = rates_by(consultant_decisions(self), "user_id")
        small = pl.col("n") < min_cell
        return rates.select(
            "user_id", pl.col("n").alias("decisions"),
            *(pl.when(small).then(None).otherwise(pl.col(c)).alias(c) for c in RATE_COLUMNS[1:]),
        )  # fmt: skip

    def verify_audit(self, user: User) -> Any:
        user.require(Role.ADMIN)
        return self.audit.verify()

    def purge_audit(self, user: User) -> int:
        user.require(Role.ADMIN)
        return self.audit.purge(user.actor, self.settings.audit_retention_days)

    def audit_records(self, user: User, limit: int = 200) -> pl.DataFrame:
        user.require(Role.ADMIN)
        return self.audit.records(newest=limit).sort("seq", descending=True)
