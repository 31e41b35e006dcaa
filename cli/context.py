"""What every command module shares: the settings the root callback put on the context, common options."""

from __future__ import annotations

from typing import Annotated, Literal

import typer

from core.settings import Settings

OutputFormat = Literal["table", "json", "csv"]
AsJson = Annotated[bool, typer.Option("--json", help="Same as --format json.")]
FormatOption = Annotated[
    OutputFormat,
    typer.Option("--format", help="table (for people), json (one object per line) or csv (for scripts)."),
]


def settings(ctx: typer.Context) -> Settings:
    """The settings loaded once by the root callback (`--home`, jobmatch.toml, JOBMATCH_* variables)."""
    loaded: Settings = ctx.obj  # click hands the root's obj down to every sub-context
    return loaded


def output_format(fmt: OutputFormat, as_json: bool) -> OutputFormat:
    """``--json`` is kept as the short form of ``--format json``."""
    return "json" if as_json else fmt
