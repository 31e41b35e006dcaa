"""The administrator's page: the stop switch, re-ranking method, per-consultant decision rates, audit log
verification and purge."""

from __future__ import annotations

import streamlit as st

from app import labels
from app.access import User
from app.ui.analyst import stamp
from app.ui.common import lang, tr
from app.ui_text import md
from app.workspace import Workspace
from core.errors import InvalidDecision
from recommender.fair_rerank import RERANK_METHODS

SWITCH, RERANK, REASON, SYNCED = "admin_switch", "admin_rerank", "admin_reason", "admin_synced"


def admin_view(ws: Workspace, user: User) -> None:
    release_notice(ws)
    settings_form(ws, user)
    st.subheader(tr("aa_per_consultant"))
    st.caption(tr("aa_per_consultant_caption"))
    st.dataframe(labels.display_frame(ws.consultant_rates(user), lang()), hide_index=True)
    audit_tools(ws, user)


def release_notice(ws: Workspace) -> None:
    """Which release serves, and how stale its models are: a notice for the administrator, never a refusal
    to a consultant (new rows are served from the moment their import finishes)."""
    status = ws.release_status()
    st.caption(tr("rel_serving").format(release=md(status["release"]), data=md(status["data_version"])))
    if not status["has_models"]:
        st.warning(tr("rel_never_built"))
    elif status["models_stale"]:
        st.info(tr("rel_stale").format(built=md(status["models_built_for"])))
    if status["switching"]:
        st.info(tr("rel_switching").format(live=md(status["live_release"])))
    if status["failed"]:
        st.warning(
            tr("rel_failed").format(release=md(status["failed"]["release"]), why=md(status["failed"]["why"]))
        )


def _sync_widgets(stored: tuple[bool, str]) -> None:
    """Keyed widgets hold what this session last saved or read; they follow the store only when it changed
    under them (another administrator), so a save is never undone by the next rerun."""
    if st.session_state.get(SYNCED) != stored:
        st.session_state[SWITCH], st.session_state[RERANK] = stored
        st.session_state[SYNCED] = stored


def settings_form(ws: Workspace, user: User) -> None:
    state = ws.switch_state(user)
    stored = (bool(state["enabled"]), ws.shortlist_rerank())
    _sync_widgets(stored)
    line = st.empty()  # the current state, rewritten after a save
    line.caption(_state_line(state))
    with st.form("admin_settings"):
        st.toggle(tr("stop_switch"), key=SWITCH)
        st.selectbox(tr("rerank"), RERANK_METHODS, key=RERANK,
                     format_func=lambda m: labels.value("rerank_method", m, lang()))  # fmt: skip
        st.text_input(tr("reason"), key=REASON)
        submitted = st.form_submit_button(tr("apply"))
    if submitted and _save(ws, user, stored):
        line.caption(_state_line(ws.switch_state(user)))


def _save(ws: Workspace, user: User, stored: tuple[bool, str]) -> bool:
    """Apply what the form holds; every change is audited by the workspace. True when something was saved."""
    wanted = (bool(st.session_state[SWITCH]), str(st.session_state[RERANK]))
    if wanted == stored:
        st.info(tr("aa_nothing_changed"))
        return False
    try:
        if wanted[0] != stored[0]:
            ws.set_recommendations(user, wanted[0], st.session_state[REASON])
        ws.set_shortlist_rerank(user, wanted[1], st.session_state[REASON])
    except InvalidDecision as exc:
        st.error(md(exc))
        return False
    st.session_state[SYNCED] = wanted
    st.success(f"{tr('saved')}: {_state_line(ws.switch_state(user))}")
    return True


def _state_line(state: dict[str, object]) -> str:
    on = tr("aa_switch_on") if state["enabled"] else tr("aa_switch_off")
    if state.get("changed_by") is None:
        return on
    return f"{on} · {tr('aa_changed_by')} {md(state['changed_by'])} {md(stamp(state['changed_at']))}"


def audit_tools(ws: Workspace, user: User) -> None:
    st.subheader(tr("aa_audit_log"))
    left, right = st.columns(2)
    if left.button(tr("verify")):
        result = ws.verify_audit(user)
        if result.ok:
            left.success(
                f"{tr('audit_ok')}: {result.records} {tr('aa_records')}, {tr('aa_head')} {result.head[:16]}…"
            )
        else:
            left.error(f"{tr('audit_bad')} {tr('aa_at_record')} {result.first_bad_seq}: {md(result.problem)}")
    if right.button(tr("purge")):
        deleted = ws.purge_audit(user)
        right.info(
            f"{deleted} {tr('aa_deleted')} ({ws.settings.audit_retention_days} {tr('aa_retention_days')})"
        )
    st.dataframe(labels.display_frame(ws.audit_records(user), lang()), hide_index=True)
