"""The consultant page's queue: filters in the sidebar, one page of citizens sorted by what needs action
today with a "why on top" column, page navigation, and the follow-up date widget on the citizen page."""

from __future__ import annotations

from datetime import date
from typing import Any

import polars as pl
import streamlit as st

from app import labels
from app.access import User
from app.ui.common import cached_queue, lang, picked_id, tr
from app.ui_text import md, t
from app.workspace import UNASSIGNED, QueuePage, Workspace
from app.workspace.queue import PRIORITY_IDLE
from core.errors import AccessDenied
from data import columns as C

ALL = "*"  # the holder filter's "everyone" (UNASSIGNED, the empty string, selects those without a caseworker)
PAGE_KEY, FILTERS_KEY = "q_page", "q_filters"


def queue_panel(ws: Workspace, user: User) -> str | None:
    """Sidebar filters, the current page of the queue and the pager; the id of the citizen picked (or in
    the URL), else None."""
    members = ws.caseload.team_members(user)
    filters = _sidebar(user, members)
    if st.session_state.get(FILTERS_KEY) != filters:  # new filters start on the first page
        st.session_state[FILTERS_KEY], st.session_state[PAGE_KEY] = filters, 0
    result = _page(ws, user, filters)
    st.subheader(f"{tr('cl_team_queue' if user.team_lead else 'queue')} ({result.total})")
    st.caption(tr("cl_order").format(weeks=ws.settings.queue_idle_weeks))
    if result.total == 0:
        st.info(tr("cl_empty"))
    shown = labels.display_frame(queue_table(result.frame, members, user.team_lead, lang()), lang())
    picked = st.dataframe(shown, hide_index=True, on_select="rerun", selection_mode="single-row",
                          key=f"queue_table_{result.page}_{hash(filters)}", height=260)  # fmt: skip
    _pager(result)
    return picked_id(picked, result.frame[C.SEEKER_ID], "borger")


def _sidebar(user: User, members: dict[str, str]) -> tuple[str, str, str, str | None]:
    with st.sidebar:
        st.subheader(tr("cl_team_queue" if user.team_lead else "queue"))
        search = st.text_input(tr("search"), key="q_search")
        group = st.selectbox(tr("target_group"), ["", *C.TARGET_GROUPS], key="q_group",
                             format_func=lambda v: labels.value("target_group", v, lang()) if v else tr("all"))  # fmt: skip
        benefit = st.selectbox(tr("benefit"), ["", *C.BENEFIT_TYPES], key="q_benefit",
                               format_func=lambda v: labels.value("benefit_type", v, lang()) if v else tr("all"))  # fmt: skip
        holder = ALL
        if user.team_lead:
            names = {ALL: tr("all"), UNASSIGNED: tr("cl_unassigned"), **members}
            holder = st.selectbox(tr("cl_holder"), list(names), key="q_holder", format_func=names.__getitem__)
    return search, group, benefit, None if holder == ALL else holder


def _page(ws: Workspace, user: User, filters: tuple[str, str, str, str | None]) -> QueuePage:
    """The page asked for, moved back onto the last page when the queue got shorter."""
    size, version = ws.settings.queue_page_size, ws.queue_version()
    page = int(st.session_state.get(PAGE_KEY, 0))
    result = cached_queue(ws, user.scope, user.user_id, *filters, page, size, version)
    if page > 0 and page >= result.pages:
        st.session_state[PAGE_KEY] = page = result.pages - 1
        result = cached_queue(ws, user.scope, user.user_id, *filters, page, size, version)
    return result


def _turn(step: int) -> None:
    st.session_state[PAGE_KEY] = max(0, int(st.session_state.get(PAGE_KEY, 0)) + step)


def _pager(result: QueuePage) -> None:
    back, where, forward = st.columns([1, 3, 1])
    back.button(tr("cl_prev"), key="q_prev", disabled=result.page == 0, on_click=_turn, args=(-1,))
    where.caption(tr("cl_page").format(page=result.page + 1, pages=result.pages, total=result.total))
    forward.button(tr("cl_next"), key="q_next", disabled=result.page + 1 >= result.pages, on_click=_turn,
                   args=(1,))  # fmt: skip


def queue_table(frame: pl.DataFrame, members: dict[str, str], team_lead: bool, lang: str) -> pl.DataFrame:
    """The columns a consultant reads, "why on top" first; a team lead also sees each citizen's caseworker."""
    why = [why_on_top(r, lang) for r in frame.iter_rows(named=True)]
    table = frame.with_columns(
        pl.Series("why_on_top", why, dtype=pl.String),
        *(pl.Series(name, [_day(d, lang) if d else None for d in frame[name].to_list()], dtype=pl.String)
          for name in ("follow_up", "last_action")),
    )  # fmt: skip
    columns = ["why_on_top", C.SEEKER_ID, "weeks_unemployed", "benefit_type", "target_group", "desired",
               "follow_up", "last_action"]  # fmt: skip
    if team_lead:
        unassigned = _text("cl_unassigned", lang)
        names = [members.get(c, c) if c else unassigned for c in frame["consultant"].to_list()]
        table = table.with_columns(pl.Series("consultant", names, dtype=pl.String))
        columns.insert(2, "consultant")
    return table.select(columns)


def why_on_top(row: dict[str, Any], lang: str, today: date | None = None) -> str:
    """Why the citizen stands where it does, in words: requests, follow-up, weeks without a decision."""
    today = today or date.today()
    parts = []
    n, due = int(row["new_requests"]), row["follow_up"]
    if n:
        parts.append(
            _text("cl_why_request_1", lang) if n == 1 else _text("cl_why_requests", lang).format(n=n)
        )
    if due is not None and due <= today:
        parts.append(_text("cl_why_due_today", lang) if due == today else
                     _text("cl_why_overdue", lang).format(date=_day(due, lang)))  # fmt: skip
    if row["priority"] == PRIORITY_IDLE and not parts:
        parts.append(_text("cl_why_idle", lang).format(weeks=row["idle_weeks"]))
    if due is not None and due > today:
        parts.append(_text("cl_why_next", lang).format(date=_day(due, lang)))
    return " · ".join(parts) or labels.MISSING


def _day(day: date, lang: str) -> str:
    """A date (or the day of a timestamp) as the language writes it."""
    return day.strftime("%d.%m.%Y" if lang == "da" else "%Y-%m-%d")


def _text(key: str, lang: str) -> str:
    return t(key, lang)


# --- the follow-up date on the citizen page -----------------------------------------------------------------


def follow_up_row(ws: Workspace, user: User, seeker_id: str) -> None:
    """Set or clear the date to follow up on this citizen; saved in a callback, so the queue drawn on the
    same rerun already shows it."""
    current = ws.follow_up(user, seeker_id)
    picked, save, clear = st.columns([2, 1, 1], vertical_alignment="bottom")
    picked.date_input(tr("cl_follow_up"), value=current, key=f"fu_date_{seeker_id}", format="DD.MM.YYYY")
    save.button(tr("cl_follow_up_save"), key=f"fu_save_{seeker_id}", on_click=_save_follow_up,
                args=(ws, user, seeker_id, True))  # fmt: skip
    clear.button(tr("cl_follow_up_clear"), key=f"fu_clear_{seeker_id}", disabled=current is None,
                 on_click=_save_follow_up, args=(ws, user, seeker_id, False))  # fmt: skip
    if message := st.session_state.pop("fu_message", None):
        st.success(message)
    if refusal := st.session_state.pop("fu_refused", None):
        st.error(f"{tr('denied')}: {refusal}")


def _save_follow_up(ws: Workspace, user: User, seeker_id: str, keep: bool) -> None:
    due = st.session_state.get(f"fu_date_{seeker_id}") if keep else None
    try:
        ws.set_follow_up(user, seeker_id, due)
    except AccessDenied as exc:
        st.session_state["fu_refused"] = md(exc)
        return
    if not keep:
        st.session_state.pop(f"fu_date_{seeker_id}", None)
    st.session_state["fu_message"] = tr("cl_follow_up_saved" if due else "cl_follow_up_cleared")
