"""Protected attributes: one reader, one age-band definition, and a walk of the code that keeps it so."""

from __future__ import annotations

import ast
from pathlib import Path

import polars as pl

from data.protected import AGE_BANDS, age_band, age_band_expr, protected_groups
from data.report import data_report
from data.store import Store

ROOT = Path(__file__).resolve().parents[2]
TABLE = "seeker_protected"
# The one reader, and the code that creates or fills the table (never reads it back).
READER = "data/protected.py"
ALLOWED_WRITERS = {
    "data/schema.py": "creates the table (migrations) and lists its key",
    "data/synthetic/generate.py": "writes the generated world's protected attributes",
}
NOT_WALKED = {"evaluation", "tests", ".venv", "build", "artefacts"}


def test_python_and_polars_age_bands_agree() -> None:
    ages = [float(a) for a in range(16, 80)] + [29.5, 54.99, 55.0]
    frame = pl.DataFrame({"age": [*ages, None]}, schema={"age": pl.Float64})
    bands = frame.select(age_band_expr(pl.col("age")).alias("band"))["band"].to_list()
    assert bands == [age_band(a) for a in ages] + [None]
    assert [age_band(a) for a in (29, 30, 54, 55)] == ["<30", "30-54", "30-54", "55+"]
    assert [label for label, _ in AGE_BANDS] == ["<30", "30-54", "55+"]


def test_groups_have_the_documented_columns_and_labels(world: Store) -> None:
    groups = protected_groups(world)
    assert groups.columns == ["seeker_id", "gender", "age_band", "origin_group", "disability"]
    assert groups.height == world.count(TABLE)
    assert set(groups["disability"]) <= {"ja", "nej"} and set(groups["age_band"]) <= {"<30", "30-54", "55+"}


def test_report_callbacks_equal_the_former_sql_join(world: Store) -> None:
    """The data report now joins the reader's frame in polars; its table is what the SQL join gave."""
    former = world.query(
        "WITH a AS (SELECT DISTINCT seeker_id, vacancy_id FROM interactions WHERE event = 'applied'), "
        "i AS (SELECT DISTINCT seeker_id, vacancy_id FROM interactions WHERE event = 'interview') "
        "SELECT p.origin_group, count(*) applications, round(100 * avg((i.seeker_id IS NOT NULL)::INT), 1) "
        "pct_interviewed FROM a JOIN seeker_protected p USING (seeker_id) "
        "LEFT JOIN i USING (seeker_id, vacancy_id) GROUP BY 1 ORDER BY 1"
    )
    section = dict(data_report(world))["Interview rate of applicants by origin group (historical callbacks)"]
    assert section.equals(former)


def _reads_of_the_table(path: Path) -> list[int]:
    """Lines of string constants naming the table, docstrings excepted (prose may name it)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    docstrings = {
        id(node.body[0].value)
        for node in ast.walk(tree)
        if isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef)
        and node.body
        and isinstance(node.body[0], ast.Expr)
        and isinstance(node.body[0].value, ast.Constant)
    }
    return [
        node.lineno
        for node in ast.walk(tree)
        if isinstance(node, ast.Constant)
        and isinstance(node.value, str)
        and TABLE in node.value
        and id(node) not in docstrings
    ]


def test_only_the_one_reader_names_the_protected_table() -> None:
    files = [
        p
        for p in ROOT.rglob("*.py")
        if not NOT_WALKED & set(p.relative_to(ROOT).parts[:1]) and ".git" not in p.parts
    ]
    assert len(files) > 50  # the walk found the code
    naming = {str(p.relative_to(ROOT)): lines for p in files if (lines := _reads_of_the_table(p))}
    unexpected = {f: lines for f, lines in naming.items() if f != READER and f not in ALLOWED_WRITERS}
    assert not unexpected, (
        f"{TABLE} is named outside {READER} (read group labels through data.protected.protected_groups): "
        f"{unexpected}"
    )
    assert READER in naming  # the reader is still where this test looks
