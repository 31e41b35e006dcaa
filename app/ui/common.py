"""What every role's page shares: the cached workspace, language, small widgets, refusals as messages."""

from __future__ import annotations

import threading
from typing import Any

import polars as pl
import streamlit as st

from app.access import User
from app.ui.incidents import incident, refused
from app.ui_text import md, t
from app.workspace import QueueFilters, QueuePage, Workspace
from core.errors import AccessDenied, ModelUnavailable, RecommendationsOff
from core.settings import load_settings


@st.cache_resource(show_spinner="Indlæser modeller og indeks …")
def workspace(home: str, db_file: str) -> Workspace:
    """One per process and home: the live release (world read-only, models, indexes), switched to a newer
    one in the background when an import, refresh or build publishes it. Employers' shortlists are ranked in
    the background from the start, so no employer's first click pays for them."""
    ws = Workspace.open(load_settings(home=home, db_file=db_file))
    threading.Thread(target=ws.warm, name="warm-release", daemon=True).start()
    return ws


@st.cache_data(ttl=30, show_spinner=False)
def cached_queue(_ws: Workspace, scope: str, user_id: str, search: str, group: str, benefit: str,
                 holder: str | None, page: int, page_size: int, version: str) -> QueuePage:  # fmt: skip
    """One page of the queue, cached per user and scope (so no user sees another's), filters, page and
    version (data version and caseload stamp, so an assignment or follow-up shows at once)."""
    filters = QueueFilters(search, group or None, benefit or None, holder)
    return _ws.queue_page(_same_user(_ws, scope, user_id), filters, page, page_size)


def _same_user(ws: Workspace, scope: str, user_id: str) -> User:
    """The user behind a cache key, still active and still in the scope the key was made for."""
    user = ws.directory.get(user_id)
    if user is None or user.scope != scope:
        raise AccessDenied("session no longer valid")
    return user


def lang() -> str:
    return str(st.session_state.get("lang", "da"))


def tr(key: str) -> str:
    return t(key, lang())


def chips(labels: list[str], color: str) -> str:
    return " ".join(f":{color}-badge[{md(label)}]" for label in labels) if labels else "–"


def picked_id(picked: Any, ids: pl.Series, param: str) -> str | None:
    """The id of a row picked in a table, kept in the URL parameter ``param`` (so a link opens it again);
    the workspace checks the scope of whatever id arrives there."""
    rows = picked.selection.rows if picked is not None else []
    if rows:
        st.query_params[param] = ids[rows[0]]
    value = st.query_params.get(param)
    return str(value) if value else None


def shown_once(key: tuple[Any, ...], compute: Any, *, ws: Workspace, user: User) -> Any:
    """What a view shows is computed (and audited) once per session and key, not on every widget rerun.

    ``key`` starts with the view's name and its subject (citizen or vacancy). Every later display is audited
    too, as a small record pointing at the original one; none happens while suggestions are switched off
    (the session's lists are dropped, so switching back on computes and audits fresh ones)."""
    cache = st.session_state.setdefault("_shown", {})
    if key not in cache:
        cache[key] = compute()
        return cache[key]
    try:
        ws.log_redisplay(user, str(key[0]), str(key[1]), _audit_seq(cache[key]))
    except RecommendationsOff:
        cache.clear()
        raise
    return cache[key]


def _audit_seq(shown: Any) -> int:
    """The audit record of a cached view: a ``Shown`` or a (result, seq) pair."""
    return int(shown.audit_seq if hasattr(shown, "audit_seq") else shown[1])


def forget_shown(prefix: str) -> None:
    cache = st.session_state.get("_shown", {})
    for key in [k for k in cache if k[0] == prefix]:
        del cache[key]


def guarded(render: Any, *args: Any) -> None:
    """Render a view part; the workspace's refusals become (audited) messages, and a bug an incident id on
    screen with its traceback in the log, so one broken part never shows a traceback or stops the page."""
    try:
        render(*args)
    except AccessDenied as exc:
        refused(exc)
    except RecommendationsOff:
        st.warning(tr("stopped"))
    except ModelUnavailable as exc:
        st.warning(f"{tr('model_problem')}: {md(exc)}")
    except Exception as exc:  # a bug (Streamlit's rerun/stop signals are BaseExceptions and pass through)
        incident(exc)
