"""Versioned artefact folders replaced atomically: ``root/CURRENT`` names the live version folder.

Writers fill a hidden temporary folder, fsync it, rename it to a version name, then replace ``CURRENT``
(a one-line file) with an atomic rename. A crash at any point leaves the previous version live. The
current and one previous version are kept.
"""

from __future__ import annotations

import os
import shutil
import uuid
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path


class MissingArtefactError(RuntimeError):
    """No live version under a root (never built, or built elsewhere)."""


def write_version(root: str | Path, fill: Callable[[Path], None]) -> Path:
    """Create a new version by calling ``fill(folder)``, then make it current; returns its folder."""
    base = Path(root)
    base.mkdir(parents=True, exist_ok=True)
    version = f"v{datetime.now(UTC):%Y%m%dT%H%M%S%f}-{uuid.uuid4().hex[:6]}"
    tmp = base / f".{version}.tmp"
    tmp.mkdir()
    try:
        fill(tmp)
        for child in tmp.iterdir():
            with child.open("rb") as fh:
                os.fsync(fh.fileno())
        os.replace(tmp, base / version)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    pointer = base / f".CURRENT.{uuid.uuid4().hex[:6]}"
    pointer.write_text(version, encoding="utf-8")
    os.replace(pointer, base / "CURRENT")
    previous = sorted(
        p.name for p in base.iterdir() if p.is_dir() and p.name.startswith("v") and p.name != version
    )
    for child in base.iterdir():
        if child.is_dir() and child.name not in {version, *previous[-1:]}:
            shutil.rmtree(child, ignore_errors=True)
    return base / version


def current_version(root: str | Path, hint: str) -> Path:
    """Folder of the live version, or MissingArtefactError naming how to build it."""
    base = Path(root)
    pointer = base / "CURRENT"
    if not pointer.exists():
        raise MissingArtefactError(f"nothing built at {base}: {hint}")
    folder = base / pointer.read_text(encoding="utf-8").strip()
    if not folder.is_dir():
        raise MissingArtefactError(f"{pointer} names a missing version {folder.name}: {hint}")
    return folder
