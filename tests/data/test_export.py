"""Export: Parquet round-trips exactly, CSV joins lists and guards formulas, writes are atomic."""

from __future__ import annotations

import csv
from pathlib import Path

import polars as pl
import pytest

from core.errors import InputError, StoreError
from data import columns as C
from data.export import FORMULA_START, export_table, guard_formulas, sensitivity
from data.importing import import_file
from data.store import Store


def read_csv_rows(path: Path) -> list[dict[str, str]]:
    with path.open(newline="", encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


def employer(employer_id: str, name: str) -> dict[str, str]:
    return {
        C.EMPLOYER_ID: employer_id,
        "name": name,
        "industry": "Detail",
        "municipality": "Odense",
        "size": "1-9",
    }


# --- Parquet ----------------------------------------------------------------------------------------


@pytest.mark.parametrize("table", ["vacancies", "seekers", "employers", "interactions"])
def test_parquet_round_trips_exactly(world: Store, tmp_path: Path, table: str) -> None:
    path = tmp_path / f"{table}.parquet"
    n = export_table(world, table, path)
    assert n == world.count(table) > 0
    assert pl.read_parquet(path).equals(world.table(table))


# --- CSV --------------------------------------------------------------------------------------------


def test_csv_vacancies_values_and_lists(world: Store, tmp_path: Path) -> None:
    path = tmp_path / "out" / "vacancies.csv"  # the folder is created
    n = export_table(world, "vacancies", path)
    expected = world.table("vacancies")
    assert n == expected.height == 400
    rows = read_csv_rows(path)
    assert len(rows) == n
    assert list(rows[0]) == expected.columns
    # no generated text starts like a formula, so every cell is written as is
    for row, want in zip(rows, expected.iter_rows(named=True), strict=True):
        assert row[C.VACANCY_ID] == want[C.VACANCY_ID]
        assert row["essential_skills"] == "|".join(want["essential_skills"])
        assert row["optional_skills"] == "|".join(want["optional_skills"])
        assert row["posted"] == want["posted"].isoformat()
        assert row["hours"] == str(want["hours"])
        assert float(row["lat"]) == want["lat"]
        assert row["description"] == want["description"]
    assert any("|" in r["essential_skills"] for r in rows)


def test_every_table_exports_to_both_formats(world: Store, tmp_path: Path) -> None:
    """Including tables with non-text lists (gt_*_latent.taste is FLOAT[]): CSV cannot nest them."""
    for table in world.tables():
        count = world.count(table)
        reason = "test of every table" if sensitivity(table) else None  # protected and gt_* need one
        assert export_table(world, table, tmp_path / f"{table}.csv", reason=reason) == count
        assert len(read_csv_rows(tmp_path / f"{table}.csv")) == count
        assert export_table(world, table, tmp_path / f"{table}.parquet", reason=reason) == count
        assert pl.read_parquet(tmp_path / f"{table}.parquet").equals(world.table(table))
    taste = world.table("gt_seeker_latent")["taste"][0].to_list()
    first = read_csv_rows(tmp_path / "gt_seeker_latent.csv")[0]["taste"].lstrip("'")
    assert [float(x) for x in first.split("|")] == pytest.approx(taste)


def test_csv_reimports_unchanged(writable_world: Store, tmp_path: Path) -> None:
    """An exported CSV is a valid import file: replacing every vacancy with it changes nothing."""
    store = writable_world
    before = store.table("vacancies").sort(C.VACANCY_ID)
    path = tmp_path / "vacancies.csv"
    export_table(store, "vacancies", path)
    report = import_file(store, "vacancies", path, max_bytes=50_000_000, replace=True)
    assert (report.rows, report.replaced) == (400, 400)
    assert store.table("vacancies").sort(C.VACANCY_ID).equals(before)


# --- formula injection ------------------------------------------------------------------------------

DANGEROUS = ["=HYPERLINK(\"http://evil\",\"klik\")", "+45 12 34 56 78", "-Rabat 10%", "@SUM(A1:A9)", "\tTab ApS",
             "\rCR ApS"]  # fmt: skip
HARMLESS = [
    "Bager & Co = bedst",
    "Normal ApS",
    "A+B Rengøring",
    "Smed-Hansen",
    "'allerede citeret",
    " =med mellemrum",
]


def test_formula_cells_get_an_apostrophe(writable_world: Store, tmp_path: Path) -> None:
    store = writable_world
    names = DANGEROUS + HARMLESS
    store.insert("employers", pl.DataFrame([employer(f"EX{i:03d}", name) for i, name in enumerate(names)]))
    path = tmp_path / "employers.csv"
    assert export_table(store, "employers", path) == store.count("employers")
    got = {r[C.EMPLOYER_ID]: r["name"] for r in read_csv_rows(path)}
    assert [got[f"EX{i:03d}"] for i in range(len(DANGEROUS))] == ["'" + n for n in DANGEROUS]
    assert [got[f"EX{i:03d}"] for i in range(len(DANGEROUS), len(names))] == HARMLESS
    # the guard is a CSV matter: Parquet keeps the data as stored
    export_table(store, "employers", tmp_path / "employers.parquet")
    stored = pl.read_parquet(tmp_path / "employers.parquet").filter(
        pl.col(C.EMPLOYER_ID).str.starts_with("EX")
    )
    assert stored.sort(C.EMPLOYER_ID)["name"].to_list() == names


def test_formula_from_an_import_is_guarded_on_export(writable_world: Store, tmp_path: Path) -> None:
    store = writable_world
    src = tmp_path / "in.csv"
    with src.open("w", newline="", encoding="utf-8") as fh:
        writer = csv.DictWriter(fh, fieldnames=list(employer("x", "y")))
        writer.writeheader()
        writer.writerow(employer("EIMP1", "=cmd|' /C calc'!A0"))
        writer.writerow(employer("EIMP2", "Ærlig Tømrer ApS"))
    import_file(store, "employers", src, max_bytes=1_000_000)
    export_table(store, "employers", tmp_path / "out.csv")
    got = {r[C.EMPLOYER_ID]: r["name"] for r in read_csv_rows(tmp_path / "out.csv")}
    assert got["EIMP1"] == "'=cmd|' /C calc'!A0"
    assert got["EIMP2"] == "Ærlig Tømrer ApS"


def test_numbers_untouched_and_list_cells_guarded(writable_world: Store, tmp_path: Path) -> None:
    store = writable_world
    row = store.table("vacancies").sort(C.VACANCY_ID).head(1)
    skills = row["essential_skills"][0].to_list()
    odd = row.with_columns(
        pl.lit("VX0001").alias(C.VACANCY_ID),
        pl.lit(-3.25).alias("lon"),
        pl.lit("-5 grader på lageret").alias("title"),
        pl.lit("Løn: 200 kr/t = god løn").alias("description"),
        pl.Series("essential_skills", [["=evil", *skills]]),
    )
    store.insert("vacancies", odd)
    export_table(store, "vacancies", tmp_path / "v.csv")
    got = next(r for r in read_csv_rows(tmp_path / "v.csv") if r[C.VACANCY_ID] == "VX0001")
    assert got["lon"] == "-3.25"
    assert got["title"] == "'-5 grader på lageret"
    assert got["description"] == "Løn: 200 kr/t = god løn"
    assert got["essential_skills"] == "'" + "|".join(["=evil", *skills])
    assert got["hours"] == str(row["hours"][0])


def test_guard_formulas_frame() -> None:
    frame = pl.DataFrame(
        {
            "text": ["=1+1", "ok", None, "-x", "a=b", "@me"],
            "n": [-1, 2, -3, 4, 5, -6],
            "x": [-1.5, 0.0, 2.5, -0.25, 1.0, 3.0],
            "tags": [["+a", "b"], [], None, ["c"], ["d", "=e"], ["\tf"]],
        },
        schema_overrides={"tags": pl.List(pl.String)},
    )
    out = guard_formulas(frame)
    assert out.schema == {"text": pl.String, "n": pl.Int64, "x": pl.Float64, "tags": pl.String}
    assert out["text"].to_list() == ["'=1+1", "ok", None, "'-x", "a=b", "'@me"]
    assert out["n"].to_list() == [-1, 2, -3, 4, 5, -6]
    assert out["x"].to_list() == [-1.5, 0.0, 2.5, -0.25, 1.0, 3.0]
    assert out["tags"].to_list() == ["'+a|b", "", None, "c", "d|=e", "'\tf"]
    assert set(FORMULA_START) == {"=", "+", "-", "@", "\t", "\r"}


# --- errors and atomicity ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "shown"),
    [("vacancies.xlsx", "'.xlsx'"), ("vacancies.JSON", "'.json'"), ("vacancies", "'no extension'")],
)
def test_unsupported_extension(world: Store, tmp_path: Path, name: str, shown: str) -> None:
    with pytest.raises(ValueError) as info:
        export_table(world, "vacancies", tmp_path / name)
    assert str(info.value) == f"{tmp_path / name}: export writes .parquet or .csv, not {shown}"
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("suffix", [".csv", ".parquet", ".CSV"])
def test_no_temporary_file_left(world: Store, tmp_path: Path, suffix: str) -> None:
    target = tmp_path / f"employers{suffix}"
    target.write_text("old content")
    export_table(world, "employers", target)
    assert [p.name for p in tmp_path.iterdir()] == [target.name]
    assert target.read_bytes() != b"old content"
    assert target.stat().st_size > 0


def test_failed_write_keeps_old_file_and_leaves_no_temp(world: Store, tmp_path: Path,
                                                        monkeypatch: pytest.MonkeyPatch) -> None:  # fmt: skip
    target = tmp_path / "vacancies.parquet"
    target.write_bytes(b"previous export")

    def half_write(self: pl.DataFrame, file: Path, *args: object, **kwargs: object) -> None:
        Path(file).write_bytes(b"PAR1 truncated")
        raise OSError("disk full")

    monkeypatch.setattr(pl.DataFrame, "write_parquet", half_write)
    with pytest.raises(OSError, match="disk full"):
        export_table(world, "vacancies", target)
    assert target.read_bytes() == b"previous export"
    assert [p.name for p in tmp_path.iterdir()] == ["vacancies.parquet"]


def test_unknown_table_writes_nothing(world: Store, tmp_path: Path) -> None:
    with pytest.raises(StoreError, match="no table 'nope'"):
        export_table(world, "nope", tmp_path / "nope.csv")
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("table", ["seeker_protected", "gt_params", "gt_episode_effects"])
@pytest.mark.parametrize("reason", [None, "", "   "])
def test_sensitive_tables_are_refused_without_a_reason(world: Store, tmp_path: Path, table: str,
                                                       reason: str | None) -> None:  # fmt: skip
    with pytest.raises(InputError, match="not exported without a reason"):
        export_table(world, table, tmp_path / "out.csv", reason=reason)
    assert list(tmp_path.iterdir()) == []


def test_only_protected_and_ground_truth_tables_are_sensitive(world: Store) -> None:
    sensitive = {t for t in world.tables() if sensitivity(t)}
    assert sensitive == {"seeker_protected"} | {t for t in world.tables() if t.startswith("gt_")}
