"""The operations store: users, the audit log, the stop switch and caseloads, in their own DuckDB file.

Kept apart from the world store on purpose: regenerating or re-importing the world replaces that file, but
the audit trail, the accounts and which consultant holds which citizen (``caseload``, with the follow-up dates
consultants set) must survive it, and an operator can permission and back up this file on
its own. One process writes it (the dashboard or a CLI command); writes are serialised by a lock.
"""

from __future__ import annotations

import secrets
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import duckdb
import polars as pl

from core.errors import StoreError

_SCHEMA = """
CREATE TABLE IF NOT EXISTS ops_meta (key VARCHAR PRIMARY KEY, value VARCHAR NOT NULL);
CREATE TABLE IF NOT EXISTS users (
    user_id VARCHAR PRIMARY KEY, display_name VARCHAR NOT NULL, role VARCHAR NOT NULL,
    jobcenter_id VARCHAR, employer_id VARCHAR, password_hash VARCHAR, oidc_email VARCHAR,
    active BOOLEAN NOT NULL DEFAULT TRUE, demo BOOLEAN NOT NULL DEFAULT FALSE);
CREATE TABLE IF NOT EXISTS audit_log (
    seq BIGINT PRIMARY KEY, ts TIMESTAMP NOT NULL, user_id VARCHAR NOT NULL, role VARCHAR NOT NULL,
    jobcenter_id VARCHAR, kind VARCHAR NOT NULL, subject VARCHAR, model_version VARCHAR,
    data_version VARCHAR, payload VARCHAR NOT NULL, prev_hash VARCHAR NOT NULL, hash VARCHAR NOT NULL);
CREATE TABLE IF NOT EXISTS switches (
    name VARCHAR PRIMARY KEY, enabled BOOLEAN NOT NULL, changed_at TIMESTAMP NOT NULL,
    changed_by VARCHAR NOT NULL, reason VARCHAR NOT NULL);
ALTER TABLE users ADD COLUMN IF NOT EXISTS team VARCHAR;
ALTER TABLE users ADD COLUMN IF NOT EXISTS team_lead BOOLEAN DEFAULT FALSE;
CREATE TABLE IF NOT EXISTS caseload (
    seeker_id VARCHAR PRIMARY KEY, user_id VARCHAR NOT NULL, team VARCHAR,
    assigned_at TIMESTAMP NOT NULL, assigned_by VARCHAR NOT NULL);
CREATE TABLE IF NOT EXISTS follow_ups (
    seeker_id VARCHAR PRIMARY KEY, due DATE NOT NULL, set_by VARCHAR NOT NULL, set_at TIMESTAMP NOT NULL);
"""

RECOMMENDATIONS = "recommendations"  # the administrators' stop switch
SWITCH_TTL_S = 1.0  # how long a read of a switch is reused (each page rerun reads it)


def now_utc() -> datetime:
    """Naive UTC timestamp, as DuckDB TIMESTAMP columns store it."""
    return datetime.now(UTC).replace(tzinfo=None)


class OpsStore:
    """One read-write connection to ``ops.duckdb``; reads from other threads use their own cursor."""

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        try:
            self._con = duckdb.connect(str(self.path))
        except duckdb.Error as exc:
            raise StoreError(
                f"cannot open the operations store {self.path}: {exc} "
                "(only one process may write it: stop the dashboard before running this command)"
            ) from exc
        self.write_lock = threading.RLock()
        self._local = threading.local()
        self._switches: dict[str, tuple[float, bool]] = {}  # name -> (monotonic time read, enabled)
        with self.write_lock:
            self._con.execute(_SCHEMA)
            if not self._con.execute("SELECT 1 FROM ops_meta WHERE key = 'pseudonym_key'").fetchall():
                # Per-deployment key for employer-facing pseudonyms; never leaves this file.
                self._con.execute("INSERT INTO ops_meta VALUES ('pseudonym_key', ?)", [secrets.token_hex(32)])

    def close(self) -> None:
        self._con.close()

    def __enter__(self) -> OpsStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _cursor(self) -> duckdb.DuckDBPyConnection:
        cur = getattr(self._local, "cursor", None)
        if cur is None:
            cur = self._con.cursor()
            self._local.cursor = cur
        return cur

    def query(self, sql: str, params: list[Any] | None = None) -> pl.DataFrame:
        value: pl.DataFrame = self._cursor().sql(sql, params=params or None).pl()
        return value

    def rows(self, sql: str, params: list[Any] | None = None) -> list[tuple[Any, ...]]:
        return self._cursor().execute(sql, params or []).fetchall()

    @contextmanager
    def write(self) -> Iterator[duckdb.DuckDBPyConnection]:
        """Serialised, all-or-nothing write: one thread at a time, one transaction."""
        with self.write_lock:
            cur = self._cursor()
            cur.begin()
            try:
                yield cur
            except BaseException:
                cur.rollback()
                raise
            cur.commit()

    def meta(self, key: str) -> str | None:
        found = self.rows("SELECT value FROM ops_meta WHERE key = ?", [key])
        return found[0][0] if found else None

    def set_meta(self, key: str, value: str) -> None:
        with self.write() as cur:
            cur.execute("INSERT INTO ops_meta VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                        [key, value])  # fmt: skip

    # --- the stop switch ---------------------------------------------------------------------------

    def switch_enabled(self, name: str = RECOMMENDATIONS) -> bool:
        """Read on every rerun of every page, so kept for at most ``SWITCH_TTL_S``; a change made through
        this store is seen at once, one made by another process within that time."""
        cached = self._switches.get(name)
        if cached is not None and time.monotonic() - cached[0] < SWITCH_TTL_S:
            return cached[1]
        found = self.rows("SELECT enabled FROM switches WHERE name = ?", [name])
        enabled = bool(found[0][0]) if found else True
        self._switches[name] = (time.monotonic(), enabled)
        return enabled

    def set_switch(self, name: str, enabled: bool, user_id: str, reason: str) -> None:
        with self.write() as cur:
            cur.execute(
                "INSERT INTO switches VALUES (?, ?, ?, ?, ?) ON CONFLICT (name) DO UPDATE SET "
                "enabled = excluded.enabled, changed_at = excluded.changed_at, "
                "changed_by = excluded.changed_by, reason = excluded.reason",
                [name, enabled, now_utc(), user_id, reason],
            )
        self._switches.pop(name, None)
