"""Export of any store table to Parquet or CSV, written atomically.

CSV cells that a spreadsheet would run as a formula (starting with = + - @, tab or CR) get a leading
apostrophe, the OWASP-recommended guard against CSV/formula injection.
"""

from __future__ import annotations

import os
from pathlib import Path

import polars as pl

from data.store import Store

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def guard_formulas(frame: pl.DataFrame) -> pl.DataFrame:
    """Neutralise spreadsheet formulas in every text cell; list cells are joined with '|' first."""
    exprs = []
    for name, dtype in frame.schema.items():
        if isinstance(dtype, pl.List):  # any list (VARCHAR[], FLOAT[]): CSV has no nested cells
            exprs.append(pl.col(name).cast(pl.List(pl.String)).list.join("|"))
        elif dtype == pl.String:
            exprs.append(pl.col(name))
        else:
            continue
    frame = frame.with_columns(exprs)
    pattern = "^[" + "".join("\\" + c if c in "-+" else c for c in FORMULA_START) + "]"
    return frame.with_columns(
        pl.when(pl.col(n).str.contains(pattern)).then(pl.lit("'") + pl.col(n)).otherwise(pl.col(n)).alias(n)
        for n, t in frame.schema.items()
        if t == pl.String
    )


def export_table(store: Store, table: str, path: str | Path) -> int:
    """Write ``table`` to ``path`` (.parquet or .csv) via a temporary file and rename; returns rows written."""
    target = Path(path)
    suffix = target.suffix.lower()
    if suffix not in (".parquet", ".csv"):
        raise ValueError(f"{target}: export writes .parquet or .csv, not {suffix or 'no extension'!r}")
    frame = store.table(table)
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = target.with_name(f".{target.name}.tmp")
    try:
        if suffix == ".parquet":
            frame.write_parquet(tmp)
        else:
            guard_formulas(frame).write_csv(tmp)
        os.replace(tmp, target)
    finally:
        tmp.unlink(missing_ok=True)
    return frame.height
