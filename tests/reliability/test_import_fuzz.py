"""Fuzzing every import kind with structurally malformed CSV and Parquet files.

Each generated case starts from a valid file (real rows of the store under fresh ids, columns in a drawn
order) and breaks it in one way that must be refused: missing, extra or duplicated columns, wrong types,
nulls in required fields, duplicate keys, out-of-range values, broken encodings, truncation, huge fields,
CPR numbers as ids, spreadsheet formulas, BOMs, wrong delimiters, empty files. After every case: the
project's ImportValidationError, a message that starts with the file (and names row and column where the
break is in one cell), and a store identical to before (row count and hash of every table, the data
version included).
"""

from __future__ import annotations

import io
import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any

import polars as pl
import pytest
from hypothesis import HealthCheck, given, note, settings
from hypothesis import strategies as st

from core.errors import ImportValidationError
from data import columns as C
from data.importing import KEYS, SPECS, import_file
from data.schema import IMPORTABLE
from data.store import Store

CAP = 100_000_000
EXAMPLES_PER_KIND = 55  # 4 kinds: 220 generated cases in the default run
_ID_RE_CHECKED = {C.SEEKER_ID, C.VACANCY_ID, C.EMPLOYER_ID}  # ids with the letters/digits pattern


@pytest.fixture(scope="module")
def store(world_path: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Store]:
    """A private writable copy of the small world, shared by all cases (none may change it)."""
    path = tmp_path_factory.mktemp("fuzz") / "jobmatch.duckdb"
    shutil.copy(world_path, path)
    with Store(path, read_only=False) as s:
        yield s


@pytest.fixture(scope="module")
def bases(store: Store) -> dict[str, pl.DataFrame]:
    """Three valid rows per kind; each imports cleanly (checked on a throwaway copy below)."""
    out = {}
    for table, key, prefix in (("seekers", C.SEEKER_ID, "FZS"), ("vacancies", C.VACANCY_ID, "FZV"),
                               ("employers", C.EMPLOYER_ID, "FZE")):  # fmt: skip
        frame = store.table(table).sort(key).head(3)
        out[table] = frame.with_columns(pl.Series(key, [f"{prefix}{i:04d}" for i in range(3)]))
    seekers = store.table("seekers")[C.SEEKER_ID].sort().head(3)
    vacancies = store.table("vacancies")[C.VACANCY_ID].sort().head(3)
    out["interactions"] = pl.DataFrame(
        {C.SEEKER_ID: seekers, C.VACANCY_ID: vacancies, "event": ["viewed", "applied", "viewed"],
         "ts": [datetime(2024, 5, 1, 9, i) for i in range(3)], "source": ["self", "consultant", "self"]},
        schema_overrides={"ts": pl.Datetime("us")},
    )  # fmt: skip
    return {t: out[t].select(list(SPECS[t])) for t in IMPORTABLE}


def snapshot(store: Store) -> dict[str, tuple[int, int]]:
    """Row count and an order-independent hash of the rows of every table (meta holds the data version)."""
    out = {}
    for name in store.tables():
        n, digest = store.execute(f'SELECT count(*), coalesce(sum(hash(t)::HUGEINT), 0) FROM "{name}" t')[0]
        out[name] = (int(n), int(digest))
    return out


# --- files --------------------------------------------------------------------------------------------


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list):
        return "|".join(value)
    if isinstance(value, date | datetime):
        return value.isoformat()
    return str(value)


def _csv_line(cells: list[str], delimiter: str = ",") -> str:
    out = []
    for c in cells:
        if any(ch in c for ch in (delimiter, '"', "\n", "\r")):
            c = '"' + c.replace('"', '""') + '"'
        out.append(c)
    return delimiter.join(out)


@dataclass
class Case:
    """A malformed file and where the error must point (None: anywhere, but it must be refused)."""

    name: str
    data: bytes
    suffix: str
    row: int | None = None
    column: str | None = None


def _rows(frame: pl.DataFrame) -> list[list[str]]:
    return [[_cell(v) for v in row] for row in frame.iter_rows()]


def _csv(header: list[str], rows: list[list[str]], delimiter: str = ",") -> bytes:
    text = "\n".join([_csv_line(header, delimiter), *(_csv_line(r, delimiter) for r in rows)]) + "\n"
    return text.encode("utf-8")


def _parquet(frame: pl.DataFrame) -> bytes:
    buf = io.BytesIO()
    frame.write_parquet(buf)
    return buf.getvalue()


# --- what breaks a cell -------------------------------------------------------------------------------


def _required(table: str) -> list[str]:
    return [c for c, f in SPECS[table].items() if f.required and not f.nullable]


def _typed(table: str) -> list[str]:
    """Columns with a type to break: numbers, booleans, dates; the enums where a kind has none (employers)."""
    typed = [c for c, f in SPECS[table].items() if f.kind in ("int", "float", "bool", "date", "datetime")]
    return typed or sorted(_ENUMS & set(SPECS[table]))


def _checked_text(table: str) -> list[str]:
    """Text columns where a foreign value must fail: ids, enums, length-limited text, references."""
    return [c for c, f in SPECS[table].items() if f.kind == "str" and not f.nullable]


BAD_VALUES = {
    "str": ["12.5", "tolv", "?", "ja", "NULL"],
    "int": ["12.5", "1 000", "tolv", "0x10", "--3", "1e3", "١٢"],
    "float": ["tolv", "1,2,3", "nan", "inf", "-inf", "1..5", "0x1p3"],
    "bool": ["maybe", "2", "jaja", "tru", "-1"],
    "date": ["2024-13-01", "2024-02-30", "i går", "01/13/2024", "20240101", "2024/01/01"],
    "datetime": ["2024-05-01T25:00:00", "i går", "2024-02-30 10:00", "1714550400", "2024/05/01 10:00"],
}
FORMULAS = ['=HYPERLINK("http://x","klik")', "+cmd|' /C calc'!A0", "@SUM(1+1)", "-2+3+cmd|' /C calc'!A0"]
CPRS = ["010190-1234", "0101901234", "311299 4321", "150587-0001"]
ENCODINGS = [b"\xff\xfe\x81", b"\xc3\x28\xa0\xa1", b"\x8d\x8f\x90\x9d", b"\xe6\xf8\xe5\x00"]


_HIGHEST = {"min_isced": 8, "isced_level": 8, "hours": 60, "hours_wanted": 60, "positions": 1000,
            "experience_years": 60, "weeks_unemployed": 1560, "max_commute_km": 500}  # fmt: skip


def _out_of_range(table: str, column: str, draw: st.DrawFn) -> str:
    """A value of the right type outside the column's range or set of allowed values."""
    if column == "postcode":
        return str(draw(st.one_of(st.integers(-10_000, 999), st.integers(9_991, 10**9))))
    if column == "lat":
        return str(draw(st.sampled_from([54.0, 58.5, -55.4, 90.1])))
    if column == "lon":
        return str(draw(st.sampled_from([7.5, 15.9, -10.4, 180.5])))
    if column in _HIGHEST:
        return str(draw(st.one_of(st.integers(-(10**6), -1), st.integers(_HIGHEST[column] + 1, 10**9))))
    if column in _ENUMS:
        text = st.text(st.characters(codec="utf-8", exclude_categories=("Cs",)), min_size=1, max_size=12)
        return draw(
            text.filter(lambda v: v.strip() and "\x00" not in v and v.strip() not in _allowed(column))
        )
    return draw(st.sampled_from(["1989-12-31", "2101-01-01", "1900-01-01"]))  # dates


def _allowed(column: str) -> set[str]:
    return {
        "size": {"1-9", "10-49", "50-249", "250+"},
        "status": set(C.VACANCY_STATUSES),
        "benefit_type": set(C.BENEFIT_TYPES),
        "target_group": set(C.TARGET_GROUPS),
        "event": set(C.EVENTS),
        "source": set(C.EVENT_SOURCES),
    }[column]


# --- the generator ------------------------------------------------------------------------------------

CSV_BREAKS = ("drop_column", "extra_column", "protected_column", "duplicate_column", "wrong_type",
              "null_required", "duplicate_key", "out_of_range", "broken_encoding", "truncated", "huge_field",
              "cpr_number", "formula", "bom_utf16", "bom_inside_header", "wrong_delimiter",
              "mixed_delimiters", "empty", "header_only", "ragged_row")  # fmt: skip
PARQUET_BREAKS = ("drop_column", "extra_column", "null_required", "duplicate_key", "wrong_type",
                  "fractional_int", "number_as_date", "bool_as_number", "truncated", "no_rows",
                  "huge_field", "cpr_number")  # fmt: skip


@st.composite
def malformed(draw: st.DrawFn, table: str, base: pl.DataFrame) -> Case:
    fmt = draw(st.sampled_from(["csv", "csv", "parquet"]))
    order = draw(st.permutations(list(base.columns)))
    frame = base.select(order)
    row = draw(st.integers(0, frame.height - 1))
    if fmt == "parquet":
        return _break_parquet(draw, table, frame, row)
    return _break_csv(draw, table, frame, row)


def _break_csv(draw: st.DrawFn, table: str, frame: pl.DataFrame, row: int) -> Case:
    header, rows = list(frame.columns), _rows(frame)
    how = draw(st.sampled_from(CSV_BREAKS))
    r1 = row + 1  # 1-based data row as errors name it

    def with_cell(column: str, value: str) -> list[list[str]]:
        out = [list(r) for r in rows]
        out[row][header.index(column)] = value
        return out

    if how == "drop_column":
        col = draw(st.sampled_from([c for c in header if SPECS[table][c].required]))
        keep = [i for i, c in enumerate(header) if c != col]
        data = _csv([header[i] for i in keep], [[r[i] for i in keep] for r in rows])
        return Case(how, data, ".csv", column=col)
    if how in ("extra_column", "protected_column"):
        name = draw(st.sampled_from(["gender", "age", "origin_group", "disability"])) if how == "protected_column" \
            else draw(st.sampled_from(["notes", "cpr", " ekstra", "Seeker_ID", "lat2", "=1+1"]))  # fmt: skip
        pos = draw(st.integers(0, len(header)))
        data = _csv([*header[:pos], name, *header[pos:]], [[*r[:pos], "x", *r[pos:]] for r in rows])
        return Case(how, data, ".csv", column=name.strip())
    if how == "duplicate_column":
        col = draw(st.sampled_from(header))
        return Case(how, _csv([*header, col], [[*r, r[header.index(col)]] for r in rows]), ".csv")
    if how == "wrong_type":
        col = draw(st.sampled_from(_typed(table)))
        kind = SPECS[table][col].kind
        value = draw(st.one_of(st.sampled_from(BAD_VALUES[kind]),
                               st.text(st.sampled_from("bcxzæøå?!"), min_size=1, max_size=8)))  # fmt: skip
        return Case(how, _csv(header, with_cell(col, value)), ".csv", r1, col)
    if how == "null_required":
        col = draw(st.sampled_from(_required(table)))
        return Case(how, _csv(header, with_cell(col, "")), ".csv", r1, col)
    if how == "duplicate_key":
        dup = [*rows, list(rows[row])]
        key = KEYS[table]
        return Case(how, _csv(header, dup), ".csv", len(rows) + 1, key[0] if len(key) == 1 else None)
    if how == "out_of_range":
        col = draw(st.sampled_from(_RANGED[table]))
        value = _out_of_range(table, col, draw)
        return Case(how, _csv(header, with_cell(col, value)), ".csv", r1, col)
    if how == "broken_encoding":
        col = draw(st.sampled_from([c for c in header if c in _ID_RE_CHECKED or c in _ENUMS]))
        junk = draw(st.sampled_from(ENCODINGS))
        marker = "\x00MARK\x00"
        text = _csv(header, with_cell(col, "a" + marker)).decode("utf-8")
        before, after = text.split(marker)
        # the whole file is then read as Latin-1, so the refusal may come from any mangled cell
        return Case(how, before.encode("utf-8") + junk + after.encode("utf-8"), ".csv")
    if how == "truncated":
        return _truncated_csv(draw, table, header, rows)
    if how == "huge_field":
        col = draw(st.sampled_from([c for c in header if c in _LENGTH_LIMITED[table]]))
        size = draw(st.integers(_LENGTH_LIMITED[table][col] + 1, 60_000))
        return Case(how, _csv(header, with_cell(col, "å" * size)), ".csv", r1, col)
    if how == "cpr_number":
        col = C.SEEKER_ID if C.SEEKER_ID in header else draw(st.sampled_from(_typed(table)))
        value = draw(st.sampled_from(CPRS))
        return Case(how, _csv(header, with_cell(col, value)), ".csv", r1, col)
    if how == "formula":
        col = draw(
            st.sampled_from([c for c in header if c in _ID_RE_CHECKED or c in _ENUMS or c in _typed(table)])
        )
        return Case(how, _csv(header, with_cell(col, draw(st.sampled_from(FORMULAS)))), ".csv", r1, col)
    if how == "bom_utf16":
        text = _csv(header, rows).decode("utf-8")
        return Case(how, text.encode(draw(st.sampled_from(["utf-16", "utf-16-be", "utf-32"]))), ".csv")
    if how == "bom_inside_header":
        pos = draw(st.integers(1, len(header) - 1))
        bad = [*header]
        bad[pos] = "\ufeff" + bad[pos]
        return Case(how, _csv(bad, rows), ".csv", column="\ufeff" + header[pos])
    if how == "wrong_delimiter":
        delim = draw(st.sampled_from(["|", " ", ":", "\x1f"]))
        return Case(how, _csv(header, rows, delim), ".csv")
    if how == "mixed_delimiters":
        text = _csv(header, [], ",") + b"".join(_csv_line(r, ";").encode() + b"\n" for r in rows)
        return Case(how, text, ".csv")
    if how == "empty":
        return Case(
            how, draw(st.sampled_from([b"", b"\n", b"   \n\n", b"\xef\xbb\xbf", b"\r\n\r\n"])), ".csv"
        )
    if how == "header_only":
        return Case(how, _csv(header, []) + draw(st.sampled_from([b"", b"\n", b"\n\n"])), ".csv")
    # ragged_row: one more field than the header
    extra = [list(r) for r in rows]
    extra[row].append("x")
    return Case(how, _csv(header, extra), ".csv", r1)


def _truncated_csv(draw: st.DrawFn, table: str, header: list[str], rows: list[list[str]]) -> Case:
    """Cut the file inside the last row, before the last required field: that field is then missing."""
    required = set(_required(table))
    last_required = max(i for i, c in enumerate(header) if c in required)
    text = _csv(header, rows).decode("utf-8")
    line_start = text.rstrip("\n").rfind("\n") + 1
    last = _csv_line(rows[-1])
    # the offsets of the delimiters of the last row (no quoting in these rows' required fields before it)
    commas = [i for i, ch in enumerate(last) if ch == ","]
    if len(commas) != len(header) - 1:  # a quoted comma somewhere: cut at the start of the row's last field
        cut = line_start + max(1, len(last) // 3)
        return Case("truncated", text[:cut].encode("utf-8"), ".csv")
    cut_after = draw(st.integers(0, last_required - 1)) if last_required > 0 else 0
    cut = line_start + (commas[cut_after] if last_required > 0 else 0)
    return Case("truncated", text[: max(cut, line_start + 1)].encode("utf-8"), ".csv", len(rows))


_ENUMS = {"size", "status", "benefit_type", "target_group", "event", "source"}
_RANGED = {
    "employers": ["size"],
    "vacancies": ["min_isced", "postcode", "lat", "lon", "hours", "positions", "status", "posted", "deadline"],
    "seekers": ["postcode", "lat", "lon", "isced_level", "experience_years", "benefit_type", "target_group",
                "weeks_unemployed", "max_commute_km", "hours_wanted", "registered_at"],
    "interactions": ["event", "source", "ts"],
}  # fmt: skip
_LENGTH_LIMITED = {
    "employers": {"employer_id": 120, "name": 200, "industry": 120, "municipality": 80},
    "vacancies": {"vacancy_id": 120, "employer_id": 120, "title": 300, "description": 20_000},
    "seekers": {"seeker_id": 120, "profile_text": 20_000},
    "interactions": {"seeker_id": 120, "vacancy_id": 120},
}


def _break_parquet(draw: st.DrawFn, table: str, frame: pl.DataFrame, row: int) -> Case:
    how = draw(st.sampled_from(PARQUET_BREAKS))
    r1 = row + 1

    def set_cell(column: str, value: Any, dtype: pl.DataType | None = None) -> pl.DataFrame:
        values = frame[column].to_list()
        values[row] = value
        return frame.with_columns(pl.Series(column, values, dtype=dtype or frame[column].dtype))

    if how == "drop_column":
        col = draw(st.sampled_from([c for c in frame.columns if SPECS[table][c].required]))
        return Case(how, _parquet(frame.drop(col)), ".parquet", column=col)
    if how == "extra_column":
        name = draw(st.sampled_from(["notes", "gender", "score"]))
        return Case(how, _parquet(frame.with_columns(pl.lit(1).alias(name))), ".parquet", column=name)
    if how == "null_required":
        col = draw(st.sampled_from(_required(table)))
        return Case(how, _parquet(set_cell(col, None)), ".parquet", r1, col)
    if how == "duplicate_key":
        dup = pl.concat([frame, frame.slice(row, 1)])
        key = KEYS[table]
        return Case(how, _parquet(dup), ".parquet", frame.height + 1, key[0] if len(key) == 1 else None)
    if how == "wrong_type":
        col = draw(st.sampled_from(_typed(table)))
        values = [_cell(v) for v in frame[col].to_list()]
        values[row] = draw(st.sampled_from(BAD_VALUES[SPECS[table][col].kind]))
        return Case(how, _parquet(frame.with_columns(pl.Series(col, values))), ".parquet", r1, col)
    if how == "fractional_int":
        ints = [c for c in frame.columns if SPECS[table][c].kind == "int"]
        if not ints:  # employers and interactions have no int column: a list where a string belongs
            col = draw(st.sampled_from(_checked_text(table)))
            bad = frame.with_columns(pl.col(col).map_elements(lambda v: [v], return_dtype=pl.List(pl.String)))
            return Case(how, _parquet(bad), ".parquet", column=col)
        col = draw(st.sampled_from(ints))
        values = [float(v) for v in frame[col].to_list()]
        values[row] += draw(st.sampled_from([0.5, 0.25, 1e-3, float("nan")]))
        return Case(how, _parquet(frame.with_columns(pl.Series(col, values))), ".parquet", r1, col)
    if how == "number_as_date":
        dates = [c for c in frame.columns if SPECS[table][c].kind in ("date", "datetime")]
        col = draw(st.sampled_from(dates or sorted(_ENUMS & set(frame.columns))))
        number = pl.col(col).cast(pl.Date).cast(pl.Int64) if dates else pl.int_range(pl.len())
        as_number = frame.with_columns(number.alias(col))
        return Case(how, _parquet(as_number), ".parquet", column=col)
    if how == "bool_as_number":
        numbers = [c for c in frame.columns if SPECS[table][c].kind in ("int", "float")]
        if not numbers:
            col = draw(st.sampled_from([c for c in frame.columns if c in _ENUMS]))
        else:
            col = draw(st.sampled_from(numbers))
        bools = frame.with_columns(pl.Series(col, [True, False, True][: frame.height]))
        return Case(how, _parquet(bools), ".parquet", column=col)
    if how == "truncated":
        data = _parquet(frame)
        cut = draw(st.integers(1, len(data) - 1))
        return Case(how, data[:cut], ".parquet")
    if how == "no_rows":
        return Case(how, _parquet(frame.head(0)), ".parquet")
    if how == "huge_field":
        col = draw(st.sampled_from(list(_LENGTH_LIMITED[table])))
        size = draw(st.integers(_LENGTH_LIMITED[table][col] + 1, 60_000))
        return Case(how, _parquet(set_cell(col, "x" * size)), ".parquet", r1, col)
    # cpr_number
    col = (
        C.SEEKER_ID
        if C.SEEKER_ID in frame.columns
        else draw(st.sampled_from(sorted(_ENUMS & set(frame.columns))))
    )
    return Case(how, _parquet(set_cell(col, draw(st.sampled_from(CPRS)))), ".parquet", r1, col)


# --- the property -------------------------------------------------------------------------------------


def _check_case(store: Store, table: str, case: Case, folder: Path) -> None:
    path = folder / f"{table}-{case.name}{case.suffix}"
    path.write_bytes(case.data)
    note(f"{case.name}: {case.data[:300]!r}")
    before = snapshot(store)
    with pytest.raises(ImportValidationError) as info:
        import_file(store, table, path, max_bytes=CAP)
    err = info.value
    assert snapshot(store) == before, f"{case.name} changed the store"
    assert err.file == path and str(err).startswith(str(path)), str(err)
    assert err.problem.strip(), "an error without a problem"
    if case.row is not None:
        assert err.row == case.row, str(err)
        assert f"row {case.row}" in str(err)
    if case.column is not None:
        assert err.column == case.column, str(err)
        assert f"column {case.column!r}" in str(err)


@pytest.mark.parametrize("table", IMPORTABLE)
def test_malformed_files_are_refused_cleanly_and_write_nothing(
    table: str, store: Store, bases: dict[str, pl.DataFrame], tmp_path: Path
) -> None:
    @settings(max_examples=EXAMPLES_PER_KIND, deadline=None, derandomize=True,
              suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow,
                                     HealthCheck.data_too_large])  # fmt: skip
    @given(case=malformed(table, bases[table]))
    def run(case: Case) -> None:
        _check_case(store, table, case, tmp_path)

    run()


@pytest.mark.parametrize("table", IMPORTABLE)
def test_the_unbroken_base_files_import(table: str, world_path: Path, bases: dict[str, pl.DataFrame],
                                        tmp_path: Path) -> None:  # fmt: skip
    """The generator's starting point is valid, so every refusal above is caused by the break."""
    shutil.copy(world_path, tmp_path / "w.duckdb")
    with Store(tmp_path / "w.duckdb", read_only=False) as fresh:
        csv_path = tmp_path / f"{table}.csv"
        csv_path.write_bytes(_csv(list(bases[table].columns), _rows(bases[table])))
        assert import_file(fresh, table, csv_path, max_bytes=CAP).rows == 3
    shutil.copy(world_path, tmp_path / "w.duckdb")
    with Store(tmp_path / "w.duckdb", read_only=False) as fresh:
        pq_path = tmp_path / f"{table}.parquet"
        pq_path.write_bytes(_parquet(bases[table]))
        assert import_file(fresh, table, pq_path, max_bytes=CAP).rows == 3


# --- the bugs the fuzzing found, pinned ---------------------------------------------------------------


def _refusal(store: Store, table: str, path: Path) -> ImportValidationError:
    before = snapshot(store)
    with pytest.raises(ImportValidationError) as info:
        import_file(store, table, path, max_bytes=CAP)
    assert snapshot(store) == before
    return info.value


def test_fractional_number_for_a_whole_number_is_refused_not_truncated(
    store: Store, bases: dict[str, pl.DataFrame], tmp_path: Path
) -> None:
    """Was: a Parquet postcode 5000.5 was stored as 5000."""
    path = tmp_path / "seekers.parquet"
    path.write_bytes(_parquet(bases["seekers"].with_columns(pl.Series("postcode", [5000.0, 5000.5, 5000.0]))))
    err = _refusal(store, "seekers", path)
    assert (err.row, err.column) == (2, "postcode") and "5000.5 is not a whole number" in str(err)


@pytest.mark.parametrize(
    ("column", "values", "expected"),
    [("registered_at", [19000, 19001, 19002], "Int64, expected date"),
     ("hours_wanted", [True, False, True], "Boolean, expected int")],
)  # fmt: skip
def test_typed_columns_of_another_kind_are_refused_not_reinterpreted(
    store: Store,
    bases: dict[str, pl.DataFrame],
    tmp_path: Path,
    column: str,
    values: list[Any],
    expected: str,
) -> None:
    """Was: a number in a date column became days since 1970, True in an hours column became 1."""
    path = tmp_path / "seekers.parquet"
    path.write_bytes(_parquet(bases["seekers"].with_columns(pl.Series(column, values))))
    err = _refusal(store, "seekers", path)
    assert err.column == column and expected in str(err)


@pytest.mark.parametrize("table", ["seekers", "interactions"])
def test_cpr_number_as_seeker_id_is_refused_and_not_echoed(
    store: Store, bases: dict[str, pl.DataFrame], tmp_path: Path, table: str
) -> None:
    """Was: '010190-1234' passed the id pattern and was stored as a seeker's pseudonym."""
    frame = bases[table].with_columns(
        pl.Series(C.SEEKER_ID, [bases[table][C.SEEKER_ID][0], "010190-1234", "x"])
    )
    path = tmp_path / f"{table}.csv"
    path.write_bytes(_csv(list(frame.columns), _rows(frame)))
    err = _refusal(store, table, path)
    assert (err.row, err.line, err.column) == (2, 3, C.SEEKER_ID) and "CPR number" in str(err)
    assert "010190" not in str(err)
