"""The operations store's two backends behind one small adapter, so every ops query is written once.

Queries use ``?`` placeholders and portable SQL (no DuckDB-only syntax). ``sqlite`` is the embedded default:
one file in ``home`` in WAL mode with a busy timeout, so several processes on one host (dashboards, CLI
admin commands) read and write it at once. ``postgresql`` (psycopg 3) is the production option for
dashboards on several hosts. Each thread has its own connection; a write is one transaction that may take
a named cross-process lock (SQLite: ``BEGIN IMMEDIATE`` already excludes every other writer; PostgreSQL:
``pg_advisory_xact_lock``), which is what keeps the audit chain whole with several writing processes.
"""

from __future__ import annotations

import sqlite3
import threading
import uuid
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any

import polars as pl

from core.errors import StoreError

POSTGRES_SCHEMES = ("postgresql://", "postgres://")
BUSY_TIMEOUT_S = 30.0
# Cross-process locks a write may take (PostgreSQL advisory lock keys; SQLite needs none).
LOCKS = {"audit": 7_101, "decisions": 7_102, "schema": 7_103}

# Column types as the tables declare them: (SQLite, PostgreSQL, polars).
TYPES: dict[str, tuple[str, str, pl.DataType]] = {
    "text": ("TEXT", "TEXT", pl.String()),
    "int": ("BIGINT", "BIGINT", pl.Int64()),
    "bool": ("BOOLEAN", "BOOLEAN", pl.Boolean()),
    "ts": ("TIMESTAMP", "TIMESTAMP", pl.Datetime("us")),
    "date": ("DATE", "DATE", pl.Date()),
    "serial": ("INTEGER PRIMARY KEY", "BIGSERIAL PRIMARY KEY", pl.Int64()),
}


def is_postgres(target: str | Path) -> bool:
    return str(target).startswith(POSTGRES_SCHEMES)


def _register_sqlite_types() -> None:
    """Timestamps and dates as ISO text (microseconds kept: the audit hash covers them), read back typed."""
    sqlite3.register_adapter(datetime, lambda v: v.isoformat(" ", "microseconds"))
    sqlite3.register_adapter(date, lambda v: v.isoformat())
    sqlite3.register_converter("TIMESTAMP", lambda b: datetime.fromisoformat(b.decode()))
    sqlite3.register_converter("DATE", lambda b: date.fromisoformat(b.decode()))
    sqlite3.register_converter("BOOLEAN", lambda b: bool(int(b)))


_register_sqlite_types()


class Cursor:
    """One connection's cursor with the placeholder style of its backend."""

    def __init__(self, raw: Any, postgres: bool) -> None:
        self._raw, self._postgres = raw, postgres

    def _sql(self, sql: str) -> str:
        return sql.replace("%", "%%").replace("?", "%s") if self._postgres else sql

    def execute(self, sql: str, params: Sequence[Any] = ()) -> Cursor:
        self._raw.execute(self._sql(sql), list(params))
        return self

    def executemany(self, sql: str, rows: Sequence[Sequence[Any]]) -> None:
        if rows:
            self._raw.executemany(self._sql(sql), [list(r) for r in rows])

    def fetchall(self) -> list[tuple[Any, ...]]:
        return [tuple(r) for r in self._raw.fetchall()]

    def columns(self) -> list[str]:
        return [d[0] for d in self._raw.description or ()]


@dataclass
class _Slot:
    owner: threading.Thread
    con: Any
    cursor: Cursor


class Backend:
    """Connections (one per thread), transactions and named locks of one operations store."""

    def __init__(self, target: str | Path) -> None:
        self.postgres = is_postgres(target)
        self.target = str(target)
        if not self.postgres and self.target == ":memory:":  # one scratch database shared by the threads
            self.target = f"file:ops-{uuid.uuid4().hex}?mode=memory&cache=shared"
        elif not self.postgres:
            Path(self.target).parent.mkdir(parents=True, exist_ok=True)
        self._local = threading.local()
        self._slots: list[_Slot] = []  # every connection opened, and the thread that holds it now
        self._guard = threading.Lock()
        self.cursor()  # fail early, in the caller's thread, if the store cannot be opened

    @property
    def name(self) -> str:
        return "postgresql" if self.postgres else "sqlite"

    def column_type(self, kind: str) -> str:
        sqlite, postgres, _ = TYPES[kind]
        return postgres if self.postgres else sqlite

    def _connect(self) -> Any:
        try:
            if self.postgres:
                import psycopg

                return psycopg.connect(self.target, autocommit=True)
            con = sqlite3.connect(self.target, timeout=BUSY_TIMEOUT_S, isolation_level=None,
                                  detect_types=sqlite3.PARSE_DECLTYPES, check_same_thread=False,
                                  uri=self.target.startswith("file:"))  # fmt: skip
            if not self.target.startswith("file:"):
                con.execute("PRAGMA journal_mode=WAL")
            return con
        except Exception as exc:  # sqlite3.Error, psycopg.Error: both mean the store cannot be reached
            raise StoreError(f"cannot open the operations store {self.describe()}: {exc}") from exc

    def describe(self) -> str:
        """Where the store is, without a password."""
        if not self.postgres:
            return self.target
        rest = self.target.split("://", 1)[1]
        return "postgresql://" + rest.rsplit("@", 1)[-1]

    def cursor(self) -> Cursor:
        cur: Cursor | None = getattr(self._local, "cursor", None)
        if cur is None:
            slot = self._free_slot()
            cur = slot.cursor
            self._local.cursor, self._local.depth = cur, 0
        return cur

    def _free_slot(self) -> _Slot:
        """A connection for this thread: one a finished thread held (Streamlit runs every page rerun in a new
        thread, so connections are handed on rather than piling up), else a new one."""
        me = threading.current_thread()
        with self._guard:
            for slot in self._slots:
                if not slot.owner.is_alive():
                    slot.owner = me
                    return slot
        con = self._connect()
        slot = _Slot(me, con, Cursor(con.cursor(), self.postgres))
        with self._guard:
            self._slots.append(slot)
        return slot

    @property
    def connections(self) -> int:
        return len(self._slots)

    @contextmanager
    def transaction(self, lock: str | None = None) -> Iterator[Cursor]:
        """One all-or-nothing transaction on this thread's connection; nested calls join the outer one."""
        cur = self.cursor()
        if self._local.depth:
            self._local.depth += 1
            try:
                yield cur
            finally:
                self._local.depth -= 1
            return
        cur.execute("BEGIN" if self.postgres else "BEGIN IMMEDIATE")
        self._local.depth = 1
        try:
            if lock is not None and self.postgres:
                cur.execute("SELECT pg_advisory_xact_lock(?)", [LOCKS[lock]])
            yield cur
        except BaseException:
            self._local.depth = 0
            cur.execute("ROLLBACK")
            raise
        self._local.depth = 0
        cur.execute("COMMIT")

    def close(self) -> None:
        with self._guard:
            for slot in self._slots:
                slot.con.close()
            self._slots.clear()
        self._local = threading.local()


def frame(
    cur: Cursor,
    rows: list[tuple[Any, ...]],
    types: Mapping[str, pl.DataType],
    schema: Mapping[str, pl.DataType],
) -> pl.DataFrame:
    """Rows as a polars frame: each column typed by ``schema``, else by the table's declared type, else
    inferred (an all-empty column as text), so both backends give the same frame."""
    columns = []
    for i, name in enumerate(cur.columns()):
        dtype = schema.get(name) or types.get(name)
        values = [_coerce(r[i], dtype) for r in rows]
        series = pl.Series(name, values, dtype=dtype, strict=False)
        columns.append(series.cast(pl.String) if series.dtype == pl.Null else series)
    return pl.DataFrame(columns)


def _coerce(value: Any, dtype: pl.DataType | None) -> Any:
    """SQLite hands back computed timestamps, dates and flags as text or integers."""
    if value is None or dtype is None:
        return value
    if isinstance(value, str) and dtype == pl.Datetime("us"):
        return datetime.fromisoformat(value)
    if isinstance(value, str) and dtype == pl.Date():
        return date.fromisoformat(value)
    if isinstance(value, int) and dtype == pl.Boolean():
        return bool(value)
    return value
