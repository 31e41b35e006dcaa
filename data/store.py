"""The DuckDB store: one file, schema by migrations, one writer, read-only connections elsewhere.

Whole-world writes (``jobmatch generate``) build a new file beside the old one and rename it into place,
so a crash leaves the previous consistent world. Incremental writes (imports) run in one transaction.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import duckdb
import polars as pl

from core.errors import StoreError
from data import columns as C
from data.clock import REFERENCE_DATE_KEY, reference_date
from data.schema import LATEST_VERSION, MIGRATIONS
from data.taxonomy import Taxonomy


class Store:
    """A connection to the DuckDB file with the helpers every package uses."""

    def __init__(self, path: str | Path, *, read_only: bool = True, create: bool = True) -> None:
        """``create=False``: a writer that needs an existing world (import, build) refuses a missing file
        instead of leaving an empty store behind (which ``generate --if-absent`` would then keep)."""
        self.path = Path(path)
        self.read_only = read_only
        if (read_only or not create) and not self.path.exists():
            raise StoreError(
                f"no store at {self.path}: create it with `jobmatch generate` (or `make run`), "
                "or point JOBMATCH_HOME at the folder that holds it"
            )
        if not read_only:
            self.path.parent.mkdir(parents=True, exist_ok=True)
        try:
            self.con = duckdb.connect(str(self.path), read_only=read_only)
        except duckdb.Error as exc:
            raise StoreError(
                f"cannot open store {self.path}: {exc} (if the file is damaged, move it aside and "
                "recreate it with `jobmatch generate`)"
            ) from exc
        if read_only:
            version = self.schema_version()
            if version != LATEST_VERSION:
                raise StoreError(
                    f"store {self.path} has schema version {version}, this code expects {LATEST_VERSION}: "
                    "open it once for writing (e.g. `jobmatch migrate`) or regenerate it"
                )
        else:
            migrate(self.con)

    def cursor(self) -> Store:
        """Another handle on the same open database for another thread (DuckDB connections are per thread);
        it shares this connection's mode, so writes through it still go through the one writer."""
        other = object.__new__(Store)
        other.path, other.read_only, other.con = self.path, self.read_only, self.con.cursor()
        return other

    # --- lifecycle --------------------------------------------------------------------------------

    def close(self) -> None:
        self.con.close()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @contextmanager
    def transaction(self) -> Iterator[duckdb.DuckDBPyConnection]:
        """All or nothing: on any exception, every write inside is rolled back."""
        self._require_writer()
        self.con.begin()
        try:
            yield self.con
        except BaseException:
            self.con.rollback()
            raise
        self.con.commit()

    def _require_writer(self) -> None:
        if self.read_only:
            raise StoreError(f"store {self.path} is open read-only; writes go through the single writer")

    def execute(self, sql: str, params: list[Any] | None = None) -> list[tuple[Any, ...]]:
        """Run a statement and drain its result (DuckDB refuses new work while a result is pending)."""
        return _run(self.con, sql, params)

    # --- reading ----------------------------------------------------------------------------------

    def schema_version(self) -> int:
        exists = self.execute(
            "SELECT count(*) FROM information_schema.tables WHERE table_name = 'schema_version'"
        )
        if not exists[0][0]:
            return 0
        value = self.execute("SELECT max(version) FROM schema_version")[0][0]
        return int(value) if value is not None else 0

    def query(self, sql: str, params: list[Any] | None = None) -> pl.DataFrame:
        value: pl.DataFrame = self.con.sql(sql, params=params or None).pl()
        return value

    def row(self, sql: str, params: list[Any] | None = None) -> dict[str, Any] | None:
        """The first row as a dict (the same values ``query(...).row(0, named=True)`` gives), or None: a
        third of the cost of a one-row frame, for lookups by key on every request."""
        cur = self.con.execute(sql, params or [])
        rows = cur.fetchall()
        return dict(zip([c[0] for c in cur.description], rows[0], strict=True)) if rows else None

    def table(self, name: str) -> pl.DataFrame:
        if name not in self.tables():
            raise StoreError(f"store {self.path} has no table {name!r}")
        value: pl.DataFrame = self.con.sql(f'SELECT * FROM "{name}"').pl()
        return value

    def tables(self) -> list[str]:
        rows = self.execute(
            "SELECT table_name FROM information_schema.tables WHERE table_schema = 'main' ORDER BY 1"
        )
        return [r[0] for r in rows]

    def count(self, name: str) -> int:
        return int(self.execute(f'SELECT count(*) FROM "{name}"')[0][0])

    def meta(self, key: str, default: str | None = None) -> str | None:
        rows = self.execute("SELECT value FROM meta WHERE key = ?", [key])
        return rows[0][0] if rows else default

    def reference_date(self) -> date:
        """The store's "today" (see ``data.clock``): what decides whether a vacancy is still open."""
        return reference_date(self.meta(REFERENCE_DATE_KEY))

    @property
    def data_version(self) -> str:
        """Changes on every write of world data; indexes and models record it to detect staleness."""
        return self.meta("data_version") or "empty"

    # --- writing ----------------------------------------------------------------------------------

    def set_meta(self, key: str, value: str) -> None:
        self._require_writer()
        self.execute(
            "INSERT INTO meta VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value",
            [key, value],
        )

    def bump_data_version(self) -> str:
        version = f"{datetime.now(UTC):%Y%m%dT%H%M%S}-{uuid.uuid4().hex[:8]}"
        self.set_meta("data_version", version)
        return version

    def insert(self, name: str, frame: pl.DataFrame) -> int:
        """Append a frame to a table, matching columns by name."""
        self._require_writer()
        if frame.height == 0:
            return 0
        view = f"_incoming_{uuid.uuid4().hex[:8]}"
        self.con.register(view, frame.to_arrow())
        try:
            self.execute(f'INSERT INTO "{name}" BY NAME SELECT * FROM "{view}"')
        finally:
            self.con.unregister(view)
        return frame.height

    def save_taxonomy(self, taxonomy: Taxonomy) -> None:
        """Replace the rows of one taxonomy (builtin or esco) in one transaction, leaving others in place."""
        with self.transaction():
            self.insert_taxonomy(taxonomy)

    def insert_taxonomy(self, taxonomy: Taxonomy) -> None:
        """Replace one taxonomy's rows inside the caller's transaction."""
        for table in ("taxonomy_occupations", "taxonomy_skills", "taxonomy_occupation_skills"):
            self.execute(f"DELETE FROM {table} WHERE taxonomy = ?", [taxonomy.name])
        tag = pl.lit(taxonomy.name).alias(C.TAXONOMY)
        self.insert("taxonomy_occupations", taxonomy.occupations.with_columns(tag))
        self.insert("taxonomy_skills", taxonomy.skills.with_columns(tag))
        self.insert("taxonomy_occupation_skills", taxonomy.occupation_skills.with_columns(tag))
        self.set_meta(f"taxonomy_version:{taxonomy.name}", taxonomy.version)

    def load_taxonomy(self, name: str) -> Taxonomy:
        occupations = self.query(
            "SELECT * EXCLUDE (taxonomy) FROM taxonomy_occupations WHERE taxonomy = ?", [name]
        )
        if occupations.height == 0:
            hint = "jobmatch taxonomy import-esco PATH" if name == "esco" else "jobmatch generate"
            raise StoreError(f"taxonomy {name!r} is not in store {self.path}: load it with `{hint}`")
        skills = self.query("SELECT * EXCLUDE (taxonomy) FROM taxonomy_skills WHERE taxonomy = ?", [name])
        relations = self.query(
            "SELECT * EXCLUDE (taxonomy) FROM taxonomy_occupation_skills WHERE taxonomy = ?", [name]
        )
        return Taxonomy.build(
            name, occupations, skills, relations, version=self.meta(f"taxonomy_version:{name}") or ""
        )


def _run(con: duckdb.DuckDBPyConnection, sql: str, params: list[Any] | None = None) -> list[tuple[Any, ...]]:
    return con.execute(sql, params or []).fetchall()


def migrate(con: duckdb.DuckDBPyConnection) -> list[int]:
    """Apply pending migrations in order, each in its own transaction; returns the versions applied."""
    _run(
        con,
        "CREATE TABLE IF NOT EXISTS schema_version (version INTEGER PRIMARY KEY, description VARCHAR,"
        " applied_at TIMESTAMP)",
    )
    current = int(_run(con, "SELECT coalesce(max(version), 0) FROM schema_version")[0][0])
    if current > LATEST_VERSION:
        raise StoreError(f"store has schema version {current}, newer than this code ({LATEST_VERSION})")
    applied = []
    for migration in MIGRATIONS:
        if migration.version <= current:
            continue
        con.begin()
        try:
            _run(con, migration.sql)
            _run(
                con,
                "INSERT INTO schema_version VALUES (?, ?, ?)",
                [migration.version, migration.description, datetime.now(UTC).replace(tzinfo=None)],
            )
        except BaseException:
            con.rollback()
            raise
        con.commit()
        applied.append(migration.version)
    return applied


@contextmanager
def replace_atomically(path: str | Path) -> Iterator[Store]:
    """Build a whole new store beside ``path`` and rename it into place only if the block succeeds."""
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = target.with_name(f".{target.name}.{os.getpid()}.{uuid.uuid4().hex[:6]}.tmp")
    store = Store(tmp, read_only=False)
    try:
        yield store
        store.execute("CHECKPOINT")
        store.close()
        # A write-ahead log left by a crashed writer of the *old* file would be replayed onto the new
        # one and refused ("WAL does not match"); the old file is being replaced, so its log goes too.
        target.with_name(target.name + ".wal").unlink(missing_ok=True)
        os.replace(tmp, target)
        _fsync_dir(target.parent)
    except BaseException:
        store.close()
        for leftover in (tmp, tmp.with_name(tmp.name + ".wal")):
            leftover.unlink(missing_ok=True)
        raise


def _fsync_dir(folder: Path) -> None:
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
