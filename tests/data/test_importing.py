"""Validated import: every rejection names file, row/line and column and writes nothing; valid files land."""

from __future__ import annotations

import csv
import io
import shutil
import tempfile
from datetime import date, datetime
from pathlib import Path
from typing import Any

import polars as pl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from core.errors import ImportValidationError
from data import columns as C
from data.importing import CPR_MASK, SPECS, import_file
from data.schema import IMPORTABLE
from data.store import Store

CAP = 50_000_000
KEY = {"vacancies": C.VACANCY_ID, "seekers": C.SEEKER_ID, "employers": C.EMPLOYER_ID}
PREFIX = {"vacancies": "VNEW", "seekers": "SNEW", "employers": "ENEW"}


# --- helpers ----------------------------------------------------------------------------------------


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list):
        return "|".join(value)
    if isinstance(value, date | datetime):
        return value.isoformat()
    if isinstance(value, float):
        return repr(value)
    return str(value)


def base_frame(store: Store, table: str, n: int = 3) -> pl.DataFrame:
    """``n`` real rows of ``table`` with fresh ids (interactions: new events on existing pairs)."""
    if table == "interactions":
        seekers = store.table("seekers")[C.SEEKER_ID].head(n)
        vacancies = store.table("vacancies")[C.VACANCY_ID].head(n)
        return pl.DataFrame(
            {
                C.SEEKER_ID: seekers,
                C.VACANCY_ID: vacancies,
                "event": ["viewed"] * n,
                "ts": [datetime(2024, 5, 1, 9, i, 30) for i in range(n)],
                "source": ["self", "consultant", "self"][:n] + ["self"] * max(0, n - 3),
            },
            schema_overrides={"ts": pl.Datetime("us")},
        )
    frame = store.table(table).sort(KEY[table]).head(n)
    return frame.with_columns(pl.Series(KEY[table], [f"{PREFIX[table]}{i:04d}" for i in range(n)]))


def text_rows(frame: pl.DataFrame) -> list[dict[str, str]]:
    return [{c: _cell(v) for c, v in row.items()} for row in frame.iter_rows(named=True)]


def write_csv(
    path: Path, rows: list[dict[str, str]], *, delimiter: str = ",", encoding: str = "utf-8"
) -> Path:
    buf = io.StringIO()
    writer = csv.DictWriter(buf, fieldnames=list(rows[0]), delimiter=delimiter, lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    path.write_bytes(buf.getvalue().encode(encoding))
    return path


def snapshot(store: Store) -> tuple[dict[str, int], str]:
    return {t: store.count(t) for t in IMPORTABLE}, store.data_version


def reject(store: Store, table: str, path: Path, *, replace: bool = False, max_bytes: int = CAP
           ) -> ImportValidationError:  # fmt: skip
    """Import must fail with ImportValidationError and leave the store exactly as it was."""
    before = snapshot(store)
    with pytest.raises(ImportValidationError) as info:
        import_file(store, table, path, max_bytes=max_bytes, replace=replace)
    assert snapshot(store) == before
    assert info.value.file == path
    return info.value


def check(err: ImportValidationError, *, row: int | None = None, line: int | None = None,
          column: str | None = None, problem: str) -> None:  # fmt: skip
    """The error's location is exactly this, its problem contains ``problem``, and ``str()`` says so."""
    assert (err.row, err.line, err.column) == (row, line, column), str(err)
    assert problem in err.problem, str(err)
    text = str(err)
    assert text.startswith(str(err.file))
    if row is not None:
        assert f"row {row}" + (f" (line {line})" if line is not None else "") in text
    if column is not None:
        assert f"column {column!r}" in text


def stored(store: Store, table: str, ids: list[str]) -> pl.DataFrame:
    key = KEY[table]
    return store.table(table).filter(pl.col(key).is_in(ids)).sort(key)


def unknown_postcode(store: Store) -> int:
    known = set(store.table("postcodes")["postcode"].to_list())
    return next(p for p in range(1000, 9990) if p not in known)


# --- valid files ------------------------------------------------------------------------------------


@pytest.mark.parametrize("table", ["vacancies", "seekers", "employers"])
def test_valid_csv_imports_rows_exactly(writable_world: Store, tmp_path: Path, table: str) -> None:
    store = writable_world
    base = base_frame(store, table)
    path = write_csv(tmp_path / f"{table}.csv", text_rows(base))
    counts, version = snapshot(store)
    report = import_file(store, table, path, max_bytes=CAP)
    assert (report.table, report.file, report.rows) == (table, path, 3)
    assert (report.encoding, report.delimiter, report.replaced, report.masked_cpr_rows) == (
        "utf-8",
        ",",
        0,
        [],
    )
    assert report.data_version == store.data_version != version
    assert store.count(table) == counts[table] + 3
    assert stored(store, table, base[KEY[table]].to_list()).equals(base.sort(KEY[table]))


def test_valid_parquet_seekers_import_exactly(writable_world: Store, tmp_path: Path) -> None:
    store = writable_world
    base = base_frame(store, "seekers")
    assert base["isced_level"].dtype != pl.Int64  # store types (TINYINT/INTEGER) are cast on import
    path = tmp_path / "seekers.parquet"
    base.write_parquet(path)
    counts, version = snapshot(store)
    report = import_file(store, "seekers", path, max_bytes=CAP)
    assert (report.rows, report.encoding, report.delimiter, report.replaced) == (3, "parquet", None, 0)
    assert store.count("seekers") == counts["seekers"] + 3
    assert store.data_version == report.data_version != version
    assert stored(store, "seekers", base[C.SEEKER_ID].to_list()).equals(base.sort(C.SEEKER_ID))


@pytest.mark.parametrize("fmt", ["csv", "parquet"])
def test_valid_interactions_import(writable_world: Store, tmp_path: Path, fmt: str) -> None:
    store = writable_world
    base = base_frame(store, "interactions")
    path = tmp_path / f"interactions.{fmt}"
    if fmt == "csv":
        write_csv(path, text_rows(base))
    else:
        base.write_parquet(path)
    counts, version = snapshot(store)
    report = import_file(store, "interactions", path, max_bytes=CAP)
    assert report.rows == 3 and report.table == "interactions"
    assert store.count("interactions") == counts["interactions"] + 3
    assert store.data_version != version
    got = store.query(
        "SELECT * FROM interactions WHERE ts = ANY(?) ORDER BY ts", [base["ts"].to_list()]
    ).filter(pl.col(C.SEEKER_ID).is_in(base[C.SEEKER_ID].to_list()))
    assert got.sort("ts").equals(base.sort("ts"))


def test_utf8_bom_keeps_first_column_name(writable_world: Store, tmp_path: Path) -> None:
    store = writable_world
    base = base_frame(store, "employers", 2)
    path = write_csv(tmp_path / "employers.csv", text_rows(base), encoding="utf-8-sig")
    assert path.read_bytes().startswith(b"\xef\xbb\xbfemployer_id,")
    report = import_file(store, "employers", path, max_bytes=CAP)
    assert (report.rows, report.encoding) == (2, "utf-8-sig")
    assert stored(store, "employers", ["ENEW0000", "ENEW0001"]).equals(base.sort(C.EMPLOYER_ID))


def test_semicolon_and_decimal_comma(writable_world: Store, tmp_path: Path) -> None:
    store = writable_world
    rows = text_rows(base_frame(store, "seekers"))
    rows[0]["experience_years"], rows[0]["max_commute_km"] = "12,5", "25"
    rows[1]["experience_years"], rows[1]["max_commute_km"] = "7.25", "1,5"
    rows[2]["experience_years"], rows[2]["max_commute_km"] = "0,0", "123,75"
    path = write_csv(tmp_path / "seekers.csv", rows, delimiter=";")
    report = import_file(store, "seekers", path, max_bytes=CAP)
    assert (report.delimiter, report.rows) == (";", 3)
    got = stored(store, "seekers", ["SNEW0000", "SNEW0001", "SNEW0002"])
    assert got["experience_years"].to_list() == [12.5, 7.25, 0.0]
    assert got["max_commute_km"].to_list() == [25.0, 1.5, 123.75]


def test_danish_thousands_separator_is_read_as_thousands(writable_world: Store, tmp_path: Path) -> None:
    # "1.234,5" is 1234.5, which is over the 500 km cap: the error shows the value was read right.
    rows = text_rows(base_frame(writable_world, "seekers"))
    rows[1]["max_commute_km"] = "1.234,5"
    path = write_csv(tmp_path / "seekers.csv", rows, delimiter=";")
    err = reject(writable_world, "seekers", path)
    check(err, row=2, line=3, column="max_commute_km", problem="1234.5")


def test_latin1_cp1252_free_text_round_trips(writable_world: Store, tmp_path: Path) -> None:
    store = writable_world
    texts = [
        "Erfaren gartner fra Ærø, søger job på æblegård – “helst i Odense”",
        "Blåbær og rødgrød",
        "øÆØÅå",
    ]
    base = base_frame(store, "seekers").with_columns(pl.Series("profile_text", texts))
    path = write_csv(tmp_path / "seekers.csv", text_rows(base), encoding="cp1252")
    with pytest.raises(UnicodeDecodeError):
        path.read_bytes().decode("utf-8")
    report = import_file(store, "seekers", path, max_bytes=CAP)
    assert report.encoding == "cp1252"
    assert stored(store, "seekers", base[C.SEEKER_ID].to_list())["profile_text"].to_list() == texts


def test_missing_lat_lon_filled_from_postcode_table(writable_world: Store, tmp_path: Path) -> None:
    store = writable_world
    postcodes = store.table("postcodes").sort("postcode")
    pc = postcodes.row(0, named=True)
    rows = text_rows(base_frame(store, "vacancies"))
    rows[0]["postcode"], rows[0]["lat"], rows[0]["lon"] = str(pc["postcode"]), "", ""
    rows[1]["lat"], rows[1]["lon"] = "55.5", "10.25"
    import_file(store, "vacancies", write_csv(tmp_path / "v.csv", rows), max_bytes=CAP)
    got = stored(store, "vacancies", ["VNEW0000", "VNEW0001"])
    assert got.row(0, named=True)["lat"] == pc["lat"] and got.row(0, named=True)["lon"] == pc["lon"]
    assert (got["lat"][1], got["lon"][1]) == (55.5, 10.25)


def test_optional_columns_may_be_left_out(writable_world: Store, tmp_path: Path) -> None:
    """Without lat/lon/optional_skills columns: coordinates from the postcode, no optional skills."""
    store = writable_world
    base = base_frame(store, "vacancies")
    rows = [
        {k: v for k, v in r.items() if k not in ("lat", "lon", "optional_skills")} for r in text_rows(base)
    ]
    import_file(store, "vacancies", write_csv(tmp_path / "v.csv", rows), max_bytes=CAP)
    got = stored(store, "vacancies", base[C.VACANCY_ID].to_list())
    centres = store.table("postcodes").select("postcode", "lat", "lon")
    expected = (
        base.select(C.VACANCY_ID, "postcode").join(centres, on="postcode", how="left").sort(C.VACANCY_ID)
    )
    assert got["lat"].to_list() == expected["lat"].to_list()
    assert got["lon"].to_list() == expected["lon"].to_list()
    assert got["optional_skills"].to_list() == [[], [], []]
    assert got["title"].to_list() == base.sort(C.VACANCY_ID)["title"].to_list()


def test_empty_optional_list_cell_is_an_empty_list(writable_world: Store, tmp_path: Path) -> None:
    """An exported empty list is an empty CSV cell; an optional list column reads it back as []."""
    store = writable_world
    rows = text_rows(base_frame(store, "vacancies"))
    rows[0]["optional_skills"] = ""
    import_file(store, "vacancies", write_csv(tmp_path / "v.csv", rows), max_bytes=CAP)
    assert stored(store, "vacancies", ["VNEW0000"])["optional_skills"].to_list() == [[]]


# --- CPR masking ------------------------------------------------------------------------------------


def test_cpr_numbers_are_masked_not_stored(writable_world: Store, tmp_path: Path) -> None:
    store = writable_world
    texts = [
        "Ring på 12345678 for info",  # a phone number: not a CPR number
        "Mit CPR er 010190-1234, tak",
        "cpr 0101901234",
        "Ingen personnumre her",
    ]
    base = base_frame(store, "seekers", 4).with_columns(pl.Series("profile_text", texts))
    path = write_csv(tmp_path / "seekers.csv", text_rows(base))
    report = import_file(store, "seekers", path, max_bytes=CAP)
    assert report.masked_cpr_rows == [2, 3]
    got = stored(store, "seekers", base[C.SEEKER_ID].to_list())["profile_text"].to_list()
    assert got == [
        "Ring på 12345678 for info",
        f"Mit CPR er {CPR_MASK}, tak",
        f"cpr {CPR_MASK}",
        "Ingen personnumre her",
    ]
    everything = " ".join(store.table("seekers")["profile_text"].to_list())
    assert "010190-1234" not in everything and "0101901234" not in everything


def test_cpr_in_vacancy_description_and_title_is_masked(writable_world: Store, tmp_path: Path) -> None:
    store = writable_world
    base = base_frame(store, "vacancies").with_columns(
        pl.Series("title", ["Pædagog", "Kontakt 311299-4321", "Smed"]),
        pl.Series("description", ["God arbejdsplads", "Tlf. 12345678", "Ansøger 2802885555 er fundet"]),
    )
    report = import_file(store, "vacancies", write_csv(tmp_path / "v.csv", text_rows(base)), max_bytes=CAP)
    assert report.masked_cpr_rows == [2, 3]
    got = stored(store, "vacancies", base[C.VACANCY_ID].to_list())
    assert got["title"].to_list() == ["Pædagog", f"Kontakt {CPR_MASK}", "Smed"]
    assert got["description"].to_list() == [
        "God arbejdsplads",
        "Tlf. 12345678",
        f"Ansøger {CPR_MASK} er fundet",
    ]


# --- file-level rejections --------------------------------------------------------------------------


@pytest.mark.parametrize("content", [b"", b"   \n\t\n  \n"], ids=["zero-bytes", "whitespace"])
def test_empty_file(writable_world: Store, tmp_path: Path, content: bytes) -> None:
    path = tmp_path / "vacancies.csv"
    path.write_bytes(content)
    check(reject(writable_world, "vacancies", path), problem="file is empty")


def test_header_only(writable_world: Store, tmp_path: Path) -> None:
    path = tmp_path / "vacancies.csv"
    path.write_text(",".join(SPECS["vacancies"]) + "\n")
    check(reject(writable_world, "vacancies", path), problem="header but no data rows")


def test_header_only_parquet(writable_world: Store, tmp_path: Path) -> None:
    path = tmp_path / "employers.parquet"
    base_frame(writable_world, "employers").head(0).write_parquet(path)
    check(reject(writable_world, "employers", path), problem="header but no data rows")


def test_file_over_size_cap_rejected_before_reading(writable_world: Store, tmp_path: Path,
                                                    monkeypatch: pytest.MonkeyPatch) -> None:  # fmt: skip
    path = write_csv(tmp_path / "v.csv", text_rows(base_frame(writable_world, "vacancies")))
    assert path.stat().st_size > 1_000

    def no_reading(*args: object, **kwargs: object) -> bytes:
        raise AssertionError("the file was read")

    monkeypatch.setattr(Path, "read_bytes", no_reading)
    err = reject(writable_world, "vacancies", path, max_bytes=1_000)
    check(err, problem="over the import cap")


def test_unsupported_extension(writable_world: Store, tmp_path: Path) -> None:
    path = tmp_path / "vacancies.xlsx"
    path.write_bytes(b"PK\x03\x04 not really a workbook")
    check(reject(writable_world, "vacancies", path), problem="unsupported file type '.xlsx'")


def test_unreadable_parquet(writable_world: Store, tmp_path: Path) -> None:
    path = tmp_path / "vacancies.parquet"
    path.write_bytes(b"vacancy_id,title\nV1,x\n")
    check(reject(writable_world, "vacancies", path), problem="not a readable Parquet file")


def test_missing_file(writable_world: Store, tmp_path: Path) -> None:
    check(reject(writable_world, "vacancies", tmp_path / "nope.csv"), problem="no such file")


def test_not_an_importable_table(writable_world: Store, tmp_path: Path) -> None:
    path = write_csv(tmp_path / "x.csv", [{"seeker_id": "S1", "gender": "k"}])
    with pytest.raises(ValueError, match="cannot import into 'seeker_protected'"):
        import_file(writable_world, "seeker_protected", path, max_bytes=CAP)


def test_ragged_line_too_many_fields(writable_world: Store, tmp_path: Path) -> None:
    path = write_csv(tmp_path / "e.csv", text_rows(base_frame(writable_world, "employers")))
    lines = path.read_text().splitlines()
    lines[2] += ",extra"
    path.write_text("\n".join(lines) + "\n")
    err = reject(writable_world, "employers", path)
    check(err, row=2, line=3, problem="has 6 fields, the header has 5")


# --- columns ----------------------------------------------------------------------------------------


def test_missing_required_column(writable_world: Store, tmp_path: Path) -> None:
    rows = [
        {k: v for k, v in r.items() if k != "title"}
        for r in text_rows(base_frame(writable_world, "vacancies"))
    ]
    err = reject(writable_world, "vacancies", write_csv(tmp_path / "v.csv", rows))
    check(err, column="title", problem="missing required column(s) ['title']")


def test_unknown_column(writable_world: Store, tmp_path: Path) -> None:
    rows = [r | {"salary": "42000"} for r in text_rows(base_frame(writable_world, "vacancies"))]
    err = reject(writable_world, "vacancies", write_csv(tmp_path / "v.csv", rows))
    check(err, column="salary", problem="unknown column(s) ['salary']")


@pytest.mark.parametrize("attribute", ["gender", "age", "origin_group", "disability"])
def test_protected_attribute_column_rejected(writable_world: Store, tmp_path: Path, attribute: str) -> None:
    rows = [r | {attribute: "x"} for r in text_rows(base_frame(writable_world, "seekers"))]
    err = reject(writable_world, "seekers", write_csv(tmp_path / "s.csv", rows))
    check(err, column=attribute, problem="protected attribute")


def test_duplicate_column(writable_world: Store, tmp_path: Path) -> None:
    path = tmp_path / "e.csv"
    path.write_text("employer_id,name,name,industry,municipality,size\nENEW1,A,B,Detail,Odense,1-9\n")
    check(reject(writable_world, "employers", path), problem="duplicate column(s) ['name']")


def test_ragged_line_after_blank_line(writable_world: Store, tmp_path: Path) -> None:
    path = tmp_path / "e.csv"
    path.write_text(
        "employer_id,name,industry,municipality,size\nENEW1,A,Detail,Odense,1-9\n\nENEW2,B,Detail,Odense,1-9,x\n"
    )
    check(reject(writable_world, "employers", path), row=3, line=4, problem="has 6 fields, the header has 5")


def test_short_line_is_a_missing_value(writable_world: Store, tmp_path: Path) -> None:
    path = tmp_path / "e.csv"
    path.write_text(
        "employer_id,name,industry,municipality,size\nENEW1,A,Detail,Odense,1-9\nENEW2,B,Detail\n"
    )
    check(
        reject(writable_world, "employers", path),
        row=2,
        line=3,
        column="municipality",
        problem="value is missing",
    )


# --- ids --------------------------------------------------------------------------------------------


def test_duplicate_id_within_file_names_second_occurrence(writable_world: Store, tmp_path: Path) -> None:
    rows = text_rows(base_frame(writable_world, "vacancies", 4))
    rows[2]["vacancy_id"] = rows[0]["vacancy_id"]
    err = reject(writable_world, "vacancies", write_csv(tmp_path / "v.csv", rows))
    check(err, row=3, line=4, column="vacancy_id", problem="duplicate id 'VNEW0000'")


def test_duplicate_interaction_within_file(writable_world: Store, tmp_path: Path) -> None:
    rows = text_rows(base_frame(writable_world, "interactions"))
    rows[2] = dict(rows[1])
    err = reject(writable_world, "interactions", write_csv(tmp_path / "i.csv", rows))
    check(err, row=3, line=4, problem="duplicate")


def test_existing_id_rejected_without_replace(writable_world: Store, tmp_path: Path) -> None:
    store = writable_world
    existing = store.table("vacancies").sort(C.VACANCY_ID).row(5, named=True)[C.VACANCY_ID]
    rows = text_rows(base_frame(store, "vacancies"))
    rows[1]["vacancy_id"] = existing
    err = reject(store, "vacancies", write_csv(tmp_path / "v.csv", rows))
    check(err, row=2, line=3, column="vacancy_id", problem=f"id {existing!r} already exists")


def test_replace_updates_existing_rows(writable_world: Store, tmp_path: Path) -> None:
    store = writable_world
    old = store.table("employers").sort(C.EMPLOYER_ID).head(2)
    new = old.with_columns(pl.Series("name", ["Nyt Navn ApS", "Andet Navn A/S"]))
    path = write_csv(tmp_path / "e.csv", text_rows(new))
    counts, version = snapshot(store)
    report = import_file(store, "employers", path, max_bytes=CAP, replace=True)
    assert (report.rows, report.replaced) == (2, 2)
    assert store.count("employers") == counts["employers"]
    assert store.data_version != version
    assert stored(store, "employers", old[C.EMPLOYER_ID].to_list()).equals(new)


def test_replace_mixes_updates_and_new_rows(writable_world: Store, tmp_path: Path) -> None:
    store = writable_world
    existing = store.table("vacancies").sort(C.VACANCY_ID).head(1)
    new = pl.concat(
        [existing.with_columns(pl.lit("Opdateret titel").alias("title")), base_frame(store, "vacancies", 2)]
    )
    counts, _ = snapshot(store)
    report = import_file(store, "vacancies", write_csv(tmp_path / "v.csv", text_rows(new)), max_bytes=CAP,
                         replace=True)  # fmt: skip
    assert (report.rows, report.replaced) == (3, 1)
    assert store.count("vacancies") == counts["vacancies"] + 2
    assert stored(store, "vacancies", new[C.VACANCY_ID].to_list()).equals(new.sort(C.VACANCY_ID))


def test_bad_id_characters(writable_world: Store, tmp_path: Path) -> None:
    rows = text_rows(base_frame(writable_world, "employers"))
    rows[1]["employer_id"] = "E 1; DROP TABLE"
    err = reject(writable_world, "employers", write_csv(tmp_path / "e.csv", rows))
    check(err, row=2, line=3, column="employer_id", problem="'E 1; DROP TABLE'")


# --- types ------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("table", "column", "value", "problem"),
    [
        ("vacancies", "hours", "ten", "'ten' is not a valid int"),
        ("vacancies", "positions", "2.5", "'2.5' is not a valid int"),
        ("vacancies", "posted", "2024-02-30", "'2024-02-30' is not a valid date"),
        ("vacancies", "lat", "north", "'north' is not a valid float"),
        ("seekers", "driving_licence", "maybe", "'maybe' is not a valid bool"),
        ("seekers", "registered_at", "yesterday", "'yesterday' is not a valid date"),
        ("interactions", "ts", "2024-05-01 25:00", "'2024-05-01 25:00' is not a valid datetime"),
    ],
)
def test_wrong_types_name_row_line_and_column(writable_world: Store, tmp_path: Path, table: str, column: str,
                                              value: str, problem: str) -> None:  # fmt: skip
    rows = text_rows(base_frame(writable_world, table))
    rows[1][column] = value
    err = reject(writable_world, table, write_csv(tmp_path / f"{table}.csv", rows))
    check(err, row=2, line=3, column=column, problem=problem)


def test_required_value_missing(writable_world: Store, tmp_path: Path) -> None:
    rows = text_rows(base_frame(writable_world, "vacancies"))
    rows[2]["title"] = ""
    err = reject(writable_world, "vacancies", write_csv(tmp_path / "v.csv", rows))
    check(err, row=3, line=4, column="title", problem="value is missing")


def test_danish_booleans_and_dates_accepted(writable_world: Store, tmp_path: Path) -> None:
    store = writable_world
    rows = text_rows(base_frame(store, "seekers"))
    rows[0]["driving_licence"], rows[0]["consent_employer_view"], rows[0]["registered_at"] = (
        "Ja",
        "nej",
        "03.02.2024",
    )
    rows[1]["driving_licence"], rows[1]["consent_employer_view"], rows[1]["registered_at"] = (
        "0",
        "1",
        "28-02-2023",
    )
    import_file(store, "seekers", write_csv(tmp_path / "s.csv", rows), max_bytes=CAP)
    got = stored(store, "seekers", ["SNEW0000", "SNEW0001"])
    assert got["driving_licence"].to_list() == [True, False]
    assert got["consent_employer_view"].to_list() == [False, True]
    assert got["registered_at"].to_list() == [date(2024, 2, 3), date(2023, 2, 28)]


@pytest.mark.parametrize("value", ["nan", "NaN", "inf", "-inf", "Infinity"])
def test_nan_and_inf_rejected(writable_world: Store, tmp_path: Path, value: str) -> None:
    rows = text_rows(base_frame(writable_world, "seekers"))
    rows[2]["experience_years"] = value
    err = reject(writable_world, "seekers", write_csv(tmp_path / "s.csv", rows))
    check(err, row=3, line=4, column="experience_years", problem="is not a finite number")


def test_nan_in_parquet_float_rejected(writable_world: Store, tmp_path: Path) -> None:
    base = base_frame(writable_world, "vacancies").with_columns(pl.Series("lat", [55.4, float("nan"), 55.6]))
    path = tmp_path / "v.parquet"
    base.write_parquet(path)
    err = reject(writable_world, "vacancies", path)
    check(err, row=2, line=None, column="lat", problem="not a finite number")


# --- ranges and enums -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("table", "column", "value", "problem"),
    [
        ("vacancies", "hours", "0", "value '0' fails check in_range(1, 60)"),
        ("vacancies", "hours", "61", "value '61' fails check in_range(1, 60)"),
        ("vacancies", "status", "maybe", f"value 'maybe' fails check isin({list(C.VACANCY_STATUSES)})"),
        ("vacancies", "min_isced", "9", "value '9' fails check in_range(0, 8)"),
        ("vacancies", "postcode", "999", "value '999' fails check in_range(1000, 9990)"),
        ("vacancies", "lat", "40.0", "value '40.0' fails check in_range(54.5, 57.8)"),
        (
            "seekers",
            "benefit_type",
            "folkepension",
            f"value 'folkepension' fails check isin({list(C.BENEFIT_TYPES)})",
        ),
        ("seekers", "target_group", "klar", f"value 'klar' fails check isin({list(C.TARGET_GROUPS)})"),
        ("seekers", "experience_years", "-1", "value '-1.0' fails check in_range(0, 60)"),
        ("seekers", "hours_wanted", "+0", "value '0' fails check in_range(1, 60)"),
        ("employers", "size", "huge", "value 'huge' fails check isin(['1-9', '10-49', '50-249', '250+'])"),
        ("interactions", "event", "clicked", f"value 'clicked' fails check isin({list(C.EVENTS)})"),
        ("interactions", "source", "robot", f"value 'robot' fails check isin({list(C.EVENT_SOURCES)})"),
    ],
)
def test_range_and_enum_checks_name_row_and_column(writable_world: Store, tmp_path: Path, table: str,
                                                   column: str, value: str, problem: str) -> None:  # fmt: skip
    rows = text_rows(base_frame(writable_world, table))
    rows[1][column] = value
    err = reject(writable_world, table, write_csv(tmp_path / f"{table}.csv", rows))
    check(err, row=2, line=3, column=column, problem=problem)
    assert err.problem == problem


# --- references -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("table", "column", "problem"),
    [
        ("vacancies", C.OCCUPATION_ID, "unknown builtin occupation id 'OCC-NOPE'"),
        ("vacancies", "essential_skills", "unknown builtin skill id 'SK-NOPE'"),
        ("vacancies", "optional_skills", "unknown builtin skill id 'SK-NOPE'"),
        ("vacancies", C.EMPLOYER_ID, "unknown employer 'E9999999'"),
        ("seekers", "desired_occupations", "unknown builtin occupation id 'OCC-NOPE'"),
        ("seekers", "skills", "unknown builtin skill id 'SK-NOPE'"),
        ("seekers", C.JOBCENTER_ID, "unknown job centre 'JC-NOPE'"),
        ("interactions", C.SEEKER_ID, "unknown seeker 'S-NOPE'"),
        ("interactions", C.VACANCY_ID, "unknown vacancy 'V9999999'"),
    ],
)
def test_unknown_references_named(writable_world: Store, tmp_path: Path, table: str, column: str,
                                  problem: str) -> None:  # fmt: skip
    rows = text_rows(base_frame(writable_world, table))
    bad = problem.rsplit(" ", 1)[1].strip("'")
    old = rows[2][column]
    # in list columns keep the valid entries and add the unknown one
    rows[2][column] = f"{old}|{bad}" if SPECS[table][column].kind == "list" and old else bad
    err = reject(writable_world, table, write_csv(tmp_path / f"{table}.csv", rows))
    check(err, row=3, line=4, column=column, problem=problem)


def test_unknown_postcode_without_coordinates(writable_world: Store, tmp_path: Path) -> None:
    store = writable_world
    pc = unknown_postcode(store)
    rows = text_rows(base_frame(store, "vacancies"))
    rows[1]["postcode"], rows[1]["lat"], rows[1]["lon"] = str(pc), "", ""
    err = reject(store, "vacancies", write_csv(tmp_path / "v.csv", rows))
    check(err, row=2, line=3, column="postcode", problem=f"postcode {pc} is unknown and no lat/lon is given")


def test_unknown_postcode_with_coordinates_imports(writable_world: Store, tmp_path: Path) -> None:
    store = writable_world
    pc = unknown_postcode(store)
    rows = text_rows(base_frame(store, "seekers"))
    rows[0]["postcode"], rows[0]["lat"], rows[0]["lon"] = str(pc), "56.1", "9.5"
    import_file(store, "seekers", write_csv(tmp_path / "s.csv", rows), max_bytes=CAP)
    got = stored(store, "seekers", ["SNEW0000"]).row(0, named=True)
    assert (got["postcode"], got["lat"], got["lon"]) == (pc, 56.1, 9.5)


# --- dates ------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("table", "column", "value"),
    [
        ("vacancies", "posted", "1850-01-01"),
        ("vacancies", "deadline", "2300-01-01"),
        ("seekers", "registered_at", "1850-01-01"),
        ("interactions", "ts", "1850-01-01T10:00:00"),
    ],
)
def test_dates_out_of_range(
    writable_world: Store, tmp_path: Path, table: str, column: str, value: str
) -> None:
    rows = text_rows(base_frame(writable_world, table))
    rows[1][column] = value
    err = reject(writable_world, table, write_csv(tmp_path / f"{table}.csv", rows))
    check(err, row=2, line=3, column=column, problem=f"date {value[:10]}")
    assert "outside 1990-01-01..2100-12-31" in err.problem


def test_deadline_before_posted(writable_world: Store, tmp_path: Path) -> None:
    rows = text_rows(base_frame(writable_world, "vacancies"))
    rows[2]["posted"], rows[2]["deadline"] = "2024-03-10", "2024-03-09"
    err = reject(writable_world, "vacancies", write_csv(tmp_path / "v.csv", rows))
    check(err, row=3, line=4, column="deadline", problem="deadline is before the posting date")


def test_interaction_in_the_future(writable_world: Store, tmp_path: Path) -> None:
    rows = text_rows(base_frame(writable_world, "interactions"))
    rows[0]["ts"] = "2099-01-01T00:00:00"
    err = reject(writable_world, "interactions", write_csv(tmp_path / "i.csv", rows))
    check(err, row=1, line=2, column="ts", problem="event time lies in the future")


# --- atomicity --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("column", "value", "problem"),
    [("hours", "0", "fails check"), (C.EMPLOYER_ID, "E9999999", "unknown employer")],
)
def test_bad_last_row_writes_nothing(writable_world: Store, tmp_path: Path, column: str, value: str,
                                     problem: str) -> None:  # fmt: skip
    rows = text_rows(base_frame(writable_world, "vacancies", 6))
    rows[-1][column] = value
    err = reject(writable_world, "vacancies", write_csv(tmp_path / "v.csv", rows))
    check(err, row=6, line=7, column=column, problem=problem)
    assert stored(writable_world, "vacancies", [r["vacancy_id"] for r in rows]).height == 0


def test_failure_inside_the_write_rolls_back(writable_world: Store, tmp_path: Path,
                                             monkeypatch: pytest.MonkeyPatch) -> None:  # fmt: skip
    store = writable_world
    old = store.table("employers").sort(C.EMPLOYER_ID).head(1).with_columns(pl.lit("Ændret").alias("name"))
    path = write_csv(tmp_path / "e.csv", text_rows(pl.concat([old, base_frame(store, "employers", 2)])))
    before = snapshot(store)
    names_before = store.table("employers").sort(C.EMPLOYER_ID)

    def boom(self: Store) -> str:
        raise RuntimeError("disk full")

    monkeypatch.setattr(Store, "bump_data_version", boom)
    with pytest.raises(RuntimeError, match="disk full"):
        import_file(store, "employers", path, max_bytes=CAP, replace=True)
    assert snapshot(store) == before
    assert store.table("employers").sort(C.EMPLOYER_ID).equals(names_before)


# --- property: garbage never half-writes ------------------------------------------------------------

VACANCY_COLUMNS = list(SPECS["vacancies"])
# characters that trouble CSV readers and number/date parsers, mixed with arbitrary text
TRICKY = ' ,;|"\r\n\t0123456789.-+eE:TNaInf\x00æ\ufeff'


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    edits=st.lists(
        st.tuples(
            st.integers(0, 2),
            st.sampled_from(VACANCY_COLUMNS),
            st.text(max_size=12) | st.text(TRICKY, max_size=10),
        ),
        min_size=1,
        max_size=3,
    )
)
def test_garbage_cells_import_or_fail_cleanly(world_path: Path, edits: list[tuple[int, str, str]]) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        shutil.copy(world_path, folder / "world.duckdb")
        with Store(folder / "world.duckdb", read_only=False) as store:
            rows = text_rows(base_frame(store, "vacancies"))
            for row, column, value in edits:
                rows[row][column] = value
            path = write_csv(folder / "v.csv", rows)
            before = snapshot(store)
            try:
                report = import_file(store, "vacancies", path, max_bytes=CAP)
            except ImportValidationError as err:
                assert snapshot(store) == before
                assert err.file == path
                assert err.row is None or 1 <= err.row <= 3
                assert err.column is None or err.column in VACANCY_COLUMNS
            else:
                assert report.rows == 3
                counts, version = snapshot(store)
                assert counts["vacancies"] == before[0]["vacancies"] + 3
                assert version == report.data_version != before[1]


# --- Danish values and labels ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("danish", "stored_as"), [("åben", "open"), ("Lukket", "closed"), (" BESAT ", "filled")]
)
def test_danish_vacancy_status_is_accepted(writable_world: Store, tmp_path: Path, danish: str,
                                           stored_as: str) -> None:  # fmt: skip
    rows = text_rows(base_frame(writable_world, "vacancies", 1))
    rows[0]["status"] = danish
    import_file(writable_world, "vacancies", write_csv(tmp_path / "v.csv", rows), max_bytes=CAP)
    assert stored(writable_world, "vacancies", ["VNEW0000"])["status"].to_list() == [stored_as]


def test_danish_events_sources_and_benefits_are_accepted(writable_world: Store, tmp_path: Path) -> None:
    rows = text_rows(base_frame(writable_world, "interactions", 3))
    for row, (event, source) in zip(rows, [("vist", "konsulent"), ("søgt", "selv"), ("Afvist", "Konsulent")],
                                    strict=True):  # fmt: skip
        row["event"], row["source"] = event, source
    import_file(writable_world, "interactions", write_csv(tmp_path / "i.csv", rows), max_bytes=CAP)
    got = writable_world.query("SELECT event, source FROM interactions WHERE ts >= '2024-05-01 09:00' "
                               "AND ts < '2024-05-01 09:03' ORDER BY ts").rows()  # fmt: skip
    assert got == [("shown", "consultant"), ("applied", "self"), ("rejected", "consultant")]
    seekers = text_rows(base_frame(writable_world, "seekers", 1))
    seekers[0]["benefit_type"] = "kontanthjælp"
    import_file(writable_world, "seekers", write_csv(tmp_path / "s.csv", seekers), max_bytes=CAP)
    assert stored(writable_world, "seekers", ["SNEW0000"])["benefit_type"].to_list() == ["kontanthjaelp"]


def test_a_danish_word_for_another_column_is_still_refused(writable_world: Store, tmp_path: Path) -> None:
    rows = text_rows(base_frame(writable_world, "vacancies", 1))
    rows[0]["status"] = "søgt"  # an event word, not a status
    err = reject(writable_world, "vacancies", write_csv(tmp_path / "v.csv", rows))
    check(err, row=1, line=2, column="status", problem="'søgt'")


def test_skill_and_occupation_labels_are_linked_to_ids(writable_world: Store, tmp_path: Path) -> None:
    rows = text_rows(base_frame(writable_world, "vacancies", 1))
    rows[0]["occupation_id"] = "kok"  # builtin label_da 'Kok', any letter case
    rows[0]["essential_skills"] = "Kundeservice|dk.s.haccp|Teamwork"  # Danish label, id, English label
    report = import_file(writable_world, "vacancies", write_csv(tmp_path / "v.csv", rows), max_bytes=CAP)
    row = stored(writable_world, "vacancies", ["VNEW0000"]).row(0, named=True)
    assert row["occupation_id"] == "dk.o.kok"
    assert row["essential_skills"] == ["dk.s.kundeservice", "dk.s.haccp", "dk.s.samarbejde"]
    assert report.linked_labels == {"kok": "dk.o.kok", "Kundeservice": "dk.s.kundeservice",
                                    "Teamwork": "dk.s.samarbejde"}  # fmt: skip


def test_an_unknown_label_is_named_as_unknown(writable_world: Store, tmp_path: Path) -> None:
    rows = text_rows(base_frame(writable_world, "vacancies", 1))
    rows[0]["essential_skills"] = "Kundeservice|Jonglering på line"
    err = reject(writable_world, "vacancies", write_csv(tmp_path / "v.csv", rows))
    check(
        err, row=1, line=2, column="essential_skills", problem="unknown builtin skill id 'Jonglering på line'"
    )
