"""Helpers of the AppTest tests: a signed-in session of ``dashboard.py``, its texts, the world store."""

from __future__ import annotations

from pathlib import Path

from streamlit.testing.v1 import AppTest

from app.ops import OpsStore
from core.settings import Settings
from data.store import Store

APP = str(Path(__file__).resolve().parents[2] / "dashboard.py")


def signed_in(user_id: str, **query: str) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=120)
    at.session_state["user_id"] = user_id
    for key, value in query.items():
        at.query_params[key] = value
    return at.run()


def texts(at: AppTest) -> str:
    parts = [m.value for m in at.markdown] + [e.value for e in at.error] + [w.value for w in at.warning]
    parts += [s.value for s in at.success] + [str(h.value) for h in at.header] + [c.value for c in at.caption]
    return "\n".join(parts)


def world(home: Path) -> Store:
    """Opened like the app opens it, read-only (DuckDB refuses a second connection in one process with another
    mode)."""
    return Store(Settings(home=home).db_path, read_only=True)


def world_writer(home: Path) -> Store:
    """The world opened for writing, as an import does: only before the app has opened it in this process."""
    return Store(Settings(home=home).db_path, read_only=False)


def one_of(home: Path, sql: str, params: list[object] | None = None) -> str:
    with world(home) as store:
        return str(store.query(sql, params).item(0, 0))


def ops_rows(home: Path, sql: str, params: list[object] | None = None) -> list[tuple[object, ...]]:
    """Rows of the operations store, where the dashboard writes decisions, requests and marks."""
    with OpsStore.open(Settings(home=home)) as ops:
        return ops.rows(sql, params)
