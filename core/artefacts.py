"""The one scheme for everything saved: versioned folders, an atomic ``CURRENT`` pointer, a checked manifest.

Layout under an artefact's root::

    root/CURRENT                 one line: the live version's folder name
    root/v20261130T050512.../    the files, plus manifest.json written last

Writers fill a hidden temporary folder, write ``manifest.json`` (kind, format version, a SHA-256 per file,
and the artefact's own metadata), fsync, rename the folder to a version name, then replace ``CURRENT`` with
an atomic rename. A crash at any point leaves the previous version live. Readers go through :func:`load`,
which refuses a missing version, another kind, another format version, a file that fails its checksum, or
metadata that does not match what the caller expects (a data version, an encoder), always naming the fix.
The current and one previous version are kept.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import uuid
from collections.abc import Callable, Mapping
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from core.errors import ArtefactError

MANIFEST = "manifest.json"
POINTER = "CURRENT"
LABELS = {"model_id": "encoder", "dim": "dimension"}  # how metadata keys read in a refusal


@dataclass(frozen=True)
class Manifest:
    """What a version holds: enough to refuse it before any byte of it is trusted."""

    kind: str
    format_version: int
    files: dict[str, str]  # file name -> SHA-256
    meta: dict[str, Any] = field(default_factory=dict)
    created: str = ""


def sha256_file(path: str | Path) -> str:
    """SHA-256 of a file's bytes, read in 1 MiB chunks."""
    digest = hashlib.sha256()
    with Path(path).open("rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def save(
    root: str | Path,
    *,
    kind: str,
    format_version: int,
    fill: Callable[[Path], Mapping[str, Any] | None],
) -> Path:
    """Create a new live version: ``fill(folder)`` writes the files and returns the metadata to keep."""

    def write(folder: Path) -> None:
        meta = dict(fill(folder) or {})
        files = {p.name: sha256_file(p) for p in sorted(folder.iterdir()) if p.is_file()}
        manifest = Manifest(kind, format_version, files, meta, f"{datetime.now(UTC):%Y-%m-%dT%H:%M:%SZ}")
        (folder / MANIFEST).write_text(json.dumps(asdict(manifest), indent=1, default=str), encoding="utf-8")

    return write_version(root, write)


def load(
    root: str | Path,
    *,
    kind: str,
    format_version: int,
    hint: str,
    expect: Mapping[str, Any] | None = None,
) -> tuple[Path, Manifest]:
    """The live version's folder and verified manifest; :class:`ArtefactError` (with ``hint``) otherwise.

    ``expect`` maps metadata keys to required values; a ``None`` value means "don't check this key".
    """
    folder = current_version(root, hint)
    try:
        raw = json.loads((folder / MANIFEST).read_text(encoding="utf-8"))
        manifest = Manifest(**raw)
    except (OSError, ValueError, TypeError) as exc:
        raise ArtefactError(f"{folder} has no readable manifest ({exc})", hint=hint) from exc
    if manifest.kind != kind:
        raise ArtefactError(f"{folder} holds a {manifest.kind!r}, expected a {kind!r}", hint=hint)
    if manifest.format_version != format_version:
        raise ArtefactError(
            f"{folder} is in format {manifest.format_version} of {kind!r}, this code reads format {format_version}",
            hint=hint,
        )
    for name, digest in manifest.files.items():
        path = folder / name
        if not path.is_file():
            raise ArtefactError(f"file {path} is missing", hint=hint)
        if sha256_file(path) != digest:
            raise ArtefactError(f"file {path} fails its checksum (truncated or altered)", hint=hint)
    for key, wanted in (expect or {}).items():
        if wanted is not None and manifest.meta.get(key) != wanted:
            label = LABELS.get(key, key.replace("_", " "))
            raise ArtefactError(
                f"{folder} is for {label} {manifest.meta.get(key)}, expected {wanted}", hint=hint
            )
    return folder, manifest


def write_version(root: str | Path, fill: Callable[[Path], None]) -> Path:
    """Create a new version by calling ``fill(folder)``, then make it current; returns its folder.

    The low-level step under :func:`save`; use ``save`` unless the files describe themselves.
    """
    base = Path(root)
    base.mkdir(parents=True, exist_ok=True)
    version = f"v{datetime.now(UTC):%Y%m%dT%H%M%S%f}-{uuid.uuid4().hex[:6]}"
    tmp = base / f".{version}.tmp"
    tmp.mkdir()
    try:
        fill(tmp)
        for child in tmp.iterdir():
            if not child.is_file():
                raise ArtefactError(f"{child.name} in an artefact version must be a file, not a folder")
            with child.open("rb") as fh:
                os.fsync(fh.fileno())
        os.replace(tmp, base / version)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    pointer = base / f".{POINTER}.{uuid.uuid4().hex[:6]}"
    pointer.write_text(version, encoding="utf-8")
    os.replace(pointer, base / POINTER)
    previous = sorted(
        p.name for p in base.iterdir() if p.is_dir() and p.name.startswith("v") and p.name != version
    )
    for child in base.iterdir():
        if child.is_dir() and child.name not in {version, *previous[-1:]}:
            shutil.rmtree(child, ignore_errors=True)
    return base / version


def current_version(root: str | Path, hint: str) -> Path:
    """Folder of the live version, or :class:`ArtefactError` naming how to build it."""
    base = Path(root)
    pointer = base / POINTER
    if not pointer.exists():
        raise ArtefactError(f"nothing built at {base}", hint=hint)
    folder = base / pointer.read_text(encoding="utf-8").strip()
    if not folder.is_dir():
        raise ArtefactError(f"{pointer} names a missing version {folder.name}", hint=hint)
    return folder
