"""Login and logout: OIDC where configured, passwords for demo accounts or sites without OIDC."""

from __future__ import annotations

import math
import secrets
from datetime import datetime, timedelta

import streamlit as st

from app.access import User
from app.audit import Actor
from app.ops import now_utc
from app.signin import ANONYMOUS, PasswordLogin, client_address
from app.ui.common import tr
from app.ui_text import md
from app.workspace import Workspace

LAST_SEEN = "_last_seen"  # when this session last did something (for the idle timeout)
CLIENT = "_client"  # this browser session's id, for the per-client throttle where no address is known
OIDC_LOGGED = "_oidc_logged"  # the OIDC identity whose sign-in (or refusal) this session has audited
KEPT_ON_LOGOUT = ("lang", CLIENT)  # signing out again does not give a client a fresh throttle


def oidc_configured() -> bool:
    try:
        return "auth" in st.secrets
    except Exception:
        return False


def current_user(ws: Workspace) -> User | None:
    """Re-read on every rerun: a deactivated or re-scoped user loses access at once."""
    if oidc_configured() and getattr(st.user, "is_logged_in", False):
        email = str(st.user.get("email", ""))
        user = ws.directory.by_email(email)
        if user is None:
            st.error(tr("oidc_unknown"))
        if st.session_state.get(OIDC_LOGGED) != email:  # once per session: a sign-in, or a refusal
            st.session_state[OIDC_LOGGED] = email
            actor = user.actor if user else Actor(email[:120], ANONYMOUS)
            ws.audit.append(actor, "login" if user else "access_denied", payload={"via": "oidc"})
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
                password_login(ws, user_id, password)
    if ws.settings.demo_login:
        demo = [u.user_id for u in ws.directory.users(demo_only=True)]  # never the real accounts
        st.caption(tr("demo_hint") + ", ".join(md(u) for u in demo))


def password_login(ws: Workspace, user_id: str, password: str) -> None:
    """One attempt through the throttle (which audits it); signed in, refused, or locked for a while."""
    result = PasswordLogin(ws.ops, ws.directory, ws.audit, ws.settings).attempt(
        user_id, password, client_key(ws)
    )
    if result.user is not None:
        st.session_state["user_id"] = result.user.user_id
        st.session_state[LAST_SEEN] = now_utc()
        st.rerun()
    elif result.locked_until is not None:
        minutes = max(1, math.ceil((result.locked_until - now_utc()).total_seconds() / 60))
        st.error(tr("security_locked").format(minutes=minutes))
    else:
        st.error(tr("login_failed"))


def client_key(ws: Workspace) -> str:
    """Who is attempting, for the per-client throttle: the trusted proxy's client header if configured, else
    the connection's address, else (loopback, or none known) this browser session."""
    header = ws.settings.client_ip_header
    address = client_address(st.context.headers.get(header) if header else None, st.context.ip_address)
    if address is not None:
        return "ip:" + address
    return str(st.session_state.setdefault(CLIENT, "session:" + secrets.token_hex(8)))


def still_active(ws: Workspace, user: User) -> bool:
    """False (and signed out, audited) if this session was idle longer than the setting; else the click is
    noted as activity. Checked on every rerun: an idle session ends on its next click."""
    now, limit = now_utc(), timedelta(minutes=ws.settings.session_idle_minutes)
    last = st.session_state.get(LAST_SEEN)
    if isinstance(last, datetime) and now - last > limit:
        ws.audit.append(
            user.actor, "session_timeout", payload={"idle_seconds": int((now - last).total_seconds())}
        )
        logout()
        return False
    st.session_state[LAST_SEEN] = now
    return True


def sign_out(ws: Workspace, user: User) -> None:
    """The sidebar's button: audited, then the session forgets the user."""
    ws.audit.append(user.actor, "logout")
    logout()


def logout() -> None:
    for key in list(st.session_state.keys()):
        if key not in KEPT_ON_LOGOUT:
            del st.session_state[key]
    if oidc_configured() and getattr(st.user, "is_logged_in", False):
        st.logout()
