"""Administration of the operations store: the audit log's integrity and retention, dashboard users."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

import typer

from cli.context import FormatOption, settings
from cli.render import console, err, show_machine, show_table
from core.settings import Settings

if TYPE_CHECKING:
    from app.access import User

audit_app = typer.Typer(
    help="The hash-chained audit log: verify, purge expired records.", no_args_is_help=True
)
users_app = typer.Typer(
    help="Dashboard users: roles, job-centre / employer scope, OIDC e-mail.", no_args_is_help=True
)


@audit_app.command("verify")
def audit_verify(ctx: typer.Context) -> None:
    """Recompute the audit log's hash chain; exit 1 and name the first bad record if it was tampered with."""
    from app.audit import AuditLog
    from app.ops import OpsStore, ops_exists

    s = settings(ctx)
    if not ops_exists(s):  # a fresh install: nothing logged, and a check creates nothing
        console.print(f"no records yet: nothing has been logged in {s.ops_path}")
        return
    with OpsStore.open(s) as ops:
        result = AuditLog(ops).verify()
    if result.ok and result.records == 0:
        console.print("no records yet")
        return
    if result.ok:
        console.print(f"audit log intact: {result.records:,} records, {result.purges} retention purges, "
                      f"head {result.head}")  # fmt: skip
        return
    err.print(f"[red]audit log broken at record {result.first_bad_seq}:[/red] {result.problem} "
              f"({result.records:,} records)")  # fmt: skip
    raise typer.Exit(1)


@audit_app.command("purge")
def audit_purge(
    ctx: typer.Context,
    days: Annotated[int | None, typer.Option(min=1, help="Retention (default: settings).")] = None,
) -> None:
    """Delete audit records older than the retention period; the purge itself is logged in the chain."""
    from app.audit import Actor, AuditLog
    from app.ops import OpsStore

    s = settings(ctx)
    retention = days or s.audit_retention_days
    with OpsStore.open(s) as ops:
        deleted = AuditLog(ops).purge(Actor("cli", "admin"), retention)
    console.print(f"deleted {deleted:,} audit records older than {retention} days")


@users_app.command("add")
def users_add(
    ctx: typer.Context,
    user_id: Annotated[str, typer.Argument(help="Login name.")],
    role: Annotated[str, typer.Option(help="consultant | employer | analyst | admin")],
    name: Annotated[str, typer.Option(help="Name shown in the dashboard.")] = "",
    jobcenter: Annotated[str | None, typer.Option(help="Consultants: their job centre id.")] = None,
    employer: Annotated[str | None, typer.Option(help="Employers: their employer id.")] = None,
    email: Annotated[str | None, typer.Option(help="E-mail of the OIDC identity (st.login) to map.")] = None,
    team: Annotated[
        str | None, typer.Option(help="Consultants: their team (a team lead sees its caseload).")
    ] = None,
    team_lead: Annotated[bool, typer.Option("--team-lead", help="Consultants: lead of --team.")] = False,
    password: Annotated[
        bool, typer.Option("--password", help="Also set a password (prompted; without OIDC only).")
    ] = False,
) -> None:
    """Add or update a user; scope is required for consultants (job centre) and employers (employer id)."""
    from app.access import Directory, Role, User
    from app.ops import OpsStore

    if role not in {str(x) for x in Role}:
        raise typer.BadParameter(f"role must be one of {', '.join(str(x) for x in Role)}")
    r = Role(role)
    if r is Role.CONSULTANT and not jobcenter:
        raise typer.BadParameter("a consultant needs --jobcenter")
    if r is Role.EMPLOYER and not employer:
        raise typer.BadParameter("an employer needs --employer")
    secret = typer.prompt("password", hide_input=True, confirmation_prompt=True) if password else None
    if team_lead and not (r is Role.CONSULTANT and team):
        raise typer.BadParameter("a team lead is a consultant with --team")
    consultant = r is Role.CONSULTANT
    user = User(user_id, name or user_id, r, jobcenter if consultant else None,
                employer if r is Role.EMPLOYER else None, team if consultant else None, team_lead)  # fmt: skip
    with OpsStore.open(settings(ctx)) as ops:
        Directory(ops).add(user, password=secret, oidc_email=email)
    console.print(f"user {user_id}: {r} {user.jobcenter_id or user.employer_id or ''}")


@users_app.command("list")
def users_list(ctx: typer.Context, fmt: FormatOption = "table") -> None:
    """Active users with role and scope; the demo users (password 'demo', while demo_login is on) are marked
    as demo, listed from the world even before the dashboard has created them."""
    from app.access import Directory
    from app.ops import OpsStore, ops_exists

    s = settings(ctx)
    stored: list[User] = []
    demo: set[str] = set()
    if ops_exists(s):  # listing users never creates the operations store
        with OpsStore.open(s) as ops:
            directory = Directory(ops)
            stored, demo = directory.users(), {u.user_id for u in directory.users(demo_only=True)}
    pending = [u for u in _demo_users(s) if u.user_id not in {x.user_id for x in stored}]
    demo |= {u.user_id for u in pending}
    rows = [(u.user_id, u.display_name, str(u.role), u.jobcenter_id or u.employer_id or "",
             "demo" if u.user_id in demo else "") for u in [*stored, *pending]]  # fmt: skip
    if not rows:
        console.print(
            "no users yet: add one with `jobmatch users add` (demo users come with a generated world)"
        )
        return
    columns = ("user", "name", "role", "scope", "kind")
    if fmt == "table":
        show_table(columns, rows, flexible=("name",))
        return
    import polars as pl

    show_machine(pl.DataFrame(rows, schema=list(columns), orient="row"), fmt)


def _demo_users(s: Settings) -> list[User]:
    """The demo users the dashboard creates for this world, worked out in memory (nothing is written)."""
    from app.access import Directory
    from app.ops import OpsStore
    from data.store import Store

    if not (s.demo_login and s.db_path.exists()):
        return []
    with Store(s.db_path, read_only=True) as world, OpsStore(":memory:") as scratch:
        return Directory(scratch).ensure_demo_users(world)
