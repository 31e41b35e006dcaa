"""Reading titles and writing link frames (CSV with a formula guard, or JSON lines)."""

from __future__ import annotations

import io
import sys
from pathlib import Path
from typing import Literal, TextIO

import polars as pl

LinkFormat = Literal["csv", "jsonl"]


def read_titles(path: str | Path | TextIO) -> list[str]:
    """Titles from a UTF-8 text file (or a text stream, or stdin for ``"-"``), one per line; blanks skipped."""
    if isinstance(path, str | Path):
        text = sys.stdin.read() if str(path) == "-" else Path(path).read_text(encoding="utf-8-sig")
    else:
        text = path.read()
    lines = text.removeprefix("\ufeff").splitlines()
    return [line.strip() for line in lines if line.strip()]


def write_links(
    frame: pl.DataFrame, path_or_stdout: str | Path | TextIO | None = None, fmt: LinkFormat = "csv"
) -> None:
    """Write a link frame as CSV (formula-guarded) or JSON lines to a path, a text stream, or stdout
    (``None`` or ``"-"``)."""
    if fmt not in ("csv", "jsonl"):
        raise ValueError(f"format must be 'csv' or 'jsonl', not {fmt!r}")
    if fmt == "csv":
        from data.export import guard_formulas

        payload = guard_formulas(frame).write_csv()
    else:
        buf = io.StringIO()
        frame.write_ndjson(buf)
        payload = buf.getvalue()
        if payload and not payload.endswith("\n"):
            payload += "\n"
    if path_or_stdout is None or (isinstance(path_or_stdout, str) and path_or_stdout == "-"):
        sys.stdout.write(payload)
    elif isinstance(path_or_stdout, str | Path):
        target = Path(path_or_stdout)
        target.parent.mkdir(parents=True, exist_ok=True)
        tmp = target.with_name(f".{target.name}.tmp")
        tmp.write_text(payload, encoding="utf-8")
        tmp.replace(target)
    else:
        path_or_stdout.write(payload)
