"""A consultant's decisions on the page: each card's state and buttons, notes, the history and the export.

Card buttons act in callbacks (which run before the page is drawn again), so a card shows its new state in
the same click; the outcome is kept as a message for that card. The decided states of a citizen are read
once per rerun (kept for ``STATES_TTL_S`` at most), not once per card.
"""

from __future__ import annotations

import json
import time
from typing import Any

import streamlit as st

from app import labels
from app.access import User
from app.explanation import printable_explanation
from app.ui.common import lang, tr
from app.ui_text import md
from app.workspace import DecisionState, Workspace
from core.errors import AccessDenied, InvalidDecision, RecommendationsOff

STATES_TTL_S = 2.0
# Streamlit's bundled Material icons: drawn without an emoji font (which a kiosk browser may lack).
_ICONS = {"accept": ":material/check_circle:", "reject": ":material/cancel:", "contact": ":material/call:",
          "override": ":material/edit:"}  # fmt: skip


def record_decision(
    ws: Workspace, user: User, seeker_id: str, action: str, reason: str, **target: Any
) -> bool:
    """One decision through the workspace (stored, audited, training signal); the outcome as a message."""
    kind, text = _decide(ws, user, seeker_id, action, reason, target)
    {"success": st.success, "warning": st.warning}.get(kind, st.error)(text)
    return kind == "success"


def _decide(ws: Workspace, user: User, seeker_id: str, action: str, reason: str, target: dict[str, Any]
            ) -> tuple[str, str]:  # fmt: skip
    try:
        ws.decide(user, seeker_id, action, reason, **target)
    except RecommendationsOff:
        return "warning", tr("stopped")
    except (InvalidDecision, AccessDenied) as exc:
        return "error", md(exc)
    st.session_state.get("_decision_states", {}).pop(seeker_id, None)
    return "success", f"{tr('saved')}: {labels.value('action', action, lang())}"


def decision_row(ws: Workspace, user: User, seeker_id: str, key: str, *, vacancy_id: str | None = None,
                 programme: str | None = None) -> None:  # fmt: skip
    """One card's decision: accept / reject with the card's own reason while it is open; once decided, who
    decided what and when, "contacted" after an accept, and an undo inside the window."""
    target = {"vacancy_id": vacancy_id, "programme": programme}
    state = _states(ws, user, seeker_id).get(
        ("vacancy", vacancy_id) if vacancy_id else ("programme", str(programme))
    )
    message = st.session_state.get("_decision_flash", {}).pop(key, None)
    if message:
        {"success": st.success, "warning": st.warning}.get(message[0], st.error)(message[1])
    if state is None:
        reason_col, accept_col, reject_col = st.columns([4, 1, 1])
        reason_col.text_input(tr("reason"), key=f"reason_{key}", label_visibility="collapsed",
                              placeholder=tr("reason"))  # fmt: skip
        for col, action in ((accept_col, "accept"), (reject_col, "reject")):
            col.button(tr(action), key=f"{action}_{key}", on_click=_on_click,
                       args=(ws, user, seeker_id, key, action, target))  # fmt: skip
        return
    state_col, contact_col, undo_col = st.columns([4, 1, 1])
    state_col.markdown(state_line(state))
    if state.action in ("accept", "override"):
        contact_col.button(tr("dec_contact"), key=f"contact_{key}", help=tr("dec_contact_help"),
                           on_click=_on_click, args=(ws, user, seeker_id, key, "contact", target))  # fmt: skip
    if state.undoable_until is not None and state.user_id == user.user_id:
        undo_col.button(tr("dec_undo"), key=f"undo_{key}",
                        help=f"{tr('dec_undo_until')} {labels.clock(state.undoable_until, lang())}",
                        on_click=_on_click, args=(ws, user, seeker_id, key, "undo", target))  # fmt: skip


def state_line(state: DecisionState) -> str:
    """ ":material/check_circle: **Accepteret** af konsulent-odense · 30.11.2026 kl. 10.32 · reason" (data-derived parts escaped)."""
    reason = f" · {md(state.reason)}" if state.reason else ""
    return (f"{_ICONS.get(state.action, '')} **{labels.value('action', state.action, lang())}** {tr('dec_by')} "
            f"{md(state.user_id)} · {labels.clock(state.ts, lang())}{reason}")  # fmt: skip


def _on_click(
    ws: Workspace, user: User, seeker_id: str, key: str, action: str, target: dict[str, Any]
) -> None:
    reason = str(st.session_state.get(f"reason_{key}", "")) if action in ("accept", "reject") else ""
    outcome = _decide(ws, user, seeker_id, action, reason, target)
    st.session_state.setdefault("_decision_flash", {})[key] = outcome
    if outcome[0] == "success" and action in ("accept", "reject"):
        st.session_state[f"reason_{key}"] = ""  # the next decision on this card starts with its own reason


def _states(ws: Workspace, user: User, seeker_id: str) -> dict[tuple[str, str], DecisionState]:
    memo = st.session_state.setdefault("_decision_states", {})
    hit = memo.get(seeker_id)
    if hit is None or time.monotonic() - hit[0] > STATES_TTL_S:
        hit = memo[seeker_id] = (time.monotonic(), ws.decision_states(user, seeker_id))
    states: dict[tuple[str, str], DecisionState] = hit[1]
    return states


def notes_tab(ws: Workspace, user: User, seeker_id: str) -> None:
    note = st.text_area(tr("note"), key=f"note_{seeker_id}")
    if st.button(tr("add_note"), key=f"note_btn_{seeker_id}"):
        record_decision(ws, user, seeker_id, "note", note)
    st.subheader(tr("history"))
    st.dataframe(labels.display_frame(ws.decisions_for(user, seeker_id), lang()), hide_index=True)
    export_buttons(ws, user, seeker_id)


def export_buttons(ws: Workspace, user: User, seeker_id: str) -> None:
    """Prepare the export once per click (one audit record), then offer it as JSON and as a printable page."""
    prepared_key = f"prepared_export_{seeker_id}"  # not the button's own key: that one belongs to the widget
    if st.button(tr("export"), key=f"export_{seeker_id}"):
        name, body = ws.export_citizen(user, seeker_id)
        page = printable_explanation(json.loads(body))
        st.session_state[prepared_key] = (name, body, page.encode("utf-8"))
    prepared = st.session_state.get(prepared_key)
    if prepared:
        name, body, page = prepared
        json_col, html_col = st.columns(2)
        json_col.download_button(tr("download"), data=body, file_name=name, mime="application/json",
                                 key=f"download_json_{seeker_id}")  # fmt: skip
        html_col.download_button(tr("dec_download_html"), data=page, file_name=name.replace(".json", ".html"),
                                 mime="text/html", key=f"download_html_{seeker_id}")  # fmt: skip
