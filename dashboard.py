"""Streamlit front door: login, then the consultant, employer, analyst or administrator view.

Thin on purpose: each role's page lives in ``app.ui`` (one module per role), and every read and write goes
through ``app.workspace.Workspace``, which checks the user's role and scope in its queries and writes the
audit log. No HTML from data is rendered; data-derived Markdown goes through ``app.ui_text.md``.
"""

from __future__ import annotations

import streamlit as st

from app import labels
from app.access import Role
from app.ui.admin import admin_view
from app.ui.analyst import analyst_view
from app.ui.common import guarded, lang, tr, workspace
from app.ui.consultant import consultant_view
from app.ui.employer import employer_view
from app.ui.incidents import acting_as, incident
from app.ui.login import current_user, login_page, sign_out, still_active
from app.ui_text import LANGUAGES, md
from core.errors import JobmatchError
from core.settings import load_settings

VIEWS = {Role.CONSULTANT: consultant_view, Role.EMPLOYER: employer_view, Role.ANALYST: analyst_view,
         Role.ADMIN: admin_view}  # fmt: skip


def main() -> None:
    """The page; a bug anywhere in it shows an incident id, never a traceback (the log has the traceback)."""
    acting_as(None, None)
    try:
        page()
    except Exception as exc:  # a bug; Streamlit's rerun and stop signals are BaseExceptions and pass
        incident(exc)


def page() -> None:
    st.set_page_config(page_title="Jobmatch", layout="wide")
    with st.sidebar:
        st.radio("Sprog / language", list(LANGUAGES), format_func=LANGUAGES.get, key="lang", horizontal=True)
    st.title("Jobmatch")
    st.caption(tr("app_caption"))
    settings = load_settings()
    try:
        ws = workspace(str(settings.home), settings.db_file)
    except JobmatchError as exc:
        st.error(md(exc))
        return
    for problem in ws.problems:
        st.warning(f"{tr('model_problem')}: {md(problem)}")
    user = current_user(ws)
    if user is not None and not still_active(ws, user):
        st.warning(tr("security_idle").format(minutes=settings.session_idle_minutes))
        user = None
    if user is None:
        login_page(ws)
        return
    acting_as(ws, user)
    with st.sidebar:
        st.markdown(f"**{md(user.display_name)}** · {labels.value('role', str(user.role), lang())}")
        st.button(tr("logout"), on_click=sign_out, args=(ws, user))
    guarded(VIEWS[user.role], ws, user)


main()
