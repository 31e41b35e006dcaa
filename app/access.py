"""Who may see what: users, roles, job-centre and employer scope, login, pseudonyms for employers.

Scope is enforced where data is read (``app.workspace`` passes the user into every query), not only
in the page. Demo users exist for the embedded default world; with OIDC configured, ``st.login`` identities
are mapped to users by e-mail address.
"""

from __future__ import annotations

import functools
import hashlib
import hmac
import secrets
from dataclasses import dataclass
from enum import StrEnum

from app.audit import Actor
from app.ops import OpsStore
from core.errors import AccessDenied
from data.store import Store


class Role(StrEnum):
    CONSULTANT = "consultant"
    EMPLOYER = "employer"
    ANALYST = "analyst"
    ADMIN = "admin"


@dataclass(frozen=True)
class User:
    user_id: str
    display_name: str
    role: Role
    jobcenter_id: str | None = None  # consultants: the only job centre whose citizens they see
    employer_id: str | None = None  # employers: the only employer whose vacancies they see
    team: str | None = None  # consultants: the team whose caseload a team lead sees
    team_lead: bool = False  # a consultant who sees the team's citizens and the job centre's unassigned ones

    @property
    def scope(self) -> str:
        """Cache key part: everything that decides what this user may see."""
        lead = ":lead" if self.team_lead else ""
        return f"{self.role}:{self.jobcenter_id or '-'}:{self.employer_id or '-'}:{self.team or '-'}{lead}"

    @property
    def actor(self) -> Actor:
        return Actor(self.user_id, str(self.role), self.jobcenter_id)

    def require(self, *roles: Role) -> None:
        if self.role not in roles:
            allowed = ", ".join(str(r) for r in roles)
            raise AccessDenied(f"{self.user_id} ({self.role}) may not do this; it needs role {allowed}")


# --- passwords (demo accounts only; production logins go through OIDC) --------------------------------

_ITERATIONS = 120_000


def hash_password(password: str, salt: str | None = None) -> str:
    salt = salt or secrets.token_hex(16)
    digest = hashlib.pbkdf2_hmac("sha256", password.encode(), bytes.fromhex(salt), _ITERATIONS).hex()
    return f"pbkdf2_sha256${_ITERATIONS}${salt}${digest}"


def verify_password(password: str, stored: str | None) -> bool:
    if not stored or stored.count("$") != 3:
        return False
    _, iterations, salt, digest = stored.split("$")
    got = hashlib.pbkdf2_hmac("sha256", password.encode(), bytes.fromhex(salt), int(iterations)).hex()
    return hmac.compare_digest(got, digest)


@functools.cache
def _dummy_hash() -> str:
    """A hash of a random password, made once: what unknown users are checked against."""
    return hash_password(secrets.token_hex(16))


# --- the user directory ---------------------------------------------------------------------------------

DEMO_PASSWORD = "demo"


class Directory:
    """Users in the operations store."""

    def __init__(self, ops: OpsStore) -> None:
        self.ops = ops

    def _user(self, where: str, params: list[object]) -> User | None:
        rows = self.ops.rows(
            "SELECT user_id, display_name, role, jobcenter_id, employer_id, team, team_lead FROM users "
            f"WHERE active AND {where}",
            list(params),
        )
        if not rows:
            return None
        uid, name, role, jc, emp, team, lead = rows[0]
        return User(uid, name, Role(role), jc, emp, team, bool(lead))

    def get(self, user_id: str) -> User | None:
        return self._user("user_id = ?", [user_id])

    def authenticate(self, user_id: str, password: str, *, allow_demo: bool = True) -> User | None:
        """The user if the password matches; demo accounts only while the demo login is on. An unknown user,
        or one without a password, is checked against a dummy hash: the same work, so timing does not tell."""
        found = self.ops.rows(
            "SELECT password_hash, demo FROM users WHERE active AND user_id = ?", [user_id.strip()]
        )
        stored, demo = found[0] if found else (None, False)
        matches = verify_password(password, stored or _dummy_hash())
        if not found or not stored or not matches or (demo and not allow_demo):
            return None
        return self.get(user_id.strip())

    def by_email(self, email: str) -> User | None:
        return self._user("lower(oidc_email) = lower(?)", [email])

    def add(self, user: User, *, password: str | None = None, oidc_email: str | None = None,
            demo: bool = False) -> None:  # fmt: skip
        with self.ops.write() as cur:
            cur.execute(
                "INSERT INTO users (user_id, display_name, role, jobcenter_id, employer_id, password_hash, "
                "oidc_email, active, demo, team, team_lead) VALUES (?, ?, ?, ?, ?, ?, ?, TRUE, ?, ?, ?) "
                "ON CONFLICT (user_id) DO UPDATE SET "
                "display_name = excluded.display_name, role = excluded.role, jobcenter_id = excluded.jobcenter_id,"
                " employer_id = excluded.employer_id, password_hash = excluded.password_hash, "
                "oidc_email = excluded.oidc_email, active = TRUE, demo = excluded.demo, team = excluded.team, "
                "team_lead = excluded.team_lead",
                [user.user_id, user.display_name, str(user.role), user.jobcenter_id, user.employer_id,
                 hash_password(password) if password else None, oidc_email, demo, user.team, user.team_lead],
            )  # fmt: skip

    def users(self, *, demo_only: bool = False) -> list[User]:
        where = "active AND demo" if demo_only else "active"
        rows = self.ops.rows(f"SELECT user_id FROM users WHERE {where} ORDER BY role, user_id")
        return [u for (uid,) in rows if (u := self.get(uid)) is not None]

    def ensure_demo_users(self, world: Store) -> list[User]:
        """Per job centre one team (two consultants and their team lead) and one employer, plus an analyst
        and an administrator, for the embedded default. Employers are the ones with most open vacancies in
        each municipality, picked again whenever the world changes so a demo employer always has vacancies
        to fill. The consultants' citizens come from ``app.caseload.ensure_demo_caseload``."""
        users = [User("analytiker", "Analytiker (demo)", Role.ANALYST),
                 User("admin", "Administrator (demo)", Role.ADMIN)]  # fmt: skip
        centres = world.query("SELECT jobcenter_id, municipality FROM jobcenters ORDER BY jobcenter_id")
        for jc, municipality in centres.iter_rows():
            short = jc.removeprefix("jc-")
            users += demo_team(jc, short, municipality)
            top = world.query(
                "SELECT e.employer_id, e.name FROM employers e JOIN vacancies v USING (employer_id) "
                "WHERE v.status = 'open' AND e.municipality = ? GROUP BY ALL ORDER BY count(*) DESC, "
                "e.employer_id LIMIT 1",
                [municipality],
            )
            if top.height:
                emp, name = top.row(0)
                users.append(User(f"arbejdsgiver-{short}", f"{name} (demo)", Role.EMPLOYER, None, emp))
        known = {u.user_id: u for u in self.users()}
        for user in users:
            if known.get(user.user_id) != user:
                self.add(user, password=DEMO_PASSWORD, demo=True)
        return users


def demo_team(jc: str, short: str, municipality: str) -> list[User]:
    """A job centre's demo team: ``konsulent-<centre>`` first (it holds the centre's first citizen), a
    second consultant, and ``teamleder-<centre>``, who sees the team's caseload and the unassigned."""
    team = f"team-{short}"
    return [User(f"konsulent-{short}", f"Konsulent, {municipality} (demo)", Role.CONSULTANT, jc, None, team),
            User(f"konsulent-{short}-2", f"Konsulent 2, {municipality} (demo)", Role.CONSULTANT, jc, None, team),
            User(f"teamleder-{short}", f"Teamleder, {municipality} (demo)", Role.CONSULTANT, jc, None, team,
                 team_lead=True)]  # fmt: skip
