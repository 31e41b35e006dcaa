"""The one place that turns rows, frames and payloads into terminal output (rich tables, JSON, CSV, text).

Commands format their cells (they know what a column means) and hand them here; nothing else builds a
``Table`` or picks console options. Tables are made to fit the terminal (80 columns when it cannot be
asked): ids and numbers are never cut, only the columns a command names as ``flexible`` (titles, labels)
are shortened, and long reasons go on their own line under the table.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Collection, Iterable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from rich.console import Console
from rich.table import Table

if TYPE_CHECKING:
    import polars as pl

console = Console()
err = Console(stderr=True, soft_wrap=True)


def show_table(
    columns: Sequence[str],
    rows: Iterable[Sequence[str]],
    *,
    title: str | None = None,
    flexible: Collection[str] = (),
    **options: Any,
) -> None:
    """A table with these headers and already formatted cells; ``options`` go to rich's ``Table``.

    With ``flexible`` columns named (titles, labels), every other column keeps its widest cell and header
    whole and the flexible ones share what is left of the terminal, cut with "…"; without, rich wraps, and a
    word too long for its column is folded onto the next line, never cut (``incremental`` on 80 columns)."""
    rows = [tuple(row) for row in rows]
    if not rows:
        say(f"{title}: ingen resultater" if title else "ingen resultater")
        return
    table = Table(title=title, **options)
    if not flexible:
        for name in columns:
            table.add_column(name, overflow="fold")
    else:
        widths = [max([len(name), *(len(row[i]) for row in rows)]) for i, name in enumerate(columns)]
        limits = _flexible_limits(dict(zip(columns, widths, strict=True)), flexible)
        for name, width in zip(columns, widths, strict=True):
            if name in limits:
                table.add_column(name, no_wrap=True, overflow="ellipsis", max_width=limits[name])
            else:
                table.add_column(name, no_wrap=True, min_width=width)
    for row in rows:
        table.add_row(*row)
    console.print(table)


def _flexible_limits(widths: dict[str, int], flexible: Collection[str]) -> dict[str, int]:
    """Widths for the flexible columns: what the fixed ones leave, narrowest first so slack passes on."""
    overhead = 3 * len(widths) + 1  # a border and one space either side of every cell
    left = console.width - overhead - sum(w for name, w in widths.items() if name not in flexible)
    names = sorted((n for n in widths if n in flexible), key=widths.__getitem__)
    limits = {}
    for i, name in enumerate(names):
        limits[name] = max(6, min(widths[name], left // (len(names) - i)))
        left -= limits[name]
    return limits


def show_definitions(items: Iterable[tuple[str, str]]) -> None:
    """Terms and their (multi-line) explanations side by side; explanations wrap under themselves."""
    grid = Table.grid(padding=(0, 2))
    grid.add_column(no_wrap=True)
    grid.add_column(overflow="fold")
    for term, text in items:
        grid.add_row(term, text)
    console.print(grid, highlight=False, markup=False)


def show_notes(heading: str, notes: Iterable[tuple[str, str]]) -> None:
    """Long texts (reasons) one per line under a table, each led by the key of its row."""
    notes = list(notes)
    if not notes:
        return
    console.print(heading, style="bold", highlight=False, markup=False)
    for key, text in notes:
        console.print(f"{key}  {text}", highlight=False, markup=False)


def show_frame(frame: pl.DataFrame, title: str) -> None:
    """Every column of a frame as text, missing values blank, title on the left (report sections).

    A one-row summary with many columns is shown standing up (one line per figure), so no header is cut."""
    cells = [["" if v is None else str(v) for v in row] for row in frame.iter_rows()]
    if len(cells) == 1 and frame.width > 3:
        show_table(("", ""), zip(frame.columns, cells[0], strict=True), title=title, title_justify="left",
                   show_header=False)  # fmt: skip
        return
    show_table(frame.columns, cells, title=title, title_justify="left")


def show_machine(frame: pl.DataFrame, fmt: str) -> None:
    """``json``: one JSON object per row; ``csv``: a header and one line per row, lists joined with '|'
    and cells that a spreadsheet would run as formulas guarded (as ``jobmatch export`` writes them)."""
    if fmt == "json":
        show_json_lines(frame)
        return
    from data.export import guard_formulas

    sys.stdout.write(guard_formulas(frame).write_csv())
    sys.stdout.flush()


def show_json_lines(frame: pl.DataFrame) -> None:
    """One JSON object per row, for scripts (``--format json``); Danish letters kept, no rich markup."""
    for row in frame.to_dicts():
        show_json(row, markup=False)


def show_json(payload: Any, *, markup: bool | None = None) -> None:
    """One JSON document on one line; values JSON has no type for (dates) as text."""
    console.print(
        json.dumps(payload, ensure_ascii=False, default=str), soft_wrap=True, highlight=False, markup=markup
    )


def say(text: str) -> None:
    """One message line, never broken inside a path or an id (the terminal wraps it, not rich)."""
    console.print(text, soft_wrap=True, highlight=False, markup=False)


def show_text(text: str) -> None:
    """Prepared text (a Markdown report) printed as it is: no markup, no highlighting."""
    console.print(text, markup=False, highlight=False)


def show_written(paths: Iterable[Path]) -> None:
    """The files a command wrote, on one line."""
    console.print("wrote " + ", ".join(str(p) for p in paths))


def ci(interval: Sequence[float]) -> str:
    """A confidence interval as ``[low, high]`` with four decimals."""
    return f"[{interval[0]:.4f}, {interval[1]:.4f}]"
