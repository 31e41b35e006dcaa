"""Occupation and skill taxonomies: import the official ESCO download, show a taxonomy's counts."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from cli.context import settings
from cli.render import show_table
from core.settings import TaxonomyName, writing_release

taxonomy_app = typer.Typer(
    help="Occupation and skill taxonomies (built-in Danish catalogue, ESCO).", no_args_is_help=True
)


@taxonomy_app.command("import-esco")
def taxonomy_import_esco(
    ctx: typer.Context,
    path: Annotated[
        Path, typer.Argument(help="Folder with the ESCO CSV zips, an extracted folder, or one zip.")
    ],
    labels_da: Annotated[
        Path | None, typer.Option("--labels-da", help="Danish labels CSV (conceptUri,label,labelIndex).")
    ] = None,
) -> None:
    """Load the official ESCO CSV download into the store as taxonomy 'esco'.

    ESCO ships no Danish skill labels: skills that match a skill of the built-in Danish catalogue take its
    Danish label (:mod:`matching.linking.skill_labels`), so the Danish interface shows those in Danish.
    """
    from data.esco import load_esco
    from data.store import Store
    from data.taxonomy import load_builtin
    from matching.linking.skill_labels import with_danish_skill_labels

    taxonomy = with_danish_skill_labels(load_esco(path, labels_da, progress=True), load_builtin())
    with (
        writing_release(settings(ctx), what="taxonomy import-esco") as w,
        Store(w.db_path, read_only=False) as store,
    ):
        store.save_taxonomy(taxonomy)
    _show_summary("esco", taxonomy.summary())


@taxonomy_app.command("show")
def taxonomy_show(
    ctx: typer.Context,
    name: Annotated[TaxonomyName, typer.Option("--taxonomy", help="Which taxonomy.")] = "builtin",
) -> None:
    """Counts of a taxonomy (the built-in catalogue needs no store)."""
    from data.store import Store
    from data.taxonomy import load_builtin

    if name == "builtin":
        taxonomy = load_builtin()
    else:
        with Store(settings(ctx).db_path, read_only=True) as store:
            taxonomy = store.load_taxonomy(name)
    _show_summary(name, taxonomy.summary())


def _show_summary(name: str, summary: dict[str, int]) -> None:
    show_table(
        ("what", "count"), [(key, f"{value:,}") for key, value in summary.items()], title=f"Taxonomy {name}"
    )
