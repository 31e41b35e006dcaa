"""The operations store: users, the audit log, the stop switch, caseloads, and the dashboard's decisions,
contact requests and employer marks, apart from the world store.

Kept apart on purpose: regenerating or re-importing the world replaces that store, but the audit trail, the
accounts, which consultant holds which citizen and what consultants decided must survive it, and an operator
can permission and back it up on its own. Several processes write it at once (dashboards, CLI admin
commands): an embedded SQLite file by default, PostgreSQL where dashboards run on several hosts
(``Settings.ops_url``; ``app.ops_backend``).
"""

from __future__ import annotations

import secrets
import sys
import threading
import time
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import polars as pl

from app.ops_backend import TYPES, Backend, Cursor, frame
from core.settings import Settings

# The tables, each column as (name, type and constraints); the type is a key of ``ops_backend.TYPES``.
TABLES: dict[str, tuple[tuple[str, str], ...]] = {
    "ops_meta": (("key", "text PRIMARY KEY"), ("value", "text NOT NULL")),
    "users": (("user_id", "text PRIMARY KEY"), ("display_name", "text NOT NULL"), ("role", "text NOT NULL"),
              ("jobcenter_id", "text"), ("employer_id", "text"), ("password_hash", "text"), ("oidc_email", "text"),
              ("active", "bool NOT NULL DEFAULT TRUE"), ("demo", "bool NOT NULL DEFAULT FALSE"), ("team", "text"),
              ("team_lead", "bool DEFAULT FALSE")),
    "audit_log": (("seq", "int PRIMARY KEY"), ("ts", "ts NOT NULL"), ("user_id", "text NOT NULL"),
                  ("role", "text NOT NULL"), ("jobcenter_id", "text"), ("kind", "text NOT NULL"), ("subject", "text"),
                  ("model_version", "text"), ("data_version", "text"), ("payload", "text NOT NULL"),
                  ("prev_hash", "text NOT NULL"), ("hash", "text NOT NULL")),
    "switches": (("name", "text PRIMARY KEY"), ("enabled", "bool NOT NULL"), ("changed_at", "ts NOT NULL"),
                 ("changed_by", "text NOT NULL"), ("reason", "text NOT NULL")),
    "caseload": (("seeker_id", "text PRIMARY KEY"), ("user_id", "text NOT NULL"), ("team", "text"),
                 ("assigned_at", "ts NOT NULL"), ("assigned_by", "text NOT NULL")),
    "follow_ups": (("seeker_id", "text PRIMARY KEY"), ("due", "date NOT NULL"), ("set_by", "text NOT NULL"),
                   ("set_at", "ts NOT NULL")),
    "login_attempts": (("ts", "ts NOT NULL"), ("user_key", "text NOT NULL"), ("client_key", "text NOT NULL")),
    # A consultant's decisions and employers' contact requests (append-only; ``ord`` keeps the order they were
    # made in), each request's steps, and employers' saved and hidden candidates: the dashboard's writes,
    # kept here so the world store stays read-only for it (``app.decision_log`` copies decisions to the world).
    "decisions": (("ord", "serial"), ("decision_id", "text NOT NULL UNIQUE"), ("ts", "ts NOT NULL"),
                  ("user_id", "text NOT NULL"), ("role", "text NOT NULL"), ("jobcenter_id", "text"),
                  ("seeker_id", "text"), ("vacancy_id", "text"), ("programme", "text"), ("action", "text NOT NULL"),
                  ("reason", "text"), ("model_version", "text"), ("data_version", "text")),
    "contact_request_status": (("request_id", "text NOT NULL"),
                               ("status", "text NOT NULL CHECK (status IN ('seen', 'answered'))"),
                               ("ts", "ts NOT NULL"), ("user_id", "text NOT NULL"), ("note", "text"),
                               ("", "PRIMARY KEY (request_id, status)")),
    "employer_marks": (("vacancy_id", "text NOT NULL"), ("seeker_id", "text NOT NULL"),
                       ("mark", "text NOT NULL CHECK (mark IN ('saved', 'hidden'))"), ("ts", "ts NOT NULL"),
                       ("user_id", "text NOT NULL"), ("", "PRIMARY KEY (vacancy_id, seeker_id)")),
}  # fmt: skip
INDEXES = ("CREATE INDEX IF NOT EXISTS decisions_seeker ON decisions (seeker_id)",
           "CREATE INDEX IF NOT EXISTS decisions_vacancy ON decisions (vacancy_id)",
           "CREATE INDEX IF NOT EXISTS decisions_jobcenter ON decisions (jobcenter_id)")  # fmt: skip
COLUMN_TYPES: dict[str, pl.DataType] = {
    name: TYPES[spec.split()[0]][2] for columns in TABLES.values() for name, spec in columns if name
}

RECOMMENDATIONS = "recommendations"  # the administrators' stop switch
SWITCH_TTL_S = 1.0  # how long a read of a switch is reused (each page rerun reads it)
LEGACY_FILE = "ops.duckdb"  # the embedded DuckDB store of earlier versions, copied over once


def now_utc() -> datetime:
    """Naive UTC timestamp, as the stores' TIMESTAMP columns hold it."""
    return datetime.now(UTC).replace(tzinfo=None)


class OpsStore:
    """The operations store on its backend: a file path (embedded SQLite) or a ``postgresql://`` URL."""

    def __init__(self, target: str | Path, *, legacy: Path | None = None) -> None:
        self.backend = Backend(target)
        self.write_lock = threading.RLock()  # this process's writers queue here, not in the database
        self._switches: dict[str, tuple[float, bool]] = {}  # name -> (monotonic time read, enabled)
        self.notices: list[str] = []  # what opening did that its user should hear of (a migration)
        with self.write(lock="schema") as cur:  # two processes starting at once create the tables once
            for name, columns in TABLES.items():
                cur.execute(self._ddl(name, columns))
            for index in INDEXES:
                cur.execute(index)
        if legacy is not None and legacy.exists():
            from app.ops_migrate import copy_legacy

            notice = copy_legacy(self, legacy)
            if notice:
                self.notices.append(notice)
        with self.write() as cur:
            if not cur.execute("SELECT 1 FROM ops_meta WHERE key = 'pseudonym_key'").fetchall():
                # Per-deployment key for employer-facing pseudonyms; never leaves this store.
                cur.execute("INSERT INTO ops_meta VALUES ('pseudonym_key', ?)", [secrets.token_hex(32)])

    @classmethod
    def open(cls, settings: Settings) -> OpsStore:
        """The installation's store: ``ops_url`` if set, else the embedded file in ``home``; an
        ``ops.duckdb`` of an earlier version is copied over the first time (said on standard error)."""
        store = cls(settings.ops_url or settings.ops_path, legacy=settings.home / LEGACY_FILE)
        for notice in store.notices:
            print(notice, file=sys.stderr)
        return store

    def _ddl(self, name: str, columns: tuple[tuple[str, str], ...]) -> str:
        parts = []
        for column, spec in columns:
            kind, _, rest = spec.partition(" ")
            parts.append(spec if not column else f"{column} {self.backend.column_type(kind)} {rest}".strip())
        return f"CREATE TABLE IF NOT EXISTS {name} ({', '.join(parts)})"

    def describe(self) -> str:
        return self.backend.describe()

    def close(self) -> None:
        self.backend.close()

    def __enter__(self) -> OpsStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def query(
        self, sql: str, params: Sequence[Any] | None = None, schema: Mapping[str, pl.DataType] | None = None
    ) -> pl.DataFrame:
        """Rows as a frame; columns of the ops tables keep their declared types, others as ``schema`` says."""
        cur = self.backend.cursor().execute(sql, params or ())
        return frame(cur, cur.fetchall(), COLUMN_TYPES, schema or {})

    def rows(self, sql: str, params: Sequence[Any] | None = None) -> list[tuple[Any, ...]]:
        return self.backend.cursor().execute(sql, params or ()).fetchall()

    @contextmanager
    def write(self, lock: str | None = None) -> Iterator[Cursor]:
        """Serialised, all-or-nothing write: one thread of this process at a time, one transaction, and
        with ``lock`` (``ops_backend.LOCKS``) one writer of that kind across every process."""
        with self.write_lock, self.backend.transaction(lock) as cur:
            yield cur

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


def in_list(values: Sequence[Any]) -> str:
    """``(?, ?, ...)`` for ``values`` (``(NULL)`` for none, which matches nothing): a portable IN list."""
    return "(" + ", ".join("?" * len(values)) + ")" if values else "(NULL)"


def ops_exists(settings: Settings) -> bool:
    """Whether there is a store to read: a PostgreSQL one always; an embedded one once written (or an
    earlier version's, which opening copies over)."""
    return bool(settings.ops_url) or settings.ops_path.exists() or (settings.home / LEGACY_FILE).exists()
