"""The scoped, audited front of the product: what the dashboard (and the load test) calls.

Every method takes the signed-in ``User`` and enforces role and scope inside its own query (a consultant's
citizen lookups carry ``jobcenter_id = ?``, an employer's vacancy lookups ``employer_id = ?``), so a page,
URL parameter, cache or export can only ever receive what the user may see. Every list of suggestions
shown is written to the hash-chained audit log; every consultant decision goes to ``decisions`` in the
operations store (the world writer copies it into the world, where training picks it up:
``app.decision_log``) and to the audit log. The world store is only read. The administrators' stop switch
turns suggestions off and leaves manual search working.

One class per role's views (``consultant`` with its ``decisions``, ``employer``, ``analyst``, ``admin``), all on the shared state
and plumbing of ``base``; :class:`Workspace` is their union, the one object a process opens.
"""

from __future__ import annotations

from app.workspace.admin import AdminViews
from app.workspace.analyst import AnalystViews
from app.workspace.base import (
    DECISION_ACTIONS,
    EMPLOYER_FIELDS,
    REPORTS,
    DecisionAction,
    Shown,
    WorkspaceBase,
)
from app.workspace.decisions import DecisionState, DecisionViews
from app.workspace.employer import EmployerViews
from app.workspace.queue import UNASSIGNED, QueueFilters, QueuePage

__all__ = [
    "DECISION_ACTIONS",
    "EMPLOYER_FIELDS",
    "REPORTS",
    "UNASSIGNED",
    "DecisionAction",
    "DecisionState",
    "QueueFilters",
    "QueuePage",
    "Shown",
    "Workspace",
    "WorkspaceBase",
]


class Workspace(DecisionViews, EmployerViews, AnalystViews, AdminViews):
    """One per process: the world store, the operations store, the loaded models; every role's views."""

    def warm(self) -> None:
        """Ahead of the first clicks on a newly loaded release: every employer's shortlists."""
        self.warm_shortlists()
