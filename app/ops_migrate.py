"""The one-time copy of an earlier version's ``ops.duckdb`` into the operations store, so nothing is lost:
accounts, switches, caseloads, follow-ups and the whole audit chain, which is verified after the copy
(same records, same head) before the copy is committed.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from core.errors import StoreError

if TYPE_CHECKING:
    from app.ops import OpsStore

MIGRATED_KEY = "migrated_from_duckdb"
COPIED = ("ops_meta", "users", "switches", "caseload", "follow_ups", "audit_log")


def copy_legacy(ops: OpsStore, legacy: Path) -> str | None:
    """Copy ``legacy`` over once (into a store that has no audit records yet); returns what was done."""
    if ops.meta(MIGRATED_KEY) or ops.rows("SELECT count(*) FROM audit_log")[0][0]:
        return None
    import duckdb

    from app.audit import AuditLog
    from app.ops import TABLES

    try:
        source = duckdb.connect(str(legacy), read_only=True)
    except duckdb.Error as exc:
        raise StoreError(f"cannot read the earlier operations store {legacy} to copy it over: {exc}") from exc
    with source:
        present = {
            r[0] for r in source.execute("SELECT table_name FROM information_schema.tables").fetchall()
        }
        head = source.execute("SELECT count(*), max(seq) FROM audit_log").fetchall()[0]
        last_hash = source.execute("SELECT hash FROM audit_log ORDER BY seq DESC LIMIT 1").fetchall()
        counts: dict[str, int] = {}
        with ops.write() as cur:
            for table in (t for t in COPIED if t in present):
                names = [c for c, _ in TABLES[table] if c]
                have = {r[0] for r in source.execute(
                    "SELECT column_name FROM information_schema.columns WHERE table_name = ?", [table]).fetchall()}  # fmt: skip
                cols = [c for c in names if c in have]
                rows = source.execute(f"SELECT {', '.join(cols)} FROM {table}").fetchall()
                cur.execute(
                    f"DELETE FROM {table}"
                )  # a fresh store's own pseudonym key gives way to the old one
                cur.executemany(
                    f"INSERT INTO {table} ({', '.join(cols)}) VALUES ({', '.join('?' * len(cols))})", rows
                )
                counts[table] = len(rows)
            result = AuditLog(ops).verify()
            same_head = (not last_hash and result.records == 0) or (
                last_hash and result.head == last_hash[0][0]
            )
            if not result.ok or result.records != head[0] or not same_head:
                raise StoreError(
                    f"copying {legacy} into the operations store did not keep the audit chain "
                    f"({result.problem or 'head or count differs'}); nothing was copied"
                )
            cur.execute("INSERT INTO ops_meta VALUES (?, ?)", [MIGRATED_KEY, str(legacy)])
    return (
        f"copied the operations store {legacy} into {ops.describe()} (once; the old file is left as it was): "
        f"{counts.get('users', 0)} users, {counts.get('caseload', 0)} caseload rows, "
        f"{result.records:,} audit records, chain verified"
    )
