"""The world in the store: generate it, migrate its schema, report on it (import/export: cli.exchange)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from cli.backup import confirm_replace, kept_as_backup
from cli.context import settings
from cli.render import console, say, show_frame, show_table
from core.settings import TaxonomyName, WorldSizeName, world_counts, writing_release
from data.synthetic.world_forms import WorldForm as WorldFormName

commands = typer.Typer()
data_app = typer.Typer(help="Inspect the data in the store.", no_args_is_help=True)


@commands.command()
def generate(
    ctx: typer.Context,
    size: Annotated[
        WorldSizeName | None,
        typer.Option(
            "--size",
            help="Preset of all counts: default (20,000 citizens) or copenhagen (60,000 citizens, 25,000 "
            "open vacancies, 2 million events); explicit counts win over it.",
        ),
    ] = None,
    seekers: Annotated[int | None, typer.Option(min=1, help="Number of seekers.")] = None,
    vacancies: Annotated[int | None, typer.Option(min=1, help="Number of vacancies.")] = None,
    interactions: Annotated[
        int | None, typer.Option(min=0, help="Target number of interaction events.")
    ] = None,
    episodes: Annotated[int | None, typer.Option(min=0, help="Number of intervention episodes.")] = None,
    seed: Annotated[int | None, typer.Option(help="Random seed.")] = None,
    taxonomy: Annotated[TaxonomyName | None, typer.Option(help="Taxonomy to generate from.")] = None,
    if_absent: Annotated[bool, typer.Option("--if-absent", help="Do nothing if the store exists.")] = False,
    force: Annotated[
        bool, typer.Option("--force", help="Replace an existing world without asking (a backup is kept).")
    ] = False,
    hidden_confounding: Annotated[
        float,
        typer.Option(
            min=0.0,
            help="Strength of an unrecorded trait that drives both programme choice and effects (0: none).",
        ),
    ] = 0.0,
    world_form: Annotated[
        WorldFormName,
        typer.Option(
            "--world-form",
            help="Functional form of the hidden match utility and employer callback (see the README).",
        ),
    ] = "linear",
) -> None:
    """Generate the synthetic Odense + Copenhagen world into the DuckDB store (replaced atomically).

    An existing world (imports included) is replaced only with --force or after a yes at the prompt; the
    previous file is kept beside it as <store>.bak."""
    from data.synthetic.generate import WorldSize
    from data.synthetic.world import generate_store

    s = settings(ctx)
    if if_absent and s.db_path.exists():
        console.print(f"store exists at {s.db_path}; nothing to generate")
        return
    confirm_replace(s.db_path, force=force, home=s.home)
    counts = world_counts(
        s,
        size,
        {"seekers": seekers, "vacancies": vacancies, "interactions": interactions, "episodes": episodes},
    )
    world = WorldSize(
        **counts,
        seed=s.seed if seed is None else seed,
        hidden_confounding=hidden_confounding,
        world_form=world_form,
    )
    with kept_as_backup(s.db_path, s.home) as backup, writing_release(s, what="generate", fresh=True) as w:
        rows_per_table = generate_store(w.db_path, world, taxonomy or s.taxonomy, taxonomies_from=s.db_path)
    rows = [(name, f"{n:,}") for name, n in rows_per_table.items() if not name.startswith("gt_")]
    show_table(("table", "rows"), rows, title="Generated world")
    say(f"store: {s.live().db_path} (`jobmatch build` makes its indexes and models)")
    if backup:
        say(f"previous store kept as {backup}")


@commands.command()
def migrate(ctx: typer.Context) -> None:
    """Create the store if needed and apply pending schema migrations."""
    from data.store import Store

    with writing_release(settings(ctx), what="migrate") as w, Store(w.db_path, read_only=False) as store:
        console.print(f"{w.db_file}: schema version {store.schema_version()}")


@data_app.command("report")
def data_report(
    ctx: typer.Context,
    out: Annotated[Path | None, typer.Option(help="Also write the report as Markdown to this file.")] = None,
) -> None:
    """Counts and distributions of the world in the store."""
    from data.report import data_report as build_report
    from data.report import in_danish, to_markdown
    from data.store import Store

    with Store(settings(ctx).db_path, read_only=True) as store:
        sections = in_danish(build_report(store))
    for title, frame in sections:
        show_frame(frame, title)
    if out:
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(to_markdown(sections), encoding="utf-8")
        console.print(f"wrote {out}")
