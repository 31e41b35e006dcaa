"""The world in the store: generate it, migrate its schema, import and export tables, report on it."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from cli.context import settings
from cli.render import console, show_frame, show_table
from core.settings import TaxonomyName

commands = typer.Typer()
data_app = typer.Typer(help="Inspect the data in the store.", no_args_is_help=True)


@commands.command()
def generate(
    ctx: typer.Context,
    seekers: Annotated[int | None, typer.Option(min=1, help="Number of seekers.")] = None,
    vacancies: Annotated[int | None, typer.Option(min=1, help="Number of vacancies.")] = None,
    interactions: Annotated[
        int | None, typer.Option(min=0, help="Target number of interaction events.")
    ] = None,
    episodes: Annotated[int | None, typer.Option(min=0, help="Number of intervention episodes.")] = None,
    seed: Annotated[int | None, typer.Option(help="Random seed.")] = None,
    taxonomy: Annotated[TaxonomyName | None, typer.Option(help="Taxonomy to generate from.")] = None,
    if_absent: Annotated[bool, typer.Option("--if-absent", help="Do nothing if the store exists.")] = False,
) -> None:
    """Generate the synthetic Odense + Copenhagen world into the DuckDB store (replaced atomically)."""
    from data.synthetic.generate import WorldSize
    from data.synthetic.world import generate_store

    s = settings(ctx)
    if if_absent and s.db_path.exists():
        console.print(f"store exists at {s.db_path}; nothing to generate")
        return
    size = WorldSize(
        seekers=seekers or s.seekers,
        vacancies=vacancies or s.vacancies,
        interactions=s.interactions if interactions is None else interactions,
        episodes=s.episodes if episodes is None else episodes,
        seed=s.seed if seed is None else seed,
    )
    counts = generate_store(s.db_path, size, taxonomy or s.taxonomy)
    rows = [(name, f"{n:,}") for name, n in counts.items() if not name.startswith("gt_")]
    show_table(("table", "rows"), rows, title=f"Generated world in {s.db_path}")


@commands.command()
def migrate(ctx: typer.Context) -> None:
    """Create the store if needed and apply pending schema migrations."""
    from data.store import Store

    with Store(settings(ctx).db_path, read_only=False) as store:
        console.print(f"{store.path}: schema version {store.schema_version()}")


@commands.command("import")
def import_(
    ctx: typer.Context,
    table: Annotated[str, typer.Argument(help="seekers | vacancies | employers | interactions")],
    file: Annotated[Path, typer.Argument(help="CSV (',' ';' or tab; UTF-8 or Latin-1) or Parquet file.")],
    replace: Annotated[bool, typer.Option("--replace", help="Update rows whose id already exists.")] = False,
) -> None:
    """Validate a file completely and import it in one transaction; a bad file writes nothing."""
    from data.importing import import_file
    from data.store import Store

    s = settings(ctx)
    with Store(s.db_path, read_only=False, create=False) as store:
        report = import_file(store, table, file, max_bytes=s.import_max_bytes, replace=replace)
    console.print(
        f"imported {report.rows:,} {table} rows from {file} ({report.encoding}"
        + (f", delimiter {report.delimiter!r}" if report.delimiter else "")
        + f"); replaced {report.replaced}; data version {report.data_version}"
    )
    if report.masked_cpr_rows:
        console.print(
            f"[yellow]masked CPR-number-like text in {len(report.masked_cpr_rows)} row(s): "
            f"{report.masked_cpr_rows[:20]}[/yellow]"
        )


@commands.command()
def export(
    ctx: typer.Context,
    table: Annotated[str, typer.Argument(help="Any table in the store.")],
    file: Annotated[Path, typer.Argument(help="Output .parquet or .csv (CSV is guarded against formulas).")],
) -> None:
    """Export a table to Parquet or CSV."""
    from data.export import export_table
    from data.store import Store

    with Store(settings(ctx).db_path, read_only=True) as store:
        n = export_table(store, table, file)
    console.print(f"wrote {n:,} rows of {table} to {file}")


@data_app.command("report")
def data_report(
    ctx: typer.Context,
    out: Annotated[Path | None, typer.Option(help="Also write the report as Markdown to this file.")] = None,
) -> None:
    """Counts and distributions of the world in the store."""
    from data.report import data_report as build_report
    from data.report import to_markdown
    from data.store import Store

    with Store(settings(ctx).db_path, read_only=True) as store:
        sections = build_report(store)
    for title, frame in sections:
        show_frame(frame, title)
    if out:
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(to_markdown(sections), encoding="utf-8")
        console.print(f"wrote {out}")
