"""The administrator's page: the stop switch, re-ranking method, audit log verification and purge."""

from __future__ import annotations

import streamlit as st

from app.access import User
from app.ui.common import tr
from app.ui_text import md
from app.workspace import Workspace
from core.errors import InvalidDecision
from recommender.fair_rerank import RERANK_METHODS


def admin_view(ws: Workspace, user: User) -> None:
    enabled = ws.recommendations_enabled()
    with st.form("stop_switch"):
        wanted = st.toggle(tr("stop_switch"), value=enabled)
        method = st.selectbox(tr("rerank"), RERANK_METHODS, index=RERANK_METHODS.index(ws.shortlist_rerank()))
        reason = st.text_input(tr("reason"))
        if st.form_submit_button(tr("apply")):
            try:
                if wanted != enabled:
                    ws.set_recommendations(user, wanted, reason)
                ws.set_shortlist_rerank(user, method, reason)
            except InvalidDecision as exc:
                st.error(md(exc))
            else:
                st.success(tr("saved"))
    left, right = st.columns(2)
    if left.button(tr("verify")):
        result = ws.verify_audit(user)
        if result.ok:
            left.success(f"{tr('audit_ok')}: {result.records} poster, hoved {result.head[:16]}…")
        else:
            left.error(f"{tr('audit_bad')} ved post {result.first_bad_seq}: {md(result.problem)}")
    if right.button(tr("purge")):
        deleted = ws.purge_audit(user)
        right.info(f"{deleted} poster slettet (opbevaring {ws.settings.audit_retention_days} dage)")
    st.dataframe(ws.audit_records(user), hide_index=True)
