"""Result files for people and machines: Markdown tables and the JSON + Markdown pair every report writes.

One writer, so every benchmark and report lands the same way: UTF-8 JSON (indented, a trailing newline)
and Markdown beside it, each written to a temporary file and renamed into place, so a crash or a reader
never sees half a file. Lives in ``core`` because ``data`` (the data report) uses it too.
"""

from __future__ import annotations

import json
import os
import uuid
from collections.abc import Callable, Collection, Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

__all__ = ["markdown_table", "write_results", "write_text_atomic"]


def _cell(value: Any) -> str:
    # a pipe would end the cell and a newline the row
    return "" if value is None else str(value).replace("|", "\\|").replace("\n", " ")


def markdown_table(
    rows: Iterable[Sequence[Any]], columns: Sequence[str], *, right: Collection[str] = ()
) -> str:
    """A Markdown table: a header of ``columns``, one line per row (``None`` shows as an empty cell).

    Cells are shown with ``str()``; format numbers before passing them. Columns named in ``right`` are
    right-aligned (counts and measurements), the others left-aligned.
    """
    unknown = set(right) - set(columns)
    if unknown:
        raise ValueError(f"right-aligned columns {sorted(unknown)} are not among {list(columns)}")
    lines = [
        "| " + " | ".join(_cell(c) for c in columns) + " |",
        "|" + "|".join(" ---: " if c in right else " --- " for c in columns) + "|",
    ]
    for row in rows:
        if len(row) != len(columns):
            raise ValueError(f"a row has {len(row)} cells for {len(columns)} columns: {list(row)}")
        lines.append("| " + " | ".join(_cell(v) for v in row) + " |")
    return "\n".join(lines)


def write_text_atomic(path: Path, text: str) -> Path:
    """Write ``text`` to ``path`` through a temporary file in the same folder and an atomic rename."""
    _replace_atomic(path, lambda tmp: tmp.write_text(text, encoding="utf-8"))
    return path


def _replace_atomic(path: Path, write: Callable[[Path], object]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.stem}.{uuid.uuid4().hex[:8]}.tmp{path.suffix}")
    try:
        write(tmp)
        with open(tmp, "rb") as handle:
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)


def write_results(
    result: Mapping[str, Any],
    folder: str | Path,
    stem: str,
    *,
    md: str,
    figures: Mapping[str, Callable[[Path], object]] | None = None,
) -> dict[str, Path]:
    """Write ``folder/stem.json`` (``result``), ``folder/stem.md`` (``md``) and each figure, atomically.

    ``figures`` maps a file suffix (``"png"``) to a function that draws into the path it is given
    (``folder/stem.png``, via a temporary name with the same suffix). Returns the paths by kind:
    ``json``, ``markdown`` and each figure's suffix.
    """
    out = Path(folder)
    paths = {"json": out / f"{stem}.json", "markdown": out / f"{stem}.md"}
    write_text_atomic(paths["json"], json.dumps(result, indent=2, ensure_ascii=False, default=str) + "\n")
    write_text_atomic(paths["markdown"], md)
    for suffix, draw in (figures or {}).items():
        paths[suffix] = out / f"{stem}.{suffix}"
        _replace_atomic(paths[suffix], draw)
    return paths
