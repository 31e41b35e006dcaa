"""The dashboard's hardening, run headless with AppTest: lockout, refusals and bugs audited, no traceback on
screen, idle sessions signed out, bidi controls in data kept from reordering the page."""

from __future__ import annotations

import logging
from datetime import timedelta
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

import app.ui.consultant
import app.ui.login
from app.ops import now_utc
from tests.dashboard.apptest import APP, one_of, signed_in, texts, world_writer


def audit_kinds(home: Path, kind: str) -> list[tuple[str, str | None]]:
    from app.ops import OpsStore
    from core.settings import Settings

    with OpsStore.open(Settings(home=home)) as ops:
        return [(str(u), s) for u, s in ops.rows(
            "SELECT user_id, subject FROM audit_log WHERE kind = ? ORDER BY seq", [kind])]  # fmt: skip


def attempt(at: AppTest, password: str) -> AppTest:
    at.text_input(key="login_user").set_value("konsulent-odense")
    at.text_input(key="login_password").set_value(password)
    return at.button[0].click().run()


def test_five_failures_lock_the_sixth_attempt_even_with_the_right_password(app_home: Path) -> None:
    at = AppTest.from_file(APP, default_timeout=120).run()
    for n in range(4):
        assert "Forkert" in attempt(at, f"forkert-{n}").error[0].value
    assert "For mange mislykkede forsøg" in attempt(at, "forkert").error[0].value
    attempt(at, "demo")
    assert "For mange" in at.error[0].value and "user_id" not in at.session_state
    # Another browser session (another client) signing in as another user is unaffected.
    other = AppTest.from_file(APP, default_timeout=120).run()
    other.text_input(key="login_user").set_value("konsulent-kbh")
    other.text_input(key="login_password").set_value("demo")
    other.button[0].click().run()
    assert other.session_state["user_id"] == "konsulent-kbh"
    assert audit_kinds(app_home, "lockout") == [("konsulent-odense", None)]
    assert [u for u, _ in audit_kinds(app_home, "login")] == ["konsulent-kbh"]


def test_a_bug_in_a_view_shows_an_incident_id_and_no_traceback(
    app_home: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    def broken(*_: object) -> None:
        raise RuntimeError("hemmelig detalje fra /srv/jobmatch/app.py")

    monkeypatch.setattr(app.ui.consultant, "consultant_view", broken)
    with caplog.at_level(logging.ERROR, logger="jobmatch.dashboard"):
        at = signed_in("konsulent-odense")
    assert not at.exception
    shown = texts(at)
    assert "uventet fejl" in shown and "hændelses-id" in shown
    assert not any(w in shown for w in ("Traceback", "RuntimeError", "hemmelig", "app.py"))
    (incident_id,) = {s for _, s in audit_kinds(app_home, "incident")}
    assert incident_id and incident_id.replace("-", "\\-") in shown
    logged = [r for r in caplog.records if r.name == "jobmatch.dashboard"]
    assert logged and incident_id in logged[0].getMessage() and logged[0].exc_info is not None
    caplog.clear()  # provoked on purpose: the suite's incident check (conftest.no_incidents) stays quiet


def test_refused_access_is_audited(app_home: Path) -> None:
    kbh = one_of(app_home, "SELECT min(seeker_id) FROM seekers WHERE jobcenter_id = 'jc-kbh'")
    at = signed_in("konsulent-odense", borger=kbh)
    assert at.error and "Ingen adgang" in at.error[0].value
    assert [u for u, _ in audit_kinds(app_home, "access_denied")] == ["konsulent-odense"]


def test_an_idle_session_is_signed_out_on_its_next_click(
    app_home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    at = signed_in("konsulent-odense")
    assert "user_id" in at.session_state and not at.warning
    start = now_utc()
    monkeypatch.setattr(app.ui.login, "now_utc", lambda: start + timedelta(minutes=29))
    at.run()
    assert at.session_state["user_id"] == "konsulent-odense", "29 idle minutes are within the limit"
    monkeypatch.setattr(app.ui.login, "now_utc", lambda: start + timedelta(minutes=59, seconds=30))
    at.run()
    assert "user_id" not in at.session_state
    assert any("logget ud" in w.value and "30 minutter" in w.value for w in at.warning)
    assert at.text_input(key="login_user") is not None, "the sign-in form is back"
    assert [u for u, _ in audit_kinds(app_home, "session_timeout")] == ["konsulent-odense"]


def test_a_bidi_override_in_a_vacancy_title_cannot_reorder_the_page(app_home: Path) -> None:
    with world_writer(app_home) as store:
        store.execute("UPDATE vacancies SET title = ?", ["Lagerarbejder \u202efdp.exe"])
    sid = one_of(app_home, "SELECT min(seeker_id) FROM seekers WHERE jobcenter_id = 'jc-odense'")
    at = signed_in("konsulent-odense", borger=sid)
    assert not at.exception
    body = texts(at)
    assert "fdp\\.exe" in body, "the title is shown"
    assert "\u202e" not in body and "\\u202e" not in body.lower()
