"""A consultant's queue: the own caseload (a team lead's: the team's and the unassigned), paged, sorted by
what needs action today, and the follow-up dates that feed it; plus the caseload scope check every citizen
lookup goes through.

Order of the queue: (0) new contact requests from employers, (1) a follow-up date that has come, (2) no
consultant decision for ``Settings.queue_idle_weeks`` weeks (counted from registration if never), (3) the
rest; inside each, the most requests, the oldest follow-up, the longest without a decision, the longest
unemployed first. One SQL query on the world store per page; the caseload and the decisions and requests
come from the operations store as parameters of that query.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date
from typing import Any

import polars as pl

from app.access import Role, User
from app.caseload import Caseload, may_open
from app.ops import OpsStore
from app.workspace.base import WorkspaceBase
from core.errors import AccessDenied

PRIORITY_REQUESTS, PRIORITY_FOLLOW_UP, PRIORITY_IDLE, PRIORITY_NONE = 0, 1, 2, 3
UNASSIGNED = ""  # the holder filter value that selects citizens without a consultant


@dataclass(frozen=True)
class QueueFilters:
    """What the consultant narrowed the queue to; ``holder`` (team leads): one consultant, or UNASSIGNED."""

    search: str = ""
    target_group: str | None = None
    benefit: str | None = None
    holder: str | None = None


@dataclass
class QueuePage:
    """One page of the queue and where it lies in the whole."""

    frame: pl.DataFrame
    total: int
    page: int
    page_size: int

    @property
    def pages(self) -> int:
        return max(1, math.ceil(self.total / self.page_size))


ACTIVITY_SCHEMA = {"seeker_id": pl.String(), "last_action": pl.Datetime("us"), "contact_requests": pl.Int64(),
                   "new_requests": pl.Int64()}  # fmt: skip


def activity(ops: OpsStore, jobcenter_id: str | None) -> pl.DataFrame:
    """Per citizen of a job centre: the last consultant decision, employers' contact requests and the ones
    not answered yet: the one place that says what "new" means (a request's state is kept in
    ``contact_request_status``; see ``workspace.contact``)."""
    return ops.query("SELECT d.seeker_id, max(CASE WHEN d.role = 'consultant' THEN d.ts END) AS last_action, "
                     "count(CASE WHEN d.action = 'contact_request' THEN 1 END) AS contact_requests, "
                     "count(CASE WHEN d.action = 'contact_request' AND s.request_id IS NULL THEN 1 END) AS new_requests "
                     "FROM decisions d LEFT JOIN contact_request_status s ON s.request_id = d.decision_id "
                     "AND s.status = 'answered' WHERE d.jobcenter_id = ? AND d.seeker_id IS NOT NULL "
                     "GROUP BY d.seeker_id", [jobcenter_id], ACTIVITY_SCHEMA)  # fmt: skip


class _Params:
    """Numbered query parameters: ``p(value)`` gives ``$n`` and remembers the value."""

    def __init__(self) -> None:
        self.values: list[Any] = []

    def __call__(self, value: Any) -> str:
        self.values.append(value)
        return f"${len(self.values)}"


class QueueViews(WorkspaceBase):
    """The queue, the caseload scope check and follow-up dates."""

    @property
    def caseload(self) -> Caseload:
        return Caseload(self.ops)

    def _check_caseload(self, user: User, seeker_id: str, refusal: str) -> None:
        """A citizen of the user's job centre, but is it theirs to open? (see ``app.caseload``)"""
        if not may_open(user, self.caseload.holding(seeker_id), self.settings.caseload_rule):
            raise AccessDenied(refusal)

    def queue_version(self) -> str:
        """Changes whenever an assignment or follow-up does: with the data version, the queue's cache key."""
        return f"{self.data_version}:{self.caseload.version()}"

    def queue(self, user: User, search: str = "", target_group: str | None = None,
              benefit: str | None = None, limit: int | None = None) -> pl.DataFrame:  # fmt: skip
        """The user's whole queue (or its first ``limit`` rows) in the queue's order."""
        filters = QueueFilters(search, target_group, benefit)
        return self.queue_page(user, filters, page=0, page_size=limit).frame

    def queue_page(self, user: User, filters: QueueFilters = QueueFilters(), page: int = 0,
                   page_size: int | None = None, today: date | None = None) -> QueuePage:  # fmt: skip
        """One page (``page_size`` None: everything) of the queue, with the total it is a page of."""
        user.require(Role.CONSULTANT)
        p = _Params()
        sql = self._queue_sql(user, filters, today or date.today(), p)
        if page_size is not None:
            sql += f" LIMIT {p(page_size)} OFFSET {p(max(page, 0) * page_size)}"
        frame = self._q(sql, p.values)
        total = int(frame["total"][0]) if frame.height else 0
        frame = frame.drop("total").with_columns(
            pl.col("desired_occupations").map_elements(lambda ids: ", ".join(self._labels(list(ids))),
                                                       return_dtype=pl.String).alias("desired")
        ).drop("desired_occupations")  # fmt: skip
        return QueuePage(frame, total, page, page_size or max(total, 1))

    def _queue_sql(self, user: User, filters: QueueFilters, today: date, p: _Params) -> str:
        held = self.caseload.holdings_in(user)
        due = self.caseload.follow_ups_in(user.jobcenter_id)
        acts = activity(self.ops, user.jobcenter_id)
        scope = f"h.user_id = {p(user.user_id)}"
        if user.team_lead:
            scope += f" OR h.team = {p(user.team)} OR h.user_id IS NULL"
        where = [f"s.jobcenter_id = {p(user.jobcenter_id)}", f"({scope})", *self._filter_sql(filters, p)]
        t = p(today)
        return f"""
WITH held AS (SELECT unnest({p(held["seeker_id"].to_list())}::VARCHAR[]) AS seeker_id,
                     unnest({p(held["user_id"].to_list())}::VARCHAR[]) AS user_id,
                     unnest({p(held["team"].to_list())}::VARCHAR[]) AS team),
     due AS (SELECT unnest({p(due["seeker_id"].to_list())}::VARCHAR[]) AS seeker_id,
                    unnest({p(due["due"].to_list())}::DATE[]) AS follow_up),
     acts AS (SELECT unnest({p(acts["seeker_id"].to_list())}::VARCHAR[]) AS seeker_id,
                     unnest({p(acts["last_action"].to_list())}::TIMESTAMP[]) AS last_action,
                     unnest({p(acts["contact_requests"].to_list())}::BIGINT[]) AS contact_requests,
                     unnest({p(acts["new_requests"].to_list())}::BIGINT[]) AS new_requests),
     rows AS (
       SELECT s.seeker_id, s.weeks_unemployed, s.benefit_type, s.target_group, s.desired_occupations,
              s.consent_employer_view, s.registered_at, h.user_id AS consultant, d.follow_up, a.last_action,
              coalesce(a.contact_requests, 0) AS contact_requests, coalesce(a.new_requests, 0) AS new_requests,
              date_diff('day', coalesce(a.last_action::DATE, s.registered_at), {t}::DATE) // 7 AS idle_weeks
       FROM seekers s LEFT JOIN held h USING (seeker_id) LEFT JOIN due d USING (seeker_id)
            LEFT JOIN acts a USING (seeker_id)
       WHERE {" AND ".join(where)}),
     ranked AS (
       SELECT *, CASE WHEN new_requests > 0 THEN {PRIORITY_REQUESTS}
                      WHEN follow_up <= {t}::DATE THEN {PRIORITY_FOLLOW_UP}
                      WHEN idle_weeks >= {p(self.settings.queue_idle_weeks)} THEN {PRIORITY_IDLE}
                      ELSE {PRIORITY_NONE} END AS priority
       FROM rows)
SELECT *, count(*) OVER () AS total FROM ranked
ORDER BY priority, new_requests DESC, CASE WHEN priority = {PRIORITY_FOLLOW_UP} THEN follow_up END NULLS LAST,
         idle_weeks DESC, weeks_unemployed DESC, seeker_id"""  # fmt: skip

    def _filter_sql(self, filters: QueueFilters, p: _Params) -> list[str]:
        where = []
        if filters.target_group:
            where.append(f"s.target_group = {p(filters.target_group)}")
        if filters.benefit:
            where.append(f"s.benefit_type = {p(filters.benefit)}")
        if filters.holder == UNASSIGNED:
            where.append("h.user_id IS NULL")
        elif filters.holder is not None:
            where.append(f"h.user_id = {p(filters.holder)}")
        needle = filters.search.strip().lower()
        if needle:
            occupations = [
                o for o in self.taxonomy.occupation_ids if needle in self.taxonomy.label(o).lower()
            ]
            where.append(f"(contains(lower(s.seeker_id), {p(needle)}) OR "
                         f"list_has_any(s.desired_occupations, {p(occupations)}::VARCHAR[]))")  # fmt: skip
        return where

    # --- follow-ups ------------------------------------------------------------------------------------

    def follow_up(self, user: User, seeker_id: str) -> date | None:
        self._own_seeker(user, seeker_id)
        return self.caseload.follow_up(seeker_id)

    def set_follow_up(self, user: User, seeker_id: str, due: date | None) -> None:
        """Set or clear the citizen's follow-up date (it raises the citizen in the queue once it comes)."""
        self._own_seeker(user, seeker_id)
        self.caseload.set_follow_up(seeker_id, due, user.user_id)
        self._log(user, "follow_up", seeker_id, {"due": due.isoformat() if due else None})

    def _own_seeker(self, user: User, seeker_id: str) -> dict[str, Any]:
        """The citizen's row if the user may open it: own job centre, then the caseload rule."""
        user.require(Role.CONSULTANT)
        refusal = f"ingen borger med id {seeker_id!r} blandt dine borgere"
        row = self._scoped_row("seekers", "seeker_id", seeker_id, "jobcenter_id", user.jobcenter_id, refusal)
        self._check_caseload(user, seeker_id, refusal)
        return row
