"""Caseloads in the operations store: which consultant holds which citizen (assign, unassign, import, list)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from cli.context import FormatOption, settings
from cli.render import console, show_machine, show_table

if TYPE_CHECKING:
    from app.caseload import Caseload
    from data.store import Store

caseload_app = typer.Typer(
    help="Which consultant holds which citizen; team leads see their team's and the unassigned.",
    no_args_is_help=True,
)


@contextmanager
def _opened(ctx: typer.Context) -> Iterator[tuple[Caseload, Store]]:
    from app.caseload import Caseload
    from app.ops import OpsStore
    from data.store import Store

    s = settings(ctx)
    with Store(s.db_path, read_only=True) as world, OpsStore.open(s) as ops:
        yield Caseload(ops), world


@caseload_app.command("assign")
def assign(
    ctx: typer.Context,
    seekers: Annotated[list[str], typer.Argument(help="Citizen ids (seeker_id).")],
    to: Annotated[str, typer.Option("--to", help="The consultant's user id.")],
) -> None:
    """Give citizens to a consultant of their job centre; all or nothing, audited."""
    with _opened(ctx) as (caseload, world):
        n = caseload.assign(world, [(sid, to) for sid in seekers])
    console.print(f"{n} citizen(s) assigned to {to}")


@caseload_app.command("unassign")
def unassign(
    ctx: typer.Context, seekers: Annotated[list[str], typer.Argument(help="Citizen ids (seeker_id).")]
) -> None:
    """Take citizens out of their consultant's caseload (their team lead sees them as unassigned)."""
    with _opened(ctx) as (caseload, _):
        n = caseload.unassign(seekers)
    console.print(f"{n} citizen(s) unassigned")


@caseload_app.command("import")
def import_file(
    ctx: typer.Context,
    path: Annotated[Path, typer.Argument(help="CSV with columns seeker_id, user_id.", exists=True)],
) -> None:
    """Assignments from a CSV file; one bad row and nothing is written (the error names the row)."""
    with _opened(ctx) as (caseload, world):
        n = caseload.import_csv(world, path)
    console.print(f"{n} citizen(s) assigned from {path}")


@caseload_app.command("list")
def list_caseload(
    ctx: typer.Context,
    user: Annotated[str | None, typer.Option("--user", help="Only this consultant's citizens.")] = None,
    team: Annotated[str | None, typer.Option(help="Only this team's citizens.")] = None,
    fmt: FormatOption = "table",
) -> None:
    """Assignments with who made them and when, and the follow-up date where one is set."""
    from app.caseload import Caseload
    from app.ops import OpsStore, ops_exists

    s = settings(ctx)
    if not ops_exists(s):  # listing never creates the operations store
        console.print("no caseload yet: assign citizens with `jobmatch caseload assign` or `import`")
        return
    with OpsStore.open(s) as ops:
        frame = Caseload(ops).listing(user_id=user, team=team)
    if fmt != "table":
        show_machine(frame, fmt)
        return
    rows = [(r["seeker_id"], r["user_id"], r["team"] or "", f"{r['assigned_at']:%Y-%m-%d %H:%M}", r["assigned_by"],
             str(r["follow_up"] or "")) for r in frame.iter_rows(named=True)]  # fmt: skip
    show_table(("citizen", "consultant", "team", "assigned", "by", "follow-up"), rows)
