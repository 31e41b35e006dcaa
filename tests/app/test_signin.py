"""Password sign-in: failures throttled per user and per client, unknown users cost the same, all audited."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

import app.access as access
from app.signin import PasswordLogin, client_address
from app.workspace import Workspace


class Clock:
    """A clock the test moves by hand."""

    def __init__(self) -> None:
        self.now = datetime(2025, 3, 1, 9, 0)

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        self.now += timedelta(**delta)


@pytest.fixture()
def clock() -> Clock:
    return Clock()


def login(ws: Workspace, clock: Clock) -> PasswordLogin:
    return PasswordLogin(ws.ops, ws.directory, ws.audit, ws.settings, clock=clock)


def kinds(ws: Workspace) -> list[str]:
    return ws.audit.records("WHERE kind LIKE 'login%' OR kind = 'lockout'")["kind"].to_list()


def test_the_sixth_attempt_is_refused_even_with_the_right_password(ws: Workspace, clock: Clock) -> None:
    guard = login(ws, clock)
    for n in range(5):
        result = guard.attempt("konsulent-odense", f"forkert-{n}", "10.0.0.1")
        assert result.user is None
        clock.advance(seconds=10)
    assert result.locked_until == datetime(2025, 3, 1, 9, 15), "locked from the 5th failure, for the window"
    sixth = guard.attempt("konsulent-odense", "demo", "10.0.0.1")
    assert sixth.user is None and sixth.locked_until is not None
    # The lock is on the user, not only the client: the right password from another client is refused too.
    assert guard.attempt("konsulent-odense", "demo", "10.0.0.2").user is None


def test_another_user_from_another_client_is_unaffected(ws: Workspace, clock: Clock) -> None:
    guard = login(ws, clock)
    for _ in range(5):
        guard.attempt("konsulent-odense", "forkert", "10.0.0.1")
    other = guard.attempt("konsulent-kbh", "demo", "10.0.0.2")
    assert other.user is not None and other.user.user_id == "konsulent-kbh"


def test_five_failures_from_one_client_lock_that_client_for_every_user(ws: Workspace, clock: Clock) -> None:
    guard = login(ws, clock)
    for n in range(5):
        guard.attempt(f"gaet-{n}", "forkert", "10.0.0.9")  # password spraying over many user names
    assert guard.attempt("konsulent-kbh", "demo", "10.0.0.9").locked_until is not None
    assert guard.attempt("konsulent-kbh", "demo", "10.0.0.3").user is not None


def test_the_lock_lifts_when_the_window_has_passed(ws: Workspace, clock: Clock) -> None:
    guard = login(ws, clock)
    for _ in range(5):
        guard.attempt("konsulent-odense", "forkert", "10.0.0.1")
    clock.advance(minutes=14, seconds=59)
    assert guard.attempt("konsulent-odense", "demo", "10.0.0.1").user is None
    clock.advance(seconds=2)
    assert guard.attempt("konsulent-odense", "demo", "10.0.0.1").user is not None


def test_refused_attempts_while_locked_do_not_extend_the_lock(ws: Workspace, clock: Clock) -> None:
    guard = login(ws, clock)
    for _ in range(5):
        guard.attempt("konsulent-odense", "forkert", "10.0.0.1")
    for _ in range(10):
        clock.advance(minutes=1)
        guard.attempt("konsulent-odense", "forkert", "10.0.0.1")
    clock.advance(minutes=5, seconds=1)
    assert guard.attempt("konsulent-odense", "demo", "10.0.0.1").user is not None


def test_a_success_clears_the_users_earlier_failures(ws: Workspace, clock: Clock) -> None:
    guard = login(ws, clock)
    for _ in range(4):
        guard.attempt("konsulent-odense", "forkert", "10.0.0.1")
    assert guard.attempt("konsulent-odense", "demo", "10.0.0.2").user is not None
    for _ in range(4):
        guard.attempt("konsulent-odense", "forkert", "10.0.0.3")
    assert guard.attempt("konsulent-odense", "demo", "10.0.0.4").user is not None


def test_logins_failures_lockouts_and_refusals_are_audited(ws: Workspace, clock: Clock) -> None:
    guard = login(ws, clock)
    guard.attempt("konsulent-kbh", "demo", "10.0.0.2")
    for _ in range(5):
        guard.attempt("konsulent-odense", "forkert", "10.0.0.1")
    guard.attempt("konsulent-odense", "demo", "10.0.0.1")
    assert kinds(ws) == ["login", *["login_failed"] * 5, "lockout", "login_locked"]
    failed = ws.audit.records("WHERE kind = 'login_failed'").row(0, named=True)
    assert failed["user_id"] == "konsulent-odense" and failed["role"] == "anonymous"
    assert '"client":"10.0.0.1"' in failed["payload"]
    assert ws.audit.verify().ok


def test_unknown_and_known_users_both_run_the_password_check(
    ws: Workspace, clock: Clock, monkeypatch: pytest.MonkeyPatch
) -> None:
    checked: list[str | None] = []
    real = access.verify_password

    def spy(password: str, stored: str | None) -> bool:
        checked.append(stored)
        return real(password, stored)

    monkeypatch.setattr(access, "verify_password", spy)
    guard = login(ws, clock)
    assert guard.attempt("findes-ikke", "demo", "10.0.0.1").user is None
    assert guard.attempt("konsulent-odense", "forkert", "10.0.0.2").user is None
    assert len(checked) == 2 and all(s and s.startswith("pbkdf2_sha256$") for s in checked)
    unknown, known = checked
    assert unknown.split("$")[1] == known.split("$")[1], "the dummy hash costs as many iterations"


def test_a_user_without_a_password_is_checked_against_the_dummy_too(
    ws: Workspace, monkeypatch: pytest.MonkeyPatch
) -> None:
    ws.directory.add(access.User("oidc-bruger", "OIDC", access.Role.ANALYST), oidc_email="a@b.dk")
    checked: list[str | None] = []
    monkeypatch.setattr(access, "verify_password", lambda p, s: checked.append(s) or False)
    assert ws.directory.authenticate("oidc-bruger", "") is None
    assert checked and checked[0] and checked[0].startswith("pbkdf2_sha256$")


def test_the_client_is_the_proxys_header_or_the_connection_and_never_loopback() -> None:
    assert client_address("203.0.113.7, 10.0.0.1", "127.0.0.1") == "203.0.113.7"
    assert client_address(None, "::ffff:192.0.2.4") == "192.0.2.4"
    assert client_address("", "2001:db8::1") == "2001:db8::1"
    # A proxy on the same host: every user arrives from loopback, so that address must not be locked.
    assert client_address(None, "::ffff:127.0.0.1") is None
    assert client_address(None, "::1") is None and client_address(None, None) is None
    assert client_address("not-an-address", "also not") is None
