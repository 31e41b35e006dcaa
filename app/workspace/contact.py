"""Contact requests from employers, both sides: their state (sent, seen, answered) and the consultant's steps.

A request is the ``contact_request`` row in ``decisions`` (operations store); what happened to it since is a row per step in
``contact_request_status`` ('seen' when the citizen's consultant opens the citizen, 'answered' when they
answer), so :meth:`ContactRequests.request_states` is the one place that says what state a request is in.
Every step is audited; the employer only ever sees the state, never the citizen's id or the answer.
"""

from __future__ import annotations

from typing import Any

import polars as pl

from app.access import Role, User
from app.ops import in_list, now_utc
from app.workspace.base import MIN_REASON_CHARS, WorkspaceBase
from app.workspace.world_rows import with_vacancies
from core.errors import AccessDenied, InvalidDecision
from data import columns as C

SENT, SEEN, ANSWERED = "sent", "seen", "answered"
REQUEST_STATES = (SENT, SEEN, ANSWERED)


class ContactRequests(WorkspaceBase):
    """Contact requests: what state each is in, and the consultant's side (see, answer)."""

    def request_states(self, request_ids: list[str]) -> dict[str, str]:
        """The state of each known request: 'answered' once answered, else 'seen' once seen, else 'sent'."""
        known = self.ops.rows("SELECT d.decision_id, max(CASE s.status WHEN 'answered' THEN 2 WHEN 'seen' THEN 1 "
                              "ELSE 0 END) AS step FROM decisions d LEFT JOIN contact_request_status s "
                              "ON s.request_id = d.decision_id WHERE d.action = 'contact_request' "
                              f"AND d.decision_id IN {in_list(request_ids)} GROUP BY d.decision_id", request_ids)  # fmt: skip
        return {rid: REQUEST_STATES[int(step)] for rid, step in known}

    def request_state(self, request_id: str) -> str:
        """The state of request ``request_id`` (sent / seen / answered)."""
        state = self.request_states([request_id]).get(request_id)
        if state is None:
            raise InvalidDecision(f"ingen kontaktanmodning med id {request_id!r}")
        return state

    def _mark(self, request_ids: list[str], status: str, user: User, note: str | None = None) -> None:
        with self.ops.write() as cur:
            cur.executemany("INSERT INTO contact_request_status VALUES (?, ?, ?, ?, ?) ON CONFLICT DO NOTHING",
                            [(rid, status, now_utc(), user.user_id, note) for rid in request_ids])  # fmt: skip

    def citizen_contact_requests(self, user: User, seeker_id: str) -> pl.DataFrame:
        """The requests employers sent about one of the consultant's citizens, newest first; the ones not seen
        before are marked seen now (the consultant has opened the citizen). Shown and seen are audited."""
        user.require(Role.CONSULTANT)
        self._scoped_row("seekers", C.SEEKER_ID, seeker_id, C.JOBCENTER_ID, user.jobcenter_id,
                         f"ingen borger med id {seeker_id!r} i dit jobcenter")  # fmt: skip
        asked = self.ops.query("SELECT decision_id AS request_id, ts AS requested_at, vacancy_id, reason AS message "
                               "FROM decisions WHERE seeker_id = ? AND action = 'contact_request' ORDER BY ts DESC",
                               [seeker_id], {"requested_at": pl.Datetime("us")})  # fmt: skip
        found = with_vacancies(self, asked, how="inner").filter(pl.col("employer").is_not_null()).select(
            "request_id", "requested_at", C.VACANCY_ID, "title", "employer", "message")  # fmt: skip
        if found.height == 0:
            return found.with_columns(pl.lit(None, pl.String).alias("request_status"))
        states = self.request_states(found["request_id"].to_list())
        new = [rid for rid in found["request_id"].to_list() if states[rid] == SENT]
        if new:
            self._mark(new, SEEN, user)
            states |= dict.fromkeys(new, SEEN)
        self._log(user, "contact_requests_shown", seeker_id, {"requests": found["request_id"].to_list(),
                                                              "newly_seen": new})  # fmt: skip
        return found.with_columns(
            pl.Series("request_status", [states[r] for r in found["request_id"].to_list()], pl.String)
        )

    def answer_contact_request(self, user: User, request_id: str, note: str) -> None:
        """The consultant has answered (contacted the citizen, or declined): stored with a short note for the
        job centre, audited; the employer sees 'besvaret', not the note."""
        user.require(Role.CONSULTANT)
        request = self._request(user, request_id)
        if len(note.strip()) < MIN_REASON_CHARS:
            raise InvalidDecision("skriv kort, hvad der er svaret (mindst 3 tegn)")
        if self.request_state(request_id) == ANSWERED:
            raise InvalidDecision("anmodningen er allerede besvaret")
        self._mark([request_id], SEEN, user)
        self._mark([request_id], ANSWERED, user, note.strip())
        self._log(user, "contact_request_answered", request[C.SEEKER_ID], {
            "request_id": request_id, "vacancy_id": request[C.VACANCY_ID], "note": note.strip()})  # fmt: skip

    def _request(self, user: User, request_id: str) -> dict[str, Any]:
        """A request about a citizen of the consultant's job centre; the same refusal whether it exists or not."""
        rows = self.ops.query("SELECT * FROM decisions WHERE decision_id = ? AND action = 'contact_request'",
                              [request_id])  # fmt: skip
        ours = rows.height and self._q("SELECT 1 FROM seekers WHERE seeker_id = ? AND jobcenter_id = ?",
                                       [rows[C.SEEKER_ID][0], user.jobcenter_id]).height  # fmt: skip
        if not ours:
            raise AccessDenied(f"ingen kontaktanmodning med id {request_id!r} i dit jobcenter")
        row: dict[str, Any] = rows.row(0, named=True)
        return row
