"""Releases: everything that serves together (world store, indexes, models) in one immutable folder.

Layout under an installation's home::

    home/releases/CURRENT            one line: the live release's folder name
    home/releases/r20261130T.../     jobmatch.duckdb, indexes/, models/, release.json (written last)
    home/ops.*, home/reports/, ...   outside releases: they outlive every world

Readers (dashboard processes, CLI commands) pin the release named by ``CURRENT`` when they start and open
its world store read-only; nothing in a published release is ever written again, so any number of
processes read it while a writer prepares the next one. A writer (``generate``, ``import``, ``refresh``,
``build``) takes the home's writer lock, starts a new hidden folder from the live release (the world store
copied, so it can be written; indexes and models hard-linked, so they cost nothing until replaced), writes
there, and publishes by renaming the folder and replacing ``CURRENT`` atomically. A crash at any point
leaves the previous release live; the next writer removes the leftover folder. Running processes notice a
new ``CURRENT`` and switch to it when they have loaded it, so a consultant never waits for a rebuild and
never sees a half-written release.

A home without ``releases/`` (an installation from before releases, or a test's prepared folder) is read in
place; its first writer moves it into the first release. After that, ``home/jobmatch.duckdb``, ``indexes``
and ``models`` are symbolic links to the live release's, for people and scripts that look there.
"""

from __future__ import annotations

import fcntl
import json
import os
import shutil
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from core.errors import StoreError

RELEASES = "releases"
POINTER = "CURRENT"
MANIFEST = "release.json"
LOCK = ".writer.lock"
DERIVED = ("indexes", "models")  # folders a release carries besides the world store
CARRIED = ("built.json",)  # small files a release carries over (what its models were built for)
KEEP = 3  # releases kept: the live one and two before it, for processes still switching away from them
LOCK_WAIT_S = 600.0


def releases_root(home: Path) -> Path:
    return home / RELEASES


def live_release(home: Path) -> str | None:
    """Name of the live release, or ``None`` for a home that has none (read in place)."""
    pointer = releases_root(home) / POINTER
    try:
        name = pointer.read_text(encoding="utf-8").strip()
    except FileNotFoundError:
        return None
    return name or None


def release_dir(home: Path, name: str | None) -> Path:
    """Folder of release ``name``; ``None`` is the home itself (no releases yet)."""
    return home if name is None else releases_root(home) / name


@contextmanager
def writer_lock(home: Path, *, wait_s: float = LOCK_WAIT_S) -> Iterator[None]:
    """One writer per home at a time, across processes: a second one waits, then gives up naming why."""
    root = releases_root(home)
    root.mkdir(parents=True, exist_ok=True)
    with (root / LOCK).open("a+") as fh:
        deadline = time.monotonic() + wait_s
        while True:
            try:
                fcntl.flock(fh.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() > deadline:
                    raise StoreError(
                        f"another command has been writing {home} for over {wait_s:.0f} s "
                        "(an import, refresh, build or generate)",
                        hint="wait for it to finish, or look for a hung `jobmatch` process",
                    ) from None
                time.sleep(0.2)
        try:
            yield
        finally:
            fcntl.flock(fh.fileno(), fcntl.LOCK_UN)


@contextmanager
def new_release(home: Path, db_file: str, *, what: str, fresh: bool = False) -> Iterator[Path]:
    """A folder to write the next release in, published (made live) only if the block succeeds.

    Starts as a copy of the live release (``fresh``: empty, for a whole new world). The world store is a
    real copy, writable; indexes and models are hard links, which the artefact scheme never writes through
    (it writes new version folders and replaces pointers by rename)."""
    with writer_lock(home):
        root = releases_root(home)
        _remove_leftovers(home)
        name = f"r{datetime.now(UTC):%Y%m%dT%H%M%S%f}-{uuid.uuid4().hex[:6]}"
        tmp = root / f".{name}.tmp"
        tmp.mkdir()
        try:
            source = release_dir(home, live_release(home))
            if not fresh:
                _start_from(source, tmp, db_file)
            yield tmp
            _publish(home, tmp, name, what, db_file)
        except BaseException:
            shutil.rmtree(tmp, ignore_errors=True)
            raise
        if source == home:
            _retire_in_place(home, db_file)
        _link_live(home, name, db_file)
        _prune(root)


def _start_from(source: Path, target: Path, db_file: str) -> None:
    world = source / db_file
    if world.exists():
        shutil.copyfile(world, target / db_file)
    for folder in DERIVED:
        if (source / folder).is_dir():
            shutil.copytree(source / folder, target / folder, copy_function=os.link)
    for name in CARRIED:
        if (source / name).is_file():
            shutil.copyfile(source / name, target / name)


def _publish(home: Path, folder: Path, name: str, what: str, db_file: str) -> None:
    """Write the manifest, make everything durable, rename into place, then swing the pointer."""
    manifest = {"release": name, "made_by": what, "created": f"{datetime.now(UTC):%Y-%m-%dT%H:%M:%SZ}",
                "world": db_file, **_describe(folder)}  # fmt: skip
    (folder / MANIFEST).write_text(json.dumps(manifest, indent=1), encoding="utf-8")
    for path in folder.rglob("*"):
        if path.is_file():
            with path.open("rb") as fh:
                os.fsync(fh.fileno())
    root = releases_root(home)
    os.replace(folder, root / name)
    pointer = root / f".{POINTER}.{uuid.uuid4().hex[:6]}"
    pointer.write_text(name, encoding="utf-8")
    os.replace(pointer, root / POINTER)
    fd = os.open(root, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _describe(folder: Path) -> dict[str, Any]:
    """The live version of each artefact in the release (its CURRENT pointers), for people and notices."""
    versions = {}
    for pointer in sorted(folder.glob("*/*/CURRENT")):
        versions[str(pointer.parent.relative_to(folder))] = pointer.read_text(encoding="utf-8").strip()
    return {"artefacts": versions}


def _remove_leftovers(home: Path) -> None:
    """Folders, pointers and links of writers that crashed (only a writer holding the lock calls this, so
    none is in use)."""
    for link in home.glob(".*.link"):  # a link being swapped by _link_live
        if link.is_symlink():
            link.unlink(missing_ok=True)
    root = releases_root(home)
    live = live_release(home)
    for child in root.iterdir():
        if child.name.startswith(".r") and child.name.endswith(".tmp"):
            shutil.rmtree(child, ignore_errors=True)
        elif child.name.startswith(f".{POINTER}."):
            child.unlink(missing_ok=True)
        elif live is not None and child.is_dir() and child.name.startswith("r") and child.name > live:
            shutil.rmtree(
                child, ignore_errors=True
            )  # renamed into place, never made live (names sort by time)


def _retire_in_place(home: Path, db_file: str) -> None:
    """After the first release of a home read in place, its old files are links or copies of it: remove."""
    for name in (db_file, db_file + ".wal"):
        (home / name).unlink(missing_ok=True)
    for folder in DERIVED:
        if (home / folder).is_symlink():
            continue
        shutil.rmtree(home / folder, ignore_errors=True)


def _link_live(home: Path, name: str, db_file: str) -> None:
    """``home/jobmatch.duckdb``, ``home/indexes`` and ``home/models`` name the live release's, for people
    and scripts that look there; each link is swapped atomically. The product itself reads through
    ``CURRENT`` (a process must not mix two releases, which following three links one by one could)."""
    for entry in (db_file, *DERIVED):
        link = home / entry
        tmp = home / f".{entry}.{uuid.uuid4().hex[:6]}.link"
        os.symlink(Path(RELEASES) / name / entry, tmp)
        if link.is_dir() and not link.is_symlink():  # a copy of a home that followed the links
            shutil.rmtree(link)
        os.replace(tmp, link)


def _prune(root: Path) -> None:
    live = (root / POINTER).read_text(encoding="utf-8").strip()
    done = sorted(c.name for c in root.iterdir() if c.is_dir() and c.name.startswith("r") and c.name != live)
    for name in done[: max(0, len(done) - (KEEP - 1))]:
        shutil.rmtree(root / name, ignore_errors=True)
