"""Caseloads: which consultant holds which citizen, and the follow-up dates consultants set.

Kept in the operations store (tables ``caseload`` and ``follow_ups``), not the world store: a re-import
replaces the world, but who works with whom is the job centre's own record and must survive it. Every change
is one transaction, is written to the audit log, and moves the ``caseload_version`` stamp the queue's cache
is keyed on, so a change shows at once.

Who may open whom (``Settings.caseload_rule``): with ``own`` (the default) a consultant opens the citizens
assigned to them; a team lead (``users.team_lead``) also every citizen the team holds and every citizen of
the job centre without a consultant ("uden sagsbehandler"). With ``jobcenter`` any consultant opens any
citizen of the own job centre (the queue still lists the own caseload).
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import polars as pl

from app.access import Role, User
from app.audit import Actor, AuditLog
from app.ops import OpsStore, in_list, now_utc
from core.errors import CaseloadError
from data.store import Store

VERSION_KEY = "caseload_version"
DEMO_KEY = "demo_caseload_data_version"
DEMO_UNASSIGNED_EVERY = 10  # in the demo, every tenth citizen of a job centre waits for a consultant
CLI_ACTOR = Actor("cli", "admin")


@dataclass(frozen=True)
class Holding:
    """The consultant who holds a citizen, and the team the case belongs to."""

    user_id: str
    team: str | None


def may_open(user: User, holding: Holding | None, rule: str = "own") -> bool:
    """Whether ``user``, a consultant of the citizen's own job centre, may open a citizen held as ``holding``."""
    if rule == "jobcenter":
        return True
    if holding is None:
        return user.team_lead
    return holding.user_id == user.user_id or (user.team_lead and holding.team == user.team)


class Caseload:
    """Reads and changes of the caseload and follow-up tables; every change audited."""

    def __init__(self, ops: OpsStore) -> None:
        self.ops = ops

    def version(self) -> str:
        """Changes with every assignment and follow-up: part of the queue's cache key."""
        return self.ops.meta(VERSION_KEY) or "0"

    def holding(self, seeker_id: str) -> Holding | None:
        found = self.ops.rows("SELECT user_id, team FROM caseload WHERE seeker_id = ?", [seeker_id])
        return Holding(found[0][0], found[0][1]) if found else None

    def holdings_in(self, user: User) -> pl.DataFrame:
        """The holdings a user's queue needs: a consultant's own; a team lead's whole job centre (so the
        queue can tell the team's citizens from other teams' and from the unassigned)."""
        if user.team_lead:
            sql, params = "JOIN users u USING (user_id) WHERE u.jobcenter_id = ?", [user.jobcenter_id]
        else:
            sql, params = "WHERE c.user_id = ?", [user.user_id]
        return self.ops.query(f"SELECT c.seeker_id, c.user_id, c.team FROM caseload c {sql}", params)

    def team_members(self, user: User) -> dict[str, str]:
        """A team lead's consultants (user id -> display name); nobody for anyone else."""
        if not user.team_lead:
            return {}
        return dict(self.ops.rows("SELECT user_id, display_name FROM users WHERE active AND role = 'consultant' "
                                  "AND jobcenter_id = ? AND team = ? ORDER BY user_id", [user.jobcenter_id, user.team]))  # fmt: skip

    def follow_ups_in(self, jobcenter_id: str | None) -> pl.DataFrame:
        """Follow-up dates set by the consultants of one job centre."""
        return self.ops.query("SELECT f.seeker_id, f.due FROM follow_ups f JOIN users u ON u.user_id = f.set_by "
                              "WHERE u.jobcenter_id = ?", [jobcenter_id], {"seeker_id": pl.String(), "due": pl.Date()})  # fmt: skip

    def listing(self, *, user_id: str | None = None, team: str | None = None) -> pl.DataFrame:
        """Assignments, optionally of one consultant or one team, with follow-up dates."""
        where = [f"c.{col} = ?" for col, value in (("user_id", user_id), ("team", team)) if value is not None]
        sql = ("SELECT c.seeker_id, c.user_id, c.team, c.assigned_at, c.assigned_by, f.due AS follow_up "
               f"FROM caseload c LEFT JOIN follow_ups f USING (seeker_id) WHERE {' AND '.join(where) or 'TRUE'} "
               "ORDER BY c.user_id, c.seeker_id")  # fmt: skip
        return self.ops.query(sql, [v for v in (user_id, team) if v is not None], {"follow_up": pl.Date()})

    # --- changes ---------------------------------------------------------------------------------------

    def assign(self, world: Store, pairs: Sequence[tuple[str, str]], by: Actor = CLI_ACTOR) -> int:
        """Give each citizen to a consultant of the citizen's job centre: all or nothing; the error names
        every citizen and user that does not fit (up to five)."""
        teams = _check_assignment(self.ops, world, pairs)
        frame = pl.DataFrame({"seeker_id": [s for s, _ in pairs], "user_id": [u for _, u in pairs]},
                             schema={"seeker_id": pl.String, "user_id": pl.String})  # fmt: skip
        frame = frame.with_columns(
            pl.col("user_id").replace_strict(teams, return_dtype=pl.String).alias("team")
        )
        self._write(frame, by.user_id)
        AuditLog(self.ops).append(
            by, "caseload_assign", payload={"count": frame.height, "pairs": [list(p) for p in pairs]}
        )
        return frame.height

    def unassign(self, seeker_ids: Sequence[str], by: Actor = CLI_ACTOR) -> int:
        """Take citizens out of their consultant's caseload (a team lead then sees them as unassigned)."""
        ids = list(seeker_ids)
        with self.ops.write() as cur:
            held = cur.execute(
                f"SELECT seeker_id FROM caseload WHERE seeker_id IN {in_list(ids)}", ids
            ).fetchall()
            cur.execute(f"DELETE FROM caseload WHERE seeker_id IN {in_list(ids)}", ids)
            _bump(cur)
        AuditLog(self.ops).append(by, "caseload_unassign", payload={"seekers": sorted(r[0] for r in held)})
        return len(held)

    def import_csv(self, world: Store, path: Path, by: Actor = CLI_ACTOR) -> int:
        """Assignments from a CSV file with columns ``seeker_id`` and ``user_id`` (all or nothing)."""
        try:
            frame = pl.read_csv(path, columns=["seeker_id", "user_id"], schema_overrides={
                "seeker_id": pl.String, "user_id": pl.String})  # fmt: skip
        except (pl.exceptions.PolarsError, OSError) as exc:
            raise CaseloadError(f"{path}: cannot read seeker_id and user_id columns ({exc})") from exc
        blank = frame.with_row_index("row", offset=2).filter(pl.any_horizontal(pl.all().is_null()))
        if blank.height:
            raise CaseloadError(f"{path}, line {blank['row'][0]}: seeker_id and user_id must both be filled")
        return self.assign(world, list(frame.iter_rows()), by)

    def set_follow_up(self, seeker_id: str, due: date | None, by: str) -> None:
        """Set (or with ``None`` clear) the date the citizen's consultant wants to follow up."""
        with self.ops.write() as cur:
            cur.execute("DELETE FROM follow_ups WHERE seeker_id = ?", [seeker_id])
            if due is not None:
                cur.execute("INSERT INTO follow_ups VALUES (?, ?, ?, ?)", [seeker_id, due, by, now_utc()])
            _bump(cur)

    def follow_up(self, seeker_id: str) -> date | None:
        found = self.ops.rows("SELECT due FROM follow_ups WHERE seeker_id = ?", [seeker_id])
        return found[0][0] if found else None

    def _write(self, frame: pl.DataFrame, by: str) -> None:
        now = now_utc()
        rows = [(*row, now, by) for row in frame.select("seeker_id", "user_id", "team").iter_rows()]
        with self.ops.write() as cur:
            cur.executemany("INSERT INTO caseload VALUES (?, ?, ?, ?, ?) ON CONFLICT (seeker_id) DO UPDATE SET "
                            "user_id = excluded.user_id, team = excluded.team, assigned_at = excluded.assigned_at, "
                            "assigned_by = excluded.assigned_by", rows)  # fmt: skip
            _bump(cur)


def _bump(cur: Any) -> None:
    cur.execute("INSERT INTO ops_meta VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                [VERSION_KEY, uuid.uuid4().hex])  # fmt: skip


def _check_assignment(ops: OpsStore, world: Store, pairs: Sequence[tuple[str, str]]) -> dict[str, str | None]:
    """Every consultant's team; raises naming each citizen/user pair that cannot be assigned."""
    if not pairs:
        raise CaseloadError("no assignments given")
    wanted = sorted({u for _, u in pairs})
    users = {r[0]: r[1:] for r in ops.rows(
        f"SELECT user_id, role, jobcenter_id, team FROM users WHERE active AND user_id IN {in_list(wanted)}", wanted)}  # fmt: skip
    homes = dict(world.query("SELECT seeker_id, jobcenter_id FROM seekers WHERE seeker_id IN "
                             "(SELECT unnest(?::VARCHAR[]))", [sorted({s for s, _ in pairs})]).iter_rows())  # fmt: skip
    problems: list[str] = []
    seen: dict[str, str] = {}
    for seeker, user in pairs:
        found = users.get(user)
        if seen.setdefault(seeker, user) != user:
            problems.append(f"citizen {seeker!r} is given to both {seen[seeker]!r} and {user!r}")
        elif seeker not in homes:
            problems.append(f"no citizen {seeker!r} in the world store (for {user!r})")
        elif found is None or found[0] != str(Role.CONSULTANT):
            problems.append(f"user {user!r} is not an active consultant (citizen {seeker!r})")
        elif found[1] != homes[seeker]:
            problems.append(
                f"citizen {seeker!r} belongs to {homes[seeker]}, consultant {user!r} to {found[1]}"
            )
    if problems:
        more = f" and {len(problems) - 5} more" if len(problems) > 5 else ""
        raise CaseloadError("nothing assigned: " + "; ".join(problems[:5]) + more)
    return {u: users[u][2] for _, u in pairs}


def ensure_demo_caseload(ops: OpsStore, world: Store, users: Sequence[User]) -> int:
    """The demo consultants' citizens: each job centre's citizens in id order, dealt in turn to its demo
    consultants (not team leads), every tenth left for the team lead as unassigned. Runs once per world
    data version and only fills citizens nobody holds, so an operator's changes are kept."""
    if ops.meta(DEMO_KEY) == world.data_version:
        return 0
    held = {r[0] for r in ops.rows("SELECT seeker_id FROM caseload")}
    rows: list[tuple[str, str, str | None]] = []
    for jc, seekers in world.query("SELECT jobcenter_id, list(seeker_id ORDER BY seeker_id) AS ids FROM seekers "
                                   "GROUP BY ALL ORDER BY jobcenter_id").iter_rows():  # fmt: skip
        team = [u for u in users if u.role is Role.CONSULTANT and u.jobcenter_id == jc and not u.team_lead]
        for i, sid in enumerate(seekers if team else []):
            if i % DEMO_UNASSIGNED_EVERY != DEMO_UNASSIGNED_EVERY - 1 and sid not in held:
                rows.append((sid, team[i % len(team)].user_id, team[i % len(team)].team))
    if rows:
        frame = pl.DataFrame(rows, schema={"seeker_id": pl.String, "user_id": pl.String, "team": pl.String},
                             orient="row")  # fmt: skip
        Caseload(ops)._write(frame, "demo")
        per_user = dict(frame.group_by("user_id").len().sort("user_id").iter_rows())
        AuditLog(ops).append(
            Actor("demo", "admin"), "caseload_assign", payload={"demo": True, "per_user": per_user}
        )
    ops.set_meta(DEMO_KEY, world.data_version)
    return len(rows)
