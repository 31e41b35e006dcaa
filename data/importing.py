"""Validated import of seekers, vacancies, employers and interactions from CSV or Parquet.

Everything is checked before anything is written, and the write is one transaction: a bad file changes
nothing. Errors name the file, the row (and the CSV line) and the column. Danish files are welcome: BOM,
``;`` delimiter, decimal comma and Latin-1/cp1252 encodings are recognised.

CPR numbers in free text are *masked* (replaced by ``[CPR fjernet]``) and counted in the report, never stored.
"""

from __future__ import annotations

import csv
import difflib
import io
import json
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Literal

import pandera.polars as pa
import polars as pl

from core.echo import clip, quoted
from core.errors import ImportValidationError, InputError
from data import columns as C
from data.import_labels import LabelResolver, LinkedLabel, link_labels
from data.schema import IMPORTABLE
from data.store import Store
from data.vocabulary_da import aliases

Kind = Literal["str", "int", "float", "bool", "date", "datetime", "list"]
LIST_SEPARATOR = "|"
CPR_PATTERN = re.compile(r"(?<!\d)(0[1-9]|[12]\d|3[01])(0[1-9]|1[0-2])\d{2}[-\s]?\d{4}(?!\d)")
CPR_MASK = "[CPR fjernet]"
MIN_DATE, MAX_DATE = date(1990, 1, 1), date(2100, 12, 31)


@dataclass(frozen=True)
class Field:
    kind: Kind
    required: bool = True  # the column must be present
    nullable: bool = False
    checks: tuple[pa.Check, ...] = ()
    free_text: bool = False  # scanned for CPR numbers


def _f(
    kind: Kind, *checks: pa.Check, required: bool = True, nullable: bool = False, free_text: bool = False
) -> Field:
    return Field(kind, required, nullable, tuple(checks), free_text)


_in = pa.Check.isin
_range = pa.Check.in_range
_id = pa.Check.str_matches(r"^[A-Za-z0-9][A-Za-z0-9._:/\-]{0,119}$", error="id: letters, digits, ._:/- only")

SPECS: dict[str, dict[str, Field]] = {
    "employers": {
        C.EMPLOYER_ID: _f("str", _id),
        "name": _f("str", pa.Check.str_length(1, 200), free_text=True),
        "industry": _f("str", pa.Check.str_length(1, 120)),
        "municipality": _f("str", pa.Check.str_length(1, 80)),
        "size": _f("str", _in(["1-9", "10-49", "50-249", "250+"])),
    },
    "vacancies": {
        C.VACANCY_ID: _f("str", _id),
        C.EMPLOYER_ID: _f("str", _id),
        "title": _f("str", pa.Check.str_length(1, 300), free_text=True),
        C.OCCUPATION_ID: _f("str"),
        "description": _f("str", pa.Check.str_length(1, 20_000), free_text=True),
        "essential_skills": _f("list"),
        "optional_skills": _f("list", required=False),
        "min_isced": _f("int", _range(0, 8)),
        "postcode": _f("int", _range(1000, 9990)),
        "lat": _f("float", _range(54.5, 57.8), required=False, nullable=True),
        "lon": _f("float", _range(8.0, 15.2), required=False, nullable=True),
        "hours": _f("int", _range(1, 60)),
        "posted": _f("date"),
        "deadline": _f("date"),
        "positions": _f("int", _range(1, 1000)),
        "status": _f("str", _in(list(C.VACANCY_STATUSES))),
    },
    "seekers": {
        C.SEEKER_ID: _f("str", _id),
        C.JOBCENTER_ID: _f("str"),
        "postcode": _f("int", _range(1000, 9990)),
        "lat": _f("float", _range(54.5, 57.8), required=False, nullable=True),
        "lon": _f("float", _range(8.0, 15.2), required=False, nullable=True),
        "isced_level": _f("int", _range(0, 8)),
        "experience_years": _f("float", _range(0, 60)),
        "benefit_type": _f("str", _in(list(C.BENEFIT_TYPES))),
        "target_group": _f("str", _in(list(C.TARGET_GROUPS))),
        "weeks_unemployed": _f("int", _range(0, 1560)),
        "desired_occupations": _f("list"),
        "skills": _f("list"),
        "languages": _f("list", required=False),
        "driving_licence": _f("bool"),
        "max_commute_km": _f("float", _range(0, 500)),
        "hours_wanted": _f("int", _range(1, 60)),
        "profile_text": _f("str", pa.Check.str_length(0, 20_000), nullable=True, free_text=True),
        "consent_employer_view": _f("bool"),
        "registered_at": _f("date"),
    },
    "interactions": {
        C.SEEKER_ID: _f("str", _id),
        C.VACANCY_ID: _f("str", _id),
        "event": _f("str", _in(list(C.EVENTS))),
        "ts": _f("datetime"),
        "source": _f("str", _in(list(C.EVENT_SOURCES))),
    },
}
KEYS = {
    "employers": (C.EMPLOYER_ID,),
    "vacancies": (C.VACANCY_ID,),
    "seekers": (C.SEEKER_ID,),
    "interactions": (C.SEEKER_ID, C.VACANCY_ID, "event", "ts"),
}
_DTYPES: dict[Kind, pl.DataType] = {
    "str": pl.String(),
    "int": pl.Int64(),
    "float": pl.Float64(),
    "bool": pl.Boolean(),
    "date": pl.Date(),
    "datetime": pl.Datetime("us"),
    "list": pl.List(pl.String()),
}
_TRUE = {"true", "1", "ja", "yes", "j", "y", "sand"}
_FALSE = {"false", "0", "nej", "no", "n", "falsk"}


@dataclass
class ImportReport:
    table: str
    file: Path
    rows: int
    encoding: str = "parquet"
    delimiter: str | None = None
    replaced: int = 0
    masked_cpr_rows: list[int] = field(default_factory=list)
    data_version: str = ""
    linked_labels: dict[str, str] = field(default_factory=dict)  # exact label as written -> taxonomy id
    linked_by_linker: dict[str, LinkedLabel] = field(default_factory=dict)  # other text -> linker's choice


@dataclass
class _Parsed:
    frame: pl.DataFrame
    encoding: str
    delimiter: str | None
    first_line: int | None  # CSV line of the first data row, None for Parquet


def import_file(
    store: Store,
    table: str,
    path: str | Path,
    *,
    max_bytes: int,
    replace: bool = False,
    resolve_labels: LabelResolver | None = None,
) -> ImportReport:
    """Validate ``path`` completely, then write it to ``table`` in one transaction (or raise, writing nothing).

    ``replace`` updates rows whose ids already exist; otherwise an existing id is an error.
    ``resolve_labels`` links occupation/skill text that is neither an id nor an exact label (see
    :mod:`data.import_labels`).
    """
    check_kind(table)
    file = Path(path)
    raw = _read(file, max_bytes)
    frame = _conform(file, table, raw)
    _refuse_cpr_ids(file, frame, raw.first_line)
    frame, masked = _mask_cpr(table, frame)
    _validate_values(file, table, frame, raw.first_line)
    frame = _fill_coordinates(store, file, table, frame, raw.first_line)
    frame, links, linked = link_labels(store, table, frame, resolve_labels)
    _check_references(store, file, table, frame, raw.first_line, replace)
    with store.transaction():
        replaced = 0
        if replace and table != "interactions":
            key = KEYS[table][0]
            ids = frame.select(key)
            store.con.register("_replace_ids", ids.to_arrow())
            try:
                rows = store.execute(
                    f"SELECT count(*) FROM {table} WHERE {key} IN (SELECT {key} FROM _replace_ids)"
                )
                replaced = int(rows[0][0])
                store.execute(f"DELETE FROM {table} WHERE {key} IN (SELECT {key} FROM _replace_ids)")
            finally:
                store.con.unregister("_replace_ids")
        store.insert(table, frame)
        version = store.bump_data_version()
        if table in ("seekers", "vacancies"):  # the analyst's drift view compares the latest batch
            batch = {"file": file.name, "rows": frame.height, "ts": version.split("-")[0],
                     "ids": frame[KEYS[table][0]].to_list()}  # fmt: skip
            store.set_meta(f"last_import:{table}", json.dumps(batch))
    return ImportReport(
        table, file, frame.height, raw.encoding, raw.delimiter, replaced, masked, version, links, linked
    )


def check_kind(table: str) -> None:
    """Refuse a table that cannot be imported into, suggesting the nearest importable one."""
    if table in IMPORTABLE:
        return
    near = difflib.get_close_matches(table.lower(), IMPORTABLE, n=1, cutoff=0.5)
    raise InputError(
        f"cannot import into {quoted(table)}; importable tables: {', '.join(IMPORTABLE)}",
        hint=f"did you mean {near[0]!r}?" if near else None,
    )


# --- reading ----------------------------------------------------------------------------------------


def _read(file: Path, max_bytes: int) -> _Parsed:
    if not file.is_file():
        raise ImportValidationError(file, "no such file")
    size = file.stat().st_size
    if size > max_bytes:
        raise ImportValidationError(
            file,
            f"file is {size / 1e6:.1f} MB, over the import cap of {max_bytes / 1e6:.1f} MB "
            "(raise JOBMATCH_IMPORT_MAX_BYTES or split the file)",
        )
    if size == 0:
        raise ImportValidationError(file, "file is empty")
    suffix = file.suffix.lower()
    if suffix == ".parquet":
        try:
            frame = pl.read_parquet(file)
        except Exception as exc:
            raise ImportValidationError(file, f"not a readable Parquet file ({clip(exc, 200)})") from exc
        if frame.height == 0:
            raise ImportValidationError(file, "file has a header but no data rows")
        return _Parsed(frame, "parquet", None, None)
    if suffix not in (".csv", ".tsv", ".txt"):
        raise ImportValidationError(file, f"unsupported file type {suffix!r}: use .csv or .parquet")
    text, encoding = read_text(file)
    if not text.strip():
        raise ImportValidationError(file, "file is empty")
    lines = text.splitlines()
    header = lines[0]
    delimiter = max(("\t", ";", ","), key=header.count) if any(d in header for d in "\t;,") else ","
    if len([ln for ln in lines[1:] if ln.strip()]) == 0:
        raise ImportValidationError(file, "file has a header but no data rows")
    names = [c.strip() for c in next(csv.reader([header], delimiter=delimiter))]
    dupes = sorted({c for c in names if names.count(c) > 1})
    if dupes:  # polars would rename them to NAME_duplicated_0
        raise ImportValidationError(file, f"duplicate column(s) {dupes}")
    try:
        frame = pl.read_csv(
            io.StringIO(text),
            separator=delimiter,
            infer_schema=False,
            null_values=[""],
            truncate_ragged_lines=False,
        )
    except pl.exceptions.PolarsError as exc:
        _raise_ragged(file, text, delimiter)
        raise ImportValidationError(
            file, f"cannot parse as CSV with delimiter {delimiter!r}: {clip(exc, 200)}"
        ) from exc
    frame = frame.rename({c: c.strip() for c in frame.columns})
    return _Parsed(frame, encoding, delimiter, 2)


def _raise_ragged(file: Path, text: str, delimiter: str) -> None:
    """Name the first record with more fields than the header, if there is one."""
    reader = csv.reader(io.StringIO(text), delimiter=delimiter)
    width = len(next(reader, []))
    for row, record in enumerate(reader, start=1):  # a blank line is a (null) row to polars too
        if len(record) > width:
            raise ImportValidationError(
                file, f"has {len(record)} fields, the header has {width}", row=row, line=reader.line_num
            )


PARQUET_MAGIC = b"PAR1"
TEXT_PROBE_BYTES = 8192


def read_text(file: Path, what: str = "CSV") -> tuple[str, str]:
    """A text file's content and encoding; a binary file (a spreadsheet, an image, Parquet renamed .csv)
    is refused in one line instead of being parsed into pages of escaped bytes."""
    data = file.read_bytes()
    head = data[:TEXT_PROBE_BYTES]
    if head.startswith(PARQUET_MAGIC):
        raise ImportValidationError(file, f"not a text {what} file: it is Parquet (name it .parquet)")
    controls = sum(b < 32 and b not in (9, 10, 13) for b in head)
    if b"\x00" in head or controls > len(head) // 100:
        raise ImportValidationError(
            file, f"not a text {what} file (it holds binary data): save it as {what} text, UTF-8 or Latin-1"
        )
    return _decode(data)


def _decode(data: bytes) -> tuple[str, str]:
    """UTF-8 (with or without BOM), else cp1252 / Latin-1, the usual encodings of Danish spreadsheets."""
    if data.startswith(b"\xef\xbb\xbf"):
        return data[3:].decode("utf-8"), "utf-8-sig"
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        try:
            return data.decode("cp1252"), "cp1252"
        except UnicodeDecodeError:
            return data.decode("latin-1"), "latin-1"


# --- columns and types ------------------------------------------------------------------------------


def _where(raw_first_line: int | None, index: int) -> dict[str, int | None]:
    return {"row": index + 1, "line": None if raw_first_line is None else raw_first_line + index}


def _conform(file: Path, table: str, raw: _Parsed) -> pl.DataFrame:
    spec = SPECS[table]
    cols = raw.frame.columns
    dupes = sorted({c for c in cols if cols.count(c) > 1})
    if dupes:
        raise ImportValidationError(file, f"duplicate column(s) {dupes}")
    protected = [c for c in cols if c in C.PROTECTED_ATTRIBUTES]
    if protected:
        raise ImportValidationError(
            file,
            f"column(s) {protected} are protected attributes: they are never stored with {table} "
            "(fairness audits keep them apart)",
            column=protected[0],
        )
    unknown = [c for c in cols if c not in spec]
    if unknown:
        raise ImportValidationError(
            file, f"unknown column(s) {clip(unknown)}; {table} takes {list(spec)}", column=unknown[0]
        )
    missing = [c for c, f in spec.items() if f.required and c not in cols]
    if missing:
        raise ImportValidationError(file, f"missing required column(s) {missing}", column=missing[0])
    out: list[pl.Series] = []
    for name, fld in spec.items():
        if name not in cols:
            empty: list[str] | None = [] if fld.kind == "list" else None
            out.append(pl.Series(name, [empty] * raw.frame.height, dtype=_DTYPES[fld.kind]))
            continue
        out.append(_cast(file, raw, name, fld))
    frame = pl.DataFrame(out).with_columns(
        pl.col(name).fill_null("") for name, fld in spec.items() if fld.kind == "str" and fld.nullable
    )
    for name, fld in spec.items():
        if fld.nullable:
            continue
        nulls = frame[name].is_null()
        if nulls.any():
            idx = int(nulls.arg_max() or 0)
            raise ImportValidationError(file, "value is missing", column=name, **_where(raw.first_line, idx))
    return frame


_DATE_FORMATS = ["%Y-%m-%d", "%d-%m-%Y", "%d.%m.%Y", "%d/%m/%Y"]
_DATETIME_FORMATS = ["%Y-%m-%dT%H:%M:%S%.f", "%Y-%m-%d %H:%M:%S%.f", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M:%S",
                     "%Y-%m-%d %H:%M", "%Y-%m-%d"]  # fmt: skip


def _parse_bool(s: pl.Series) -> pl.Series:
    low = s.str.to_lowercase()
    return pl.select(
        pl.when(low.is_in(list(_TRUE))).then(True).when(low.is_in(list(_FALSE))).then(False).otherwise(None)
    ).to_series()


def _parse_list(s: pl.Series, fld: Field) -> pl.Series:
    """``"a|b|c"``; an empty cell of an optional column is an empty list (how export writes ``[]``)."""
    out = (
        s.str.split(LIST_SEPARATOR)
        .list.eval(pl.element().str.strip_chars())
        .list.eval(pl.element().filter(pl.element() != ""))
    )
    return out if fld.required else out.fill_null(pl.lit([], dtype=_DTYPES[fld.kind]))


def _parse_text(s: pl.Series, fld: Field) -> pl.Series:
    """Text cells (stripped) to the field's type; a cell that does not parse becomes null."""
    parsers: dict[str, Callable[[pl.Series], pl.Series]] = {
        "str": lambda x: x,
        "int": lambda x: x.str.replace_all(r"^\+", "").cast(pl.Int64, strict=False),
        "float": _parse_decimal,
        "bool": _parse_bool,
        "date": lambda x: _parse_temporal(x, pl.Date(), _DATE_FORMATS),
        "datetime": lambda x: _parse_temporal(x, pl.Datetime("us"), _DATETIME_FORMATS),
    }
    parse = parsers.get(fld.kind)
    return parse(s) if parse is not None else _parse_list(s, fld)


def _cast(file: Path, raw: _Parsed, name: str, fld: Field) -> pl.Series:
    """Cast one column, reporting the first value that does not fit the type."""
    src = raw.frame[name]
    target = _DTYPES[fld.kind]
    if src.dtype == target:
        out = src
    elif src.dtype == pl.String:
        out = _parse_text(src.str.strip_chars(), fld).alias(name)
    else:
        _check_source_type(file, name, fld, src)
        try:
            out = src.cast(target, strict=False)
        except pl.exceptions.PolarsError as exc:
            raise ImportValidationError(
                file, f"has type {src.dtype}, expected {fld.kind} ({exc})", column=name
            ) from exc
    bad = out.is_null() & src.is_not_null()
    if bad.any():
        idx = int(bad.arg_max() or 0)
        value = src[idx]
        raise ImportValidationError(
            file, f"{quoted(value)} is not a valid {fld.kind}", column=name, **_where(raw.first_line, idx)
        )
    if fld.kind == "float":
        finite = out.is_finite() | out.is_null()
        if not finite.all():
            idx = int((~finite).arg_max() or 0)
            raise ImportValidationError(
                file,
                f"{quoted(src[idx])} is not a finite number (NaN/inf are rejected)",
                column=name,
                **_where(raw.first_line, idx),
            )
    return _danish_to_canonical(out.alias(name), fld)


def _danish_to_canonical(values: pl.Series, fld: Field) -> pl.Series:
    """Danish words for an enumeration (``åben``, ``søgt``, ``kontanthjælp``) become the stored value."""
    words = aliases(values.name)
    if fld.kind != "str" or not words:
        return values
    low = values.str.strip_chars().str.to_lowercase()
    known = low.is_in(list(words))
    return pl.select(pl.when(known).then(low.replace(words)).otherwise(values)).to_series().alias(values.name)


def _check_source_type(file: Path, name: str, fld: Field, src: pl.Series) -> None:
    """Refuse typed (Parquet) columns whose cast would change values silently: 5000.5 -> 5000 for an int,
    a number read as days since 1970 for a date, True -> 1 for a number."""
    dtype = src.dtype
    numeric = dtype.is_integer() or dtype.is_float()
    allowed = {
        "int": dtype.is_integer() or dtype.is_float(),
        "float": numeric,
        "bool": dtype == pl.Boolean,
        "date": dtype in (pl.Date, pl.Datetime),
        "datetime": dtype in (pl.Date, pl.Datetime),
        "str": not dtype.is_nested(),
        "list": isinstance(dtype, pl.List),
    }[fld.kind]
    if not allowed:
        raise ImportValidationError(file, f"has type {dtype}, expected {fld.kind}", column=name)
    if fld.kind == "int" and dtype.is_float():
        fractional = (~src.is_finite() | (src != src.round(0))).fill_null(False)
        if fractional.any():
            idx = int(fractional.arg_max() or 0)
            raise ImportValidationError(
                file, f"{quoted(src[idx])} is not a whole number", column=name, row=idx + 1
            )


def _parse_decimal(s: pl.Series) -> pl.Series:
    """Accept '1.5', '1,5' and '1.234,5' (Danish thousands and decimal separators)."""
    danish = s.str.contains(r"^[+-]?\d{1,3}(\.\d{3})+,\d+$") | s.str.contains(r"^[+-]?\d+,\d+$")
    normal = pl.select(
        pl.when(danish)
        .then(s.str.replace_all(".", "", literal=True).str.replace(",", ".", literal=True))
        .otherwise(s)
    ).to_series()
    return normal.cast(pl.Float64, strict=False)


def _parse_temporal(s: pl.Series, dtype: pl.DataType, formats: list[str]) -> pl.Series:
    out = pl.Series(s.name, [None] * len(s), dtype=dtype)
    for fmt in formats:
        parsed = s.str.strptime(dtype, fmt, strict=False)  # type: ignore[arg-type]
        out = out.fill_null(parsed)
    return out


# --- values -----------------------------------------------------------------------------------------


def _refuse_cpr_ids(file: Path, frame: pl.DataFrame, first_line: int | None) -> None:
    """Seeker ids are pseudonyms: an id that looks like a CPR number is refused, not stored."""
    if C.SEEKER_ID not in frame.columns:
        return
    for idx, value in enumerate(frame[C.SEEKER_ID].to_list()):
        if value is not None and CPR_PATTERN.search(value):
            raise ImportValidationError(
                file,
                "looks like a CPR number: seeker ids must be pseudonyms (the value is not repeated here)",
                column=C.SEEKER_ID,
                **_where(first_line, idx),
            )


def _mask_cpr(table: str, frame: pl.DataFrame) -> tuple[pl.DataFrame, list[int]]:
    """Replace CPR-number-like patterns in free text, returning the (1-based) rows that were masked."""
    masked: set[int] = set()
    for name, fld in SPECS[table].items():
        if not fld.free_text:
            continue
        values = frame[name].to_list()  # Python's re: polars' regex engine has no look-around
        hits = [i + 1 for i, v in enumerate(values) if v is not None and CPR_PATTERN.search(v)]
        if hits:
            masked.update(hits)
            clean = [None if v is None else CPR_PATTERN.sub(CPR_MASK, v) for v in values]
            frame = frame.with_columns(pl.Series(name, clean, dtype=pl.String))
    return frame, sorted(masked)


def _validate_values(file: Path, table: str, frame: pl.DataFrame, first_line: int | None) -> None:
    spec = SPECS[table]
    keys = KEYS[table]
    columns = {
        name: pa.Column(
            _DTYPES[fld.kind], checks=list(fld.checks), nullable=fld.nullable, unique=(keys == (name,))
        )
        for name, fld in spec.items()
    }
    schema = pa.DataFrameSchema(columns, strict=True, unique=list(keys) if len(keys) > 1 else None)
    try:
        schema.validate(frame, lazy=True)
    except pa.errors.SchemaErrors as exc:
        # polars pandera reports every copy of a duplicate: name the repeat, not the first occurrence
        originals = frame.select(pl.struct(list(keys)).is_first_distinct()).to_series().arg_true()
        is_original = pl.col("check").str.contains("uniqueness") & pl.col("index").is_in(originals.to_list())
        cases = exc.failure_cases.filter(~is_original.fill_null(False)).sort("index", nulls_last=True)
        first = cases.row(0, named=True)
        index = first.get("index")
        check = str(first.get("check"))
        value = first.get("failure_case")
        problem = (
            f"duplicate id {quoted(value)}"
            if "unique" in check
            else f"value {quoted(value)} fails check {check}"
        )
        column = first.get("column")
        where = _where(first_line, int(index)) if index is not None else {}
        raise ImportValidationError(
            file, problem, column=column if column in spec else None, **where
        ) from None
    for name, fld in spec.items():
        if fld.kind in ("date", "datetime"):
            col = frame[name].cast(pl.Date) if fld.kind == "datetime" else frame[name]
            bad = (col < MIN_DATE) | (col > MAX_DATE)
            if bad.any():
                idx = int(bad.arg_max() or 0)
                raise ImportValidationError(
                    file,
                    f"date {frame[name][idx]} outside {MIN_DATE}..{MAX_DATE}",
                    column=name,
                    **_where(first_line, idx),
                )
    if table == "vacancies":
        bad = frame["deadline"] < frame["posted"]
        if bad.any():
            idx = int(bad.arg_max() or 0)
            raise ImportValidationError(
                file, "deadline is before the posting date", column="deadline", **_where(first_line, idx)
            )
    if table == "interactions":
        now = datetime.now()
        bad = frame["ts"] > now
        if bad.any():
            idx = int(bad.arg_max() or 0)
            raise ImportValidationError(
                file, "event time lies in the future", column="ts", **_where(first_line, idx)
            )


def _fill_coordinates(
    store: Store, file: Path, table: str, frame: pl.DataFrame, first_line: int | None
) -> pl.DataFrame:
    """Missing lat/lon come from the postcode table; an unknown postcode then is an error."""
    if "lat" not in frame.columns:
        return frame
    postcodes = store.query("SELECT postcode, lat AS _lat, lon AS _lon FROM postcodes")
    joined = (
        frame.with_row_index("_row")
        .join(postcodes.with_columns(pl.col("postcode").cast(pl.Int64)), on="postcode", how="left")
        .sort("_row")
    )
    need = joined["lat"].is_null() | joined["lon"].is_null()
    unknown = need & joined["_lat"].is_null()
    if unknown.any():
        idx = int(unknown.arg_max() or 0)
        raise ImportValidationError(
            file,
            f"postcode {joined['postcode'][idx]} is unknown and no lat/lon is given",
            column="postcode",
            **_where(first_line, idx),
        )
    return joined.with_columns(
        pl.col("lat").fill_null(pl.col("_lat")), pl.col("lon").fill_null(pl.col("_lon"))
    ).drop("_row", "_lat", "_lon")


def _check_references(
    store: Store, file: Path, table: str, frame: pl.DataFrame, first_line: int | None, replace: bool
) -> None:
    """Ids must not collide with the store (unless replacing) and must name things that exist."""

    def first_missing(values: pl.Series, known: set[str], column: str, what: str) -> None:
        for idx, value in enumerate(values.to_list()):
            items = value if isinstance(value, list) else [value]
            for item in items:
                if item not in known:
                    raise ImportValidationError(
                        file, f"unknown {what} {quoted(item)}", column=column, **_where(first_line, idx)
                    )

    def existing(sql: str) -> set[str]:
        return {r[0] for r in store.con.execute(sql).fetchall()}

    key = KEYS[table][0]
    if table != "interactions" and not replace:
        present = existing(f"SELECT {key} FROM {table}")
        clash = frame[key].is_in(list(present))
        if clash.any():
            idx = int(clash.arg_max() or 0)
            raise ImportValidationError(
                file,
                f"id {quoted(frame[key][idx])} already exists (use --replace to update existing rows)",
                column=key,
                **_where(first_line, idx),
            )
    taxonomy = store.meta("taxonomy") or "builtin"
    if table == "vacancies":
        occupations = existing(
            f"SELECT occupation_id FROM taxonomy_occupations WHERE taxonomy = '{taxonomy}'"
        )
        skills = existing(f"SELECT skill_id FROM taxonomy_skills WHERE taxonomy = '{taxonomy}'")
        first_missing(frame[C.OCCUPATION_ID], occupations, C.OCCUPATION_ID, f"{taxonomy} occupation id")
        first_missing(frame["essential_skills"], skills, "essential_skills", f"{taxonomy} skill id")
        first_missing(frame["optional_skills"], skills, "optional_skills", f"{taxonomy} skill id")
        first_missing(
            frame[C.EMPLOYER_ID], existing("SELECT employer_id FROM employers"), C.EMPLOYER_ID, "employer"
        )
    elif table == "seekers":
        occupations = existing(
            f"SELECT occupation_id FROM taxonomy_occupations WHERE taxonomy = '{taxonomy}'"
        )
        skills = existing(f"SELECT skill_id FROM taxonomy_skills WHERE taxonomy = '{taxonomy}'")
        first_missing(
            frame["desired_occupations"], occupations, "desired_occupations", f"{taxonomy} occupation id"
        )
        first_missing(frame["skills"], skills, "skills", f"{taxonomy} skill id")
        first_missing(
            frame[C.JOBCENTER_ID],
            existing("SELECT jobcenter_id FROM jobcenters"),
            C.JOBCENTER_ID,
            "job centre",
        )
    elif table == "interactions":
        first_missing(frame[C.SEEKER_ID], existing("SELECT seeker_id FROM seekers"), C.SEEKER_ID, "seeker")
        first_missing(
            frame[C.VACANCY_ID], existing("SELECT vacancy_id FROM vacancies"), C.VACANCY_ID, "vacancy"
        )
