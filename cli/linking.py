"""`jobmatch link-titles`: free-text job titles to taxonomy occupations, as CSV or JSON lines (batch use)."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Annotated, Literal

import typer

from cli.context import settings
from cli.progress import steps
from cli.render import err
from core.errors import MissingFileError
from core.settings import TaxonomyName

commands = typer.Typer()

LinkFormat = Literal["csv", "jsonl"]
LinkMethod = Literal["trained", "lexical"]


@commands.command("link-titles")
def link_titles(
    ctx: typer.Context,
    file: Annotated[
        Path, typer.Argument(help="Text file (UTF-8 or Latin-1), one job title per line ('-' reads stdin).")
    ],
    k: Annotated[int, typer.Option("--k", min=1, help="Occupations per title.")] = 10,
    taxonomy: Annotated[
        TaxonomyName, typer.Option("--taxonomy", help="builtin (no store needed) or esco (from the store).")
    ] = "builtin",
    fmt: Annotated[LinkFormat, typer.Option("--format", help="Output format.")] = "csv",
    out: Annotated[Path | None, typer.Option("--out", help="Output file (default: stdout).")] = None,
    method: Annotated[
        LinkMethod,
        typer.Option(
            help="trained: the benchmarked default (trained once per taxonomy, cached); lexical: char TF-IDF."
        ),
    ] = "trained",
) -> None:
    """Link free-text job titles (Danish or English) to the top-k occupations: query, rank, occupation_id, label, score."""
    from data.store import Store
    from data.taxonomy import load_builtin
    from matching.linking import make_linker, read_titles, write_links

    s = settings(ctx)
    titles = read_titles("-" if str(file) == "-" else io.StringIO(_titles_text(file)))
    if taxonomy == "builtin":
        tax = load_builtin()
    else:
        with Store(s.db_path, read_only=True) as store:
            tax = store.load_taxonomy(taxonomy)
    with steps(
        f"preparing the {method} linker for taxonomy {taxonomy} (first run: trains it, minutes)"
    ) as step:
        linker = make_linker(tax, method, model_dir=s.models_dir, index_skills=False)
        step(f"linking {len(titles):,} titles")
        links = linker.link(titles, k=k)
    write_links(links, out, fmt=fmt)
    if out is not None:
        err.print(f"linked {len(titles):,} titles to {links.height:,} rows in {out}")


def _titles_text(file: Path) -> str:
    """The titles file as text, in the encodings `jobmatch import` accepts (UTF-8, cp1252, Latin-1)."""
    from data.importing import read_text

    if not file.is_file():
        raise MissingFileError(f"no such titles file: {file}")
    text, _encoding = read_text(file, what="titles")
    return text
