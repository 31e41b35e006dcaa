"""`jobmatch generate` replaces the whole store: ask first (or need --force) and keep the previous file."""

from __future__ import annotations

import os
import shutil
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import typer

from core.errors import InputError, StoreError

WORLD_TABLES_TO_KEEP = ("seekers", "vacancies", "employers", "interactions")


def world_rows(path: Path) -> int:
    """Rows of world data in the store (a store holding only an imported taxonomy has none to lose)."""
    from data.store import Store

    if not path.exists():
        return 0
    try:
        with Store(path, read_only=True) as store:
            present = set(store.tables())
            return sum(store.count(t) for t in WORLD_TABLES_TO_KEEP if t in present)
    except StoreError:  # an older schema or a damaged file: assume there is something to keep
        return 1


def backup_path(path: Path, home: Path | None = None) -> Path:
    """Beside the store, or in the home (a release folder is never written once published)."""
    return (home or path.parent) / (path.name + ".bak")


def interactive() -> bool:
    """A person at a terminal can be asked; a script or a pipe cannot."""
    return sys.stdin.isatty()


def confirm_replace(path: Path, *, force: bool, home: Path | None = None) -> None:
    """Go on only with --force, a yes at the prompt (stdin a terminal), or when there is no world to lose."""
    rows = world_rows(path)
    if force or rows == 0:
        return
    what = f"{path} holds a world ({rows:,} rows of seekers, vacancies, employers and interactions, imports included)"
    if interactive():
        typer.confirm(
            f"{what}; replace it (the current file is kept as {backup_path(path, home)})?", abort=True
        )
        return
    raise InputError(
        f"{what}: not replaced without --force",
        hint=f"pass --force to replace it (the current file is kept as {backup_path(path, home)}), "
        "or --if-absent to keep it",
    )


@contextmanager
def kept_as_backup(path: Path, home: Path | None = None) -> Iterator[Path | None]:
    """Keep the current store as <store>.bak while the block replaces it; a failed block leaves no backup.

    A hard link costs nothing and still names the old file after the atomic rename; where links are not
    possible the file is copied."""
    if not path.exists():
        yield None
        return
    backup = backup_path(path, home)
    backup.unlink(missing_ok=True)
    try:
        os.link(path, backup)
    except OSError:
        shutil.copy2(path, backup)
    try:
        yield backup
    except BaseException:
        backup.unlink(missing_ok=True)
        raise
