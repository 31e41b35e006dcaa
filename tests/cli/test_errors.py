"""Bad input through the real entry point: one clear line on stderr naming the file (and row), exit 2, no
traceback, and long values cut in the echo."""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

import pytest

from cli import main
from core.echo import ELLIPSIS

HEADER = ("vacancy_id,employer_id,title,occupation_id,description,essential_skills,min_isced,postcode,hours,"
          "posted,deadline,positions,status")  # fmt: skip


def run(
    args: list[str], monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> tuple[int, str]:
    """``jobmatch ARGS`` in this process: the exit code and what went to stderr (stdout stays in capsys)."""
    monkeypatch.setattr(sys, "argv", ["jobmatch", *args])
    with pytest.raises(SystemExit) as stopped:
        main()
    captured = capsys.readouterr()
    sys.stdout.write(captured.out)
    return int(stopped.value.code or 0), captured.err


def one_line(stderr: str) -> str:
    lines = stderr.strip().splitlines()
    assert len(lines) == 1, stderr
    assert "Traceback" not in stderr
    return lines[0]


@pytest.fixture()
def home(world_path: Path, tmp_path: Path) -> Path:
    shutil.copy(world_path, tmp_path / "jobmatch.duckdb")
    return tmp_path


def test_a_typo_of_a_kind_suggests_the_kind(home: Path, monkeypatch: pytest.MonkeyPatch,
                                            capsys: pytest.CaptureFixture[str]) -> None:  # fmt: skip
    (home / "v.csv").write_text(HEADER + "\n")
    code, err = run(["--home", str(home), "import", "vacancy", str(home / "v.csv")], monkeypatch, capsys)
    line = one_line(err)
    assert code == 2 and "cannot import into 'vacancy'" in line and "did you mean 'vacancies'?" in line


def test_export_to_an_unsupported_format(home: Path, monkeypatch: pytest.MonkeyPatch,
                                         capsys: pytest.CaptureFixture[str]) -> None:  # fmt: skip
    code, err = run(["--home", str(home), "export", "vacancies", str(home / "x.xlsx")], monkeypatch, capsys)
    assert code == 2 and "export writes .parquet or .csv, not '.xlsx'" in one_line(err)
    assert not (home / "x.xlsx").exists()


@pytest.mark.parametrize(
    ("content", "expected"),
    [(bytes(range(256)) * 20, "not a text CSV file"), (b"PAR1\x15\x04\x00\x00" * 50, "it is Parquet")],
    ids=["binary", "parquet-renamed"],
)
def test_a_binary_file_named_csv(home: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str],
                                 content: bytes, expected: str) -> None:  # fmt: skip
    bad = home / "vacancies.csv"
    bad.write_bytes(content)
    code, err = run(["--home", str(home), "import", "vacancies", str(bad)], monkeypatch, capsys)
    line = one_line(err)
    assert code == 2 and str(bad) in line and expected in line and len(line) < 200


def test_a_long_value_is_cut_in_the_echo(home: Path, monkeypatch: pytest.MonkeyPatch,
                                         capsys: pytest.CaptureFixture[str]) -> None:  # fmt: skip
    title = "Kok" * 1700  # 5,100 characters, over the 300 a title may have
    row = (
        f"V-LONG,E0000001,{title},dk.o.kok,Beskrivelse,dk.s.madlavning,2,5000,37,2024-01-01,2024-02-01,1,open"
    )
    (home / "v.csv").write_text(HEADER + "\n" + row + "\n", encoding="utf-8")
    code, err = run(["--home", str(home), "import", "vacancies", str(home / "v.csv")], monkeypatch, capsys)
    line = one_line(err)
    assert code == 2 and "row 1 (line 2)" in line and "'title'" in line
    assert f"'{title[:80]}{ELLIPSIS}' (5,100 characters)" in line
    assert len(line) < 400


def test_link_titles_reads_latin1_like_import(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                              capsys: pytest.CaptureFixture[str]) -> None:  # fmt: skip
    titles = tmp_path / "titles.txt"
    titles.write_bytes("Sygeplejerske\nPædagog\nKøkkenassistent\n".encode("latin-1"))
    code, _err = run(["--home", str(tmp_path), "link-titles", str(titles), "--k", "1", "--method", "lexical"],
                     monkeypatch, capsys)  # fmt: skip
    assert code == 0
    assert "Pædagog,1,dk.o.paedagog" in capsys.readouterr().out


def test_link_titles_refuses_a_binary_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                           capsys: pytest.CaptureFixture[str]) -> None:  # fmt: skip
    titles = tmp_path / "titles.txt"
    titles.write_bytes(bytes(range(256)) * 4)
    code, err = run(["link-titles", str(titles), "--method", "lexical"], monkeypatch, capsys)
    assert code == 2 and "not a text titles file" in one_line(err)


def test_minilm_without_its_extra_names_the_extra(home: Path, monkeypatch: pytest.MonkeyPatch,
                                                  capsys: pytest.CaptureFixture[str]) -> None:  # fmt: skip
    import importlib.util

    real = importlib.util.find_spec
    monkeypatch.setattr(
        importlib.util, "find_spec", lambda name, *a: None if name == "torch" else real(name, *a)
    )
    monkeypatch.setenv("JOBMATCH_ENCODER", "minilm")
    code, err = run(["--home", str(home), "build"], monkeypatch, capsys)
    line = one_line(err)
    assert code == 2 and "needs the [minilm] extra (torch not installed)" in line
    assert "pip install -e '.[minilm]'" in line
