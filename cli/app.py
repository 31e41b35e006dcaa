"""The root `jobmatch` app: loads the settings once, mounts every command group, and is the entry point."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape

from cli import (
    admin,
    bench,
    build,
    caseload,
    evaluate,
    exchange,
    linking,
    match,
    recommend,
    report,
    taxonomy,
    world,
)
from cli.render import err
from core.errors import JobmatchError
from core.settings import load_settings

app = typer.Typer(
    help="Jobmatch: decision support for Danish job centres.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)


@app.callback()
def main_options(
    ctx: typer.Context,
    home: Annotated[
        Path | None, typer.Option(help="Artefacts folder (default: settings / JOBMATCH_HOME).")
    ] = None,
) -> None:
    """Settings come from jobmatch.toml (or $JOBMATCH_CONFIG) and JOBMATCH_* variables."""
    ctx.obj = load_settings(**({"home": home} if home else {})).pinned()  # one release per command


# Top-level commands first (unnamed groups merge into the root), then the named groups.
app.add_typer(world.commands)
app.add_typer(exchange.commands)
app.add_typer(build.commands)
app.add_typer(linking.commands)
app.add_typer(evaluate.commands)
app.add_typer(report.commands)
app.add_typer(world.data_app, name="data")
app.add_typer(taxonomy.taxonomy_app, name="taxonomy")
app.add_typer(bench.bench_app, name="bench")
app.add_typer(match.match_app, name="match")
app.add_typer(recommend.recommend_app, name="recommend")
app.add_typer(evaluate.evaluate_app, name="evaluate")
app.add_typer(admin.audit_app, name="audit")
app.add_typer(admin.users_app, name="users")
app.add_typer(caseload.caseload_app, name="caseload")


def main() -> None:
    """Entry point: known, user-facing errors print one clear line and exit 2, without a traceback."""
    try:
        app()
    except JobmatchError as exc:
        err.print(f"[red]error:[/red] {escape(str(exc))}", highlight=False, markup=True)
        sys.exit(2)
