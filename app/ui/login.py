"""Login and logout: OIDC where configured, passwords for demo accounts or sites without OIDC."""

from __future__ import annotations

import streamlit as st

from app.access import User
from app.ui.common import tr
from app.ui_text import md
from app.workspace import Workspace


def oidc_configured() -> bool:
    try:
        return "auth" in st.secrets
    except Exception:
        return False


def current_user(ws: Workspace) -> User | None:
    """Re-read on every rerun: a deactivated or re-scoped user loses access at once."""
    if oidc_configured() and getattr(st.user, "is_logged_in", False):
        user = ws.directory.by_email(str(st.user.get("email", "")))
        if user is None:
            st.error(tr("oidc_unknown"))
        return user
    user_id = st.session_state.get("user_id")
    return ws.directory.get(str(user_id)) if user_id else None


def login_page(ws: Workspace) -> None:
    st.subheader(tr("login"))
    if oidc_configured():
        st.button(tr("oidc_login"), on_click=st.login)
    if ws.settings.demo_login or not oidc_configured():  # passwords: demo accounts, or sites without OIDC
        with st.form("login"):
            user_id = st.text_input(tr("user"), key="login_user")
            password = st.text_input(tr("password"), type="password", key="login_password")
            if st.form_submit_button(tr("login")):
                user = ws.directory.authenticate(user_id, password, allow_demo=ws.settings.demo_login)
                if user is None:
                    st.error(tr("login_failed"))
                else:
                    st.session_state["user_id"] = user.user_id
                    st.rerun()
    if ws.settings.demo_login:
        demo = [u.user_id for u in ws.directory.users(demo_only=True)]  # never the real accounts
        st.caption(tr("demo_hint") + ", ".join(md(u) for u in demo))


def logout() -> None:
    for key in list(st.session_state.keys()):
        if key != "lang":
            del st.session_state[key]
    if oidc_configured() and getattr(st.user, "is_logged_in", False):
        st.logout()
