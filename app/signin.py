"""Password sign-in with throttling: failures are counted per user name and per client in the operations
store, so a lockout holds across sessions and restarts; every attempt is audited.

``login_max_failures`` failures within ``login_window_minutes`` lock that user name, and that client, until the
window has passed since the failure that reached the limit. Attempts refused during a lock are audited but not
counted, so they do not extend it. A lock looks the same for unknown and known user names, and the password
check runs for both (``Directory.authenticate``), so neither answer nor timing tells whether a user exists.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from app.access import Directory, User
from app.audit import Actor, AuditLog
from app.ops import OpsStore, now_utc
from core.settings import Settings

_MAX_KEY = 64  # a user name or client longer than this is cut, so the table and the log stay small
ANONYMOUS = "anonymous"  # the role audited for attempts that did not (yet) prove who they are


def client_address(forwarded: object, address: object) -> str | None:
    """The client's address for the per-client throttle: the trusted proxy's header if it has one, else the
    connection's. A loopback address says nothing about who is there (every user of a proxy on the same host
    arrives from it, and locking it would lock everyone out), so it counts as unknown, as does garbage."""
    raw = forwarded.split(",")[0] if isinstance(forwarded, str) and forwarded.strip() else address
    try:
        ip = ipaddress.ip_address(str(raw).strip())
    except ValueError:
        return None
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    return None if ip.is_loopback else str(ip)


@dataclass(frozen=True)
class SignIn:
    """The signed-in user, or None; ``locked_until`` is set while the user name or the client is locked."""

    user: User | None
    locked_until: datetime | None = None


class PasswordLogin:
    """One password attempt at a time, through the lock, the directory and the audit log."""

    def __init__(self, ops: OpsStore, directory: Directory, audit: AuditLog, settings: Settings,
                 clock: Callable[[], datetime] = now_utc) -> None:  # fmt: skip
        self.ops, self.directory, self.audit, self.clock = ops, directory, audit, clock
        self.limit = settings.login_max_failures
        self.window = timedelta(minutes=settings.login_window_minutes)
        self.allow_demo = settings.demo_login

    def attempt(self, user_id: str, password: str, client: str) -> SignIn:
        key, client = user_id.strip()[:_MAX_KEY], client[:_MAX_KEY]
        until = self.locked_until(key, client)
        if until is not None:
            self._log(Actor(key, ANONYMOUS), "login_locked", client, {"until": until.isoformat()})
            return SignIn(None, until)
        user = self.directory.authenticate(key, password, allow_demo=self.allow_demo)
        if user is not None:
            with self.ops.write() as cur:
                cur.execute("DELETE FROM login_attempts WHERE user_key = ?", [key])
            self._log(user.actor, "login", client, {})
            return SignIn(user)
        self._failed(key, client)
        until = self.locked_until(key, client)
        if until is not None:
            self._log(Actor(key, ANONYMOUS), "lockout", client, {"until": until.isoformat()})
        return SignIn(None, until)

    def locked_until(self, key: str, client: str) -> datetime | None:
        """When the later of the user name's and the client's lock ends; None if neither is locked."""
        since = self.clock() - self.window
        ends = [self._limit_reached_at(column, value, since) for column, value in
                (("user_key", key), ("client_key", client))]  # fmt: skip
        reached = [e + self.window for e in ends if e is not None]
        return max(reached) if reached else None

    def _limit_reached_at(self, column: str, value: str, since: datetime) -> datetime | None:
        """The time of the failure that reached the limit within the window (the limit-th most recent)."""
        found = self.ops.rows(
            f"SELECT ts FROM login_attempts WHERE {column} = ? AND ts > ? ORDER BY ts DESC LIMIT 1 OFFSET ?",
            [value, since, self.limit - 1],
        )
        return found[0][0] if found else None

    def _failed(self, key: str, client: str) -> None:
        now = self.clock()
        with self.ops.write() as cur:
            # Attempts (user names, addresses) are kept no longer than the window needs them.
            cur.execute("DELETE FROM login_attempts WHERE ts <= ?", [now - self.window])
            cur.execute("INSERT INTO login_attempts VALUES (?, ?, ?)", [now, key, client])
        self._log(Actor(key, ANONYMOUS), "login_failed", client, {})

    def _log(self, actor: Actor, kind: str, client: str, payload: dict[str, Any]) -> None:
        self.audit.append(actor, kind, payload={"client": client, **payload}, ts=self.clock())
