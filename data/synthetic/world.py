"""Writing a generated world into the store: a new file, renamed into place only when complete."""

from __future__ import annotations

from contextlib import suppress
from pathlib import Path

from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

from core.errors import StoreError
from data.clock import REFERENCE_DATE_KEY
from data.schema import WORLD_TABLES
from data.store import Store, replace_atomically
from data.synthetic.clock import TODAY
from data.synthetic.generate import WorldSize, generate_world
from data.taxonomy import Taxonomy, load_builtin


def known_taxonomies(db_path: Path) -> dict[str, Taxonomy]:
    """The built-in catalogue plus any taxonomy imported into an existing store (kept across regenerations)."""
    taxonomies = {"builtin": load_builtin()}
    if db_path.exists():
        with Store(db_path, read_only=True) as old, suppress(StoreError):
            taxonomies["esco"] = old.load_taxonomy("esco")
    return taxonomies


def generate_store(
    db_path: Path,
    size: WorldSize,
    taxonomy: str = "builtin",
    *,
    show_progress: bool = True,
    taxonomies_from: Path | None = None,
) -> dict[str, int]:
    """Generate a world and atomically replace the store at ``db_path``; returns row counts per table.
    An imported taxonomy is carried over from the store at ``taxonomies_from`` (default: ``db_path``)."""
    taxonomies = known_taxonomies(taxonomies_from or db_path)
    if taxonomy not in taxonomies:
        raise StoreError(
            f"taxonomy {taxonomy!r} is not loaded: run `jobmatch taxonomy import-esco PATH` first"
        )
    with Progress(
        SpinnerColumn(),
        TextColumn("{task.description}"),
        TimeElapsedColumn(),
        disable=not show_progress,
        transient=True,
    ) as bar:
        task = bar.add_task("generating world", total=None)
        tables = generate_world(
            taxonomies[taxonomy], size, progress=lambda m: bar.update(task, description=f"generating {m}")
        )
        bar.update(task, description="writing store")
        with replace_atomically(db_path) as store, store.transaction():
            for tax in taxonomies.values():
                store.insert_taxonomy(tax)
            for name in WORLD_TABLES:
                store.insert(name, tables[name])
            store.set_meta("taxonomy", taxonomy)
            store.set_meta("seed", str(size.seed))
            store.set_meta(REFERENCE_DATE_KEY, TODAY.isoformat())  # the world is a snapshot taken on this day
            store.set_meta("world_form", size.world_form)
            if size.hidden_confounding:
                store.set_meta("hidden_confounding", str(size.hidden_confounding))
            store.bump_data_version()
    return {name: tables[name].height for name in WORLD_TABLES}
