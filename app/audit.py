"""Append-only, hash-chained audit log of everything shown and decided (EU AI Act record-keeping).

Each record carries the hash of the one before it; a record's hash covers every field, so changing,
removing or reordering any record breaks the chain from there on, and ``verify`` names the first bad one.
Retention deletes the oldest records only; the deletion itself is logged with the hash it leaves as the new
start of the chain, so a purge is not mistaken for tampering (and an unlogged purge is).
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

import polars as pl

from app.ops import OpsStore, now_utc

GENESIS = "0" * 64
PURGE_KIND = "retention_purge"


def _canonical(record: dict[str, Any]) -> str:
    return json.dumps(record, sort_keys=True, ensure_ascii=False, separators=(",", ":"), default=str)


def record_hash(prev_hash: str, record: dict[str, Any]) -> str:
    return hashlib.sha256((prev_hash + _canonical(record)).encode("utf-8")).hexdigest()


_FIELDS = ("seq", "ts", "user_id", "role", "jobcenter_id", "kind", "subject", "model_version", "data_version",
           "payload")  # fmt: skip


@dataclass(frozen=True)
class Actor:
    """Who did it: the fields of a user the log needs (kept free of the access module's types)."""

    user_id: str
    role: str
    jobcenter_id: str | None = None


@dataclass
class VerifyResult:
    ok: bool
    records: int
    head: str
    first_bad_seq: int | None = None
    problem: str = ""
    purges: int = 0
    details: list[str] = field(default_factory=list)


class AuditLog:
    """Writes and checks the chain in the operations store."""

    def __init__(self, ops: OpsStore) -> None:
        self.ops = ops

    def append(
        self, actor: Actor, kind: str, *, subject: str | None = None, payload: dict[str, Any] | None = None,
        model_version: str | None = None, data_version: str | None = None, ts: datetime | None = None,
    ) -> int:  # fmt: skip
        """Add one record; returns its sequence number. The last record is read and the new one written
        under the chain's cross-process lock, so two processes never give out the same ``seq``."""
        with self.ops.write(lock="audit") as cur:
            return self._append_in(cur, actor, kind, subject, payload, model_version, data_version, ts)

    def _append_in(
        self, cur: Any, actor: Actor, kind: str, subject: str | None, payload: dict[str, Any] | None,
        model_version: str | None, data_version: str | None, ts: datetime | None,
    ) -> int:  # fmt: skip
        last = cur.execute("SELECT seq, hash FROM audit_log ORDER BY seq DESC LIMIT 1").fetchall()
        seq, prev = (int(last[0][0]) + 1, str(last[0][1])) if last else (1, self._anchor(cur))
        record = {"seq": seq, "ts": (ts or now_utc()).isoformat(timespec="microseconds"),
                  "user_id": actor.user_id, "role": actor.role, "jobcenter_id": actor.jobcenter_id,
                  "kind": kind, "subject": subject, "model_version": model_version,
                  "data_version": data_version, "payload": _canonical(payload or {})}  # fmt: skip
        digest = record_hash(prev, record)
        cur.execute(
            "INSERT INTO audit_log VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [seq, datetime.fromisoformat(str(record["ts"])), actor.user_id, actor.role, actor.jobcenter_id,
             kind, subject, model_version, data_version, record["payload"], prev, digest],
        )  # fmt: skip
        return seq

    @staticmethod
    def _anchor(cur: Any) -> str:
        found = cur.execute("SELECT value FROM ops_meta WHERE key = 'audit_anchor'").fetchall()
        return str(found[0][0]) if found else GENESIS

    def records(
        self, where: str = "", params: list[Any] | None = None, *, newest: int | None = None
    ) -> pl.DataFrame:
        """Records in chain order; ``newest`` keeps only the last n."""
        order = f"ORDER BY seq DESC LIMIT {int(newest)}" if newest is not None else "ORDER BY seq"
        return self.ops.query(f"SELECT * FROM audit_log {where} {order}", params).sort("seq")

    def count(self) -> int:
        return int(self.ops.rows("SELECT count(*) FROM audit_log")[0][0])

    def verify(self) -> VerifyResult:
        """Recompute every hash in order; the first mismatch, gap or broken link is reported."""
        anchor = self.ops.meta("audit_anchor") or GENESIS
        rows = self.ops.rows(f"SELECT {', '.join(_FIELDS)}, prev_hash, hash FROM audit_log ORDER BY seq")
        prev, expected_seq, purges = anchor, None, 0
        for row in rows:
            values = dict(zip(_FIELDS, row[: len(_FIELDS)], strict=True))
            seq, stored_prev, stored_hash = int(values["seq"]), str(row[-2]), str(row[-1])
            if expected_seq is not None and seq != expected_seq:
                return VerifyResult(
                    False, len(rows), prev, seq, f"records {expected_seq}..{seq - 1} are missing"
                )
            if stored_prev != prev:
                return VerifyResult(False, len(rows), prev, seq, "link to the previous record is broken")
            values["ts"] = values["ts"].isoformat(timespec="microseconds")
            if record_hash(prev, values) != stored_hash:
                return VerifyResult(False, len(rows), prev, seq, "record content does not match its hash")
            if values["kind"] == PURGE_KIND:
                purges += 1
            prev, expected_seq = stored_hash, seq + 1
        if rows and anchor != GENESIS and not self._anchor_logged(anchor):
            return VerifyResult(False, len(rows), prev, int(rows[0][0]), "chain start is not a logged purge")
        return VerifyResult(True, len(rows), prev, purges=purges)

    def _anchor_logged(self, anchor: str) -> bool:
        purges = self.ops.rows("SELECT payload FROM audit_log WHERE kind = ?", [PURGE_KIND])
        return any(json.loads(payload).get("new_anchor") == anchor for (payload,) in purges)

    def purge(self, actor: Actor, retention_days: int, now: datetime | None = None) -> int:
        """Delete records older than the retention period (oldest first); returns how many were deleted."""
        cutoff = (now or now_utc()) - timedelta(days=retention_days)
        with self.ops.write(lock="audit") as cur:
            found = cur.execute(
                "SELECT seq, hash FROM audit_log WHERE seq = (SELECT max(seq) FROM audit_log WHERE ts < ?)",
                [cutoff],
            ).fetchall()
            if not found:
                return 0
            last_seq, new_anchor = int(found[0][0]), str(found[0][1])
            deleted = int(
                cur.execute("SELECT count(*) FROM audit_log WHERE seq <= ?", [last_seq]).fetchall()[0][0]
            )
            cur.execute("DELETE FROM audit_log WHERE seq <= ?", [last_seq])
            cur.execute(
                "INSERT INTO ops_meta VALUES ('audit_anchor', ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                [new_anchor],
            )
            payload = {"deleted": deleted, "through_seq": last_seq, "cutoff": cutoff.isoformat(),
                       "new_anchor": new_anchor, "retention_days": retention_days}  # fmt: skip
            self._append_in(cur, actor, PURGE_KIND, None, payload, None, None, None)
        return deleted
