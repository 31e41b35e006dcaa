"""What a user sees when something goes wrong: a refusal is audited and named; a bug becomes a friendly
message with an incident id, while its traceback goes to the log under that id (and an "incident" record to the
audit log), never to the browser.

The page being drawn registers who is signed in (``acting_as``) at the start of each run, so the handlers can
audit without every view passing its workspace and user down.
"""

from __future__ import annotations

import logging
import secrets
from contextvars import ContextVar

import streamlit as st

from app.access import User
from app.ui_text import md, t
from app.workspace import Workspace
from core.errors import AccessDenied

LOG = logging.getLogger("jobmatch.dashboard")
_acting: ContextVar[tuple[Workspace, User] | None] = ContextVar("jobmatch_acting", default=None)


def acting_as(ws: Workspace | None, user: User | None) -> None:
    """Who this run of the page acts for (None while nobody is signed in)."""
    _acting.set((ws, user) if ws is not None and user is not None else None)


def _lang() -> str:
    return str(st.session_state.get("lang", "da"))


def refused(exc: AccessDenied) -> None:
    """A refusal of the workspace: shown, and audited as "access_denied" for the signed-in user."""
    acting = _acting.get()
    if acting is not None:
        ws, user = acting
        ws.audit.append(user.actor, "access_denied", payload={"reason": str(exc)[:500]},
                        model_version=ws.model_version, data_version=ws.data_version)  # fmt: skip
    st.error(f"{t('denied', _lang())}: {md(exc)}")


def incident(exc: Exception) -> str:
    """A bug: logged with its traceback under a new incident id, audited, shown without any detail."""
    incident_id = "H-" + secrets.token_hex(4).upper()
    LOG.error("incident %s: %s", incident_id, type(exc).__name__, exc_info=exc)
    acting = _acting.get()
    if acting is not None:
        ws, user = acting
        try:
            ws.audit.append(user.actor, "incident", subject=incident_id, payload={"error": type(exc).__name__},
                            model_version=ws.model_version, data_version=ws.data_version)  # fmt: skip
        except Exception:  # the audit store itself may be what broke: the log already has the incident
            LOG.exception("incident %s could not be written to the audit log", incident_id)
    st.error(t("security_incident", _lang()).format(incident=md(incident_id)))
    return incident_id
