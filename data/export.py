"""Export of any store table to Parquet or CSV, written atomically.

CSV cells that a spreadsheet would run as a formula (starting with = + - @, tab or CR) get a leading
apostrophe, the OWASP-recommended guard against CSV/formula injection.

Protected attributes (``seeker_protected``) and the synthetic world's ground truth (``gt_*``) leave the store
only with a stated reason: the front door asks for it and logs it with the export.
"""

from __future__ import annotations

import os
from pathlib import Path

import polars as pl

from core.errors import InputError
from data.protected import PROTECTED_TABLE
from data.store import Store

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
EXPORT_SUFFIXES = (".parquet", ".csv")
PROTECTED_TABLES = (PROTECTED_TABLE,)
GROUND_TRUTH_PREFIX = "gt_"


def sensitivity(table: str) -> str | None:
    """Why a table needs a reason to be exported (protected attributes, ground truth), or None."""
    if table in PROTECTED_TABLES:
        return "protected attributes (gender, age, origin, disability)"
    if table.startswith(GROUND_TRUTH_PREFIX):
        return "the synthetic world's ground truth"
    return None


def check_export_target(path: Path) -> str:
    """The suffix of a supported output file; anything else is refused before the store is read."""
    suffix = path.suffix.lower()
    if suffix not in EXPORT_SUFFIXES:
        raise InputError(f"{path}: export writes .parquet or .csv, not {suffix or 'no extension'!r}")
    return suffix


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


def export_table(store: Store, table: str, path: str | Path, *, reason: str | None = None) -> int:
    """Write ``table`` to ``path`` (.parquet or .csv) via a temporary file and rename; returns rows written.

    A protected or ground-truth table needs a non-blank ``reason`` (the caller logs it); without one it is
    refused and nothing is written."""
    target = Path(path)
    suffix = check_export_target(target)
    why = sensitivity(table)
    if why and not (reason or "").strip():
        raise InputError(
            f"{table} holds {why}: it is not exported without a reason",
            hint="pass --sensitive and --reason TEXT (the export and the reason are audited)",
        )
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
