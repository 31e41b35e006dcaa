"""The one place that turns rows, frames and payloads into terminal output (rich tables, JSON lines, text).

Commands format their cells (they know what a column means) and hand them here; nothing else builds a
``Table`` or picks console options.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from rich.console import Console
from rich.table import Table

if TYPE_CHECKING:
    import polars as pl

console = Console()
err = Console(stderr=True, soft_wrap=True)


def show_table(
    columns: Sequence[str], rows: Iterable[Sequence[str]], *, title: str | None = None, **options: Any
) -> None:
    """A table with these column headers and already formatted cells; ``options`` go to rich's ``Table``."""
    table = Table(*columns, title=title, **options)
    for row in rows:
        table.add_row(*row)
    console.print(table)


def show_frame(frame: pl.DataFrame, title: str) -> None:
    """Every column of a frame as text, missing values blank, title on the left (report sections)."""
    rows = (["" if v is None else str(v) for v in row] for row in frame.iter_rows())
    show_table(frame.columns, rows, title=title, title_justify="left")


def show_json_lines(frame: pl.DataFrame) -> None:
    """One JSON object per row, for scripts (``--json``); Danish letters kept, no rich markup."""
    for row in frame.to_dicts():
        show_json(row, markup=False)


def show_json(payload: Any, *, markup: bool | None = None) -> None:
    """One JSON document on one line; values JSON has no type for (dates) as text."""
    console.print(
        json.dumps(payload, ensure_ascii=False, default=str), soft_wrap=True, highlight=False, markup=markup
    )


def show_text(text: str) -> None:
    """Prepared text (a Markdown report) printed as it is: no markup, no highlighting."""
    console.print(text, markup=False, highlight=False)


def show_written(paths: Iterable[Path]) -> None:
    """The files a command wrote, on one line."""
    console.print("wrote " + ", ".join(str(p) for p in paths))


def ci(interval: Sequence[float]) -> str:
    """A confidence interval as ``[low, high]`` with four decimals."""
    return f"[{interval[0]:.4f}, {interval[1]:.4f}]"
