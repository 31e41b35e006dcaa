"""An administrator's views: the stop switch, shortlist re-ranking, audit verification and purge."""

from __future__ import annotations

from typing import Any

import polars as pl

from app.access import Role, User
from app.ops import RECOMMENDATIONS
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

    def verify_audit(self, user: User) -> Any:
        user.require(Role.ADMIN)
        return self.audit.verify()

    def purge_audit(self, user: User) -> int:
        user.require(Role.ADMIN)
        return self.audit.purge(user.actor, self.settings.audit_retention_days)

    def audit_records(self, user: User, limit: int = 200) -> pl.DataFrame:
        user.require(Role.ADMIN)
        return self.audit.records(newest=limit).sort("seq", descending=True)
