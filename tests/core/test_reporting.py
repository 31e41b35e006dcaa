"""The shared report writer: Markdown tables and the atomic JSON + Markdown (+ figures) pair."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from core.reporting import markdown_table, write_results, write_text_atomic


def test_markdown_table_known_answer() -> None:
    table = markdown_table([("a", 1, None), ("b|c", 2.5, "x\ny")], ["name", "n", "note"], right=["n"])
    assert table.splitlines() == [
        "| name | n | note |",
        "| --- | ---: | --- |",
        "| a | 1 |  |",
        "| b\\|c | 2.5 | x y |",  # a pipe or newline in a cell cannot break the table
    ]
    assert markdown_table([], ["only"]) == "| only |\n| --- |"


def test_markdown_table_refuses_ragged_rows_and_unknown_alignment() -> None:
    with pytest.raises(ValueError, match="2 cells for 3 columns"):
        markdown_table([(1, 2)], ["a", "b", "c"])
    with pytest.raises(ValueError, match="right-aligned"):
        markdown_table([], ["a"], right=["b"])


def test_write_results_writes_json_markdown_and_figures(tmp_path: Path) -> None:
    def draw(path: Path) -> None:
        assert path.suffix == ".png" and path.name.startswith(".")  # drawn under a temporary name
        path.write_bytes(b"png")

    result = {"name": "Ærø", "when": Path("x"), "values": [1, 2]}
    paths = write_results(result, tmp_path / "out", "bench", md="# title\n", figures={"png": draw})
    assert paths == {
        "json": tmp_path / "out" / "bench.json",
        "markdown": tmp_path / "out" / "bench.md",
        "png": tmp_path / "out" / "bench.png",
    }
    text = paths["json"].read_text(encoding="utf-8")
    assert "Ærø" in text and text.endswith("\n")  # UTF-8, not escaped
    assert json.loads(text) == {"name": "Ærø", "when": "x", "values": [1, 2]}  # default=str
    assert paths["markdown"].read_text(encoding="utf-8") == "# title\n"
    assert paths["png"].read_bytes() == b"png"
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == ["bench.json", "bench.md", "bench.png"]


def test_a_failed_write_leaves_the_old_file_and_no_temporary(tmp_path: Path) -> None:
    target = write_text_atomic(tmp_path / "r.md", "old")

    def broken(path: Path) -> None:
        path.write_bytes(b"half")
        raise RuntimeError("disk full")

    with pytest.raises(RuntimeError):
        write_results({}, tmp_path, "r", md="new", figures={"png": broken})
    assert target.read_text() == "new"  # the Markdown was complete before the figure failed
    assert sorted(p.name for p in tmp_path.iterdir()) == ["r.json", "r.md"]
    with pytest.raises(TypeError):
        write_text_atomic(tmp_path / "r.md", None)  # type: ignore[arg-type]
    assert target.read_text() == "new"
