"""Tables in and out of the store: validated import, guarded and audited export."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from cli.audit_trail import log
from cli.context import settings
from cli.progress import steps
from cli.render import console, say, show_definitions
from core.echo import quoted
from core.errors import InputError
from core.settings import Settings, writing_release

if TYPE_CHECKING:
    from data.import_labels import LabelResolver
    from data.store import Store

commands = typer.Typer()


@commands.command("import")
def import_(
    ctx: typer.Context,
    table: Annotated[
        str | None, typer.Argument(help="seekers | vacancies | employers | interactions")
    ] = None,
    file: Annotated[
        Path | None, typer.Argument(help="CSV (',' ';' or tab; UTF-8 or Latin-1) or Parquet file.")
    ] = None,
    replace: Annotated[bool, typer.Option("--replace", help="Update rows whose id already exists.")] = False,
    link: Annotated[
        bool,
        typer.Option(
            "--link/--no-link",
            help="Link occupation and skill text that is neither an id nor a label through the title and skill "
            "linker (accepted above a score; each link is reported).",
        ),
    ] = True,
    describe: Annotated[
        str | None,
        typer.Option(
            "--describe", metavar="KIND", help="Print the columns, types and allowed values of KIND."
        ),
    ] = None,
) -> None:
    """Validate a file completely and import it in one transaction; a bad file writes nothing.
    `jobmatch import --describe vacancies` shows what a file must hold (also in docs/import.md)."""
    from data.importing import check_kind, import_file
    from data.store import Store

    if describe is not None:
        check_kind(describe)
        _describe(describe)
        return
    if table is None or file is None:
        raise InputError(
            "import needs KIND and FILE", hint="`jobmatch import --describe KIND` shows a kind's columns"
        )
    check_kind(table)
    s = settings(ctx)
    if not s.db_path.exists():
        Store(s.db_path, read_only=False, create=False)  # refuses, naming how to create the world
    with writing_release(s, what=f"import {table}") as w:
        with Store(w.db_path, read_only=False, create=False) as store:
            resolve = _label_resolver(store, w.models_dir) if link else None
            report = import_file(
                store, table, file, max_bytes=s.import_max_bytes, replace=replace, resolve_labels=resolve
            )
        refreshed = refresh_after_import(w)
    say(
        f"imported {report.rows:,} {table} rows from {file} ({report.encoding}"
        + (f", delimiter {report.delimiter!r}" if report.delimiter else "")
        + f"); replaced {report.replaced}; data version {report.data_version}"
    )
    for label, concept in report.linked_labels.items():
        say(f"linked label {quoted(label)} -> {concept}")
    for text, found in report.linked_by_linker.items():
        say(
            f"linked {quoted(text)} -> {found.concept_id} (matched {quoted(found.matched_label)}"
            + (f", named skill {quoted(found.named_skill)}" if found.named_skill else "")
            + f", score {found.score:.2f})"
        )
    say(refreshed)
    if report.masked_cpr_rows:
        console.print(
            f"[yellow]masked CPR-number-like text in {len(report.masked_cpr_rows)} row(s): "
            f"{report.masked_cpr_rows[:20]}[/yellow]"
        )


def refresh_after_import(w: Settings) -> str:
    """Index the imported rows in the same release, so it goes live servable (models are not retrained)."""
    from app.refresh import refresh_release

    if not (w.indexes_dir / "vacancies").exists():  # a world never built: nothing to keep up to date
        return "no indexes built yet: run `jobmatch build` to serve suggestions"
    with steps("indexing the new rows") as step:
        report = refresh_release(w, progress=step)
    return (
        f"{report.summary()}; live now for every running dashboard and command "
        "(models keep their training; the nightly `jobmatch build` retrains them)"
    )


def _label_resolver(store: Store, models_dir: Path) -> LabelResolver:
    """The linker for the store's taxonomy, fitted (or loaded from its cache) only if a file needs it."""
    from matching.linking import make_linker
    from matching.linking.import_resolver import linker_resolver

    taxonomy = store.load_taxonomy(store.meta("taxonomy") or "builtin")
    return linker_resolver(lambda: make_linker(taxonomy, model_dir=models_dir, progress=True))


def _describe(kind: str) -> None:
    """One block per column: name, type and whether required; allowed values and notes indented below."""
    from data.import_docs import describe, key_sentence

    say(f"{kind}: {key_sentence(kind)} List items are separated by '|'. More in docs/import.md.")
    show_definitions(
        (doc.column, "\n".join(t for t in (f"{doc.type}, {doc.required}", doc.allowed, doc.notes) if t))
        for doc in describe(kind)
    )


@commands.command()
def export(
    ctx: typer.Context,
    table: Annotated[str, typer.Argument(help="Any table in the store.")],
    file: Annotated[Path, typer.Argument(help="Output .parquet or .csv (CSV is guarded against formulas).")],
    sensitive: Annotated[
        bool,
        typer.Option(
            "--sensitive",
            help="Needed for the protected attributes table and the gt_* (ground truth) tables.",
        ),
    ] = False,
    reason: Annotated[
        str | None, typer.Option(help="Why the export is needed (required with --sensitive; audited).")
    ] = None,
) -> None:
    """Export a table to Parquet or CSV; every export is audited (who, what, rows)."""
    from data.export import check_export_target, export_table, sensitivity
    from data.store import Store

    suffix = check_export_target(file)
    why = sensitivity(table)
    if why and not (sensitive and (reason or "").strip()):
        raise InputError(
            f"{table} holds {why}: it is exported only with --sensitive and --reason TEXT",
            hint="both are needed; the export and the reason go into the audit log",
        )
    with Store(settings(ctx).db_path, read_only=True) as store:
        if table not in store.tables():
            raise InputError(
                f"store {store.path} has no table {table!r}", hint="`jobmatch data report` lists them"
            )
        rows = store.count(table)
        payload = {"table": table, "file": str(file.resolve()), "format": suffix.lstrip("."), "rows": rows,
                   "sensitive": bool(why), "reason": (reason or "").strip() or None}  # fmt: skip
        log(ctx, "export", table, payload, data_version=store.data_version)
        n = export_table(store, table, file, reason=reason)
    say(f"wrote {n:,} rows of {table} to {file}")
