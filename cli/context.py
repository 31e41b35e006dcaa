"""What every command module shares: the settings the root callback put on the context, common options."""

from __future__ import annotations

from typing import Annotated

import typer

from core.settings import Settings

AsJson = Annotated[bool, typer.Option("--json", help="JSON lines instead of a table.")]


def settings(ctx: typer.Context) -> Settings:
    """The settings loaded once by the root callback (`--home`, jobmatch.toml, JOBMATCH_* variables)."""
    loaded: Settings = ctx.obj  # click hands the root's obj down to every sub-context
    return loaded
