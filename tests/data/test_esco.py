"""ESCO importer: the real v1.1.1 download (counts, Danish labels) and small synthetic layouts and errors."""

from __future__ import annotations

import codecs
import csv
import io
import zipfile
from pathlib import Path

import polars as pl
import pytest

from core.errors import EscoImportError
from data import columns as C
from data.esco import load_esco
from data.taxonomy import Taxonomy

SHARED = Path(__file__).resolve().parents[2].parent / "shared" / "data"
ESCO_DIR = SHARED / "esco-v1.1.1"
DA_LABELS = SHARED / "esco-da-labels" / "occupation_labels_da.csv"
REAL = pytest.mark.skipif(
    not (ESCO_DIR.is_dir() and DA_LABELS.is_file()), reason=f"real ESCO data not found under {SHARED}"
)
NURSE = "http://data.europa.eu/esco/occupation/8d3e8aaa-791b-4c75-a465-f3f827028f50"

OCC = "http://data.europa.eu/esco/occupation/"
SKILL = "http://data.europa.eu/esco/skill/"


def _csv(rows: list[dict[str, str]]) -> str:
    buf = io.StringIO()
    writer = csv.DictWriter(buf, fieldnames=list(rows[0]), lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    return buf.getvalue()


def _files(bad_skill: bool = False) -> dict[str, str]:
    """A tiny but well-formed ESCO download: two occupations, two skills, three links."""
    occ = [
        {
            "conceptUri": f"{OCC}a",
            "iscoGroup": "0110",
            "preferredLabel": "navy officer",
            "altLabels": "sailor\n",
        },
        {
            "conceptUri": f"{OCC}b",
            "iscoGroup": "2221",
            "preferredLabel": "nurse",
            "altLabels": "nurse\nward nurse",
        },
    ]
    skills = [
        {
            "conceptUri": f"{SKILL}x",
            "skillType": "knowledge",
            "preferredLabel": "navigation",
            "altLabels": "",
        },
        {
            "conceptUri": f"{SKILL}y",
            "skillType": "skill/competence",
            "preferredLabel": "care",
            "altLabels": "nurse",
        },
    ]
    rel = [
        {"occupationUri": f"{OCC}a", "relationType": "essential", "skillUri": f"{SKILL}x"},
        {"occupationUri": f"{OCC}b", "relationType": "essential", "skillUri": f"{SKILL}y"},
        {
            "occupationUri": f"{OCC}b",
            "relationType": "optional",
            "skillUri": f"{SKILL}{'zz' if bad_skill else 'x'}",
        },
    ]
    return {
        "occupations_en.csv": _csv(occ),
        "skills_en.csv": _csv(skills),
        "occupationSkillRelations.csv": _csv(rel),
    }


def _zip_layout(root: Path, files: dict[str, str]) -> Path:
    """Mimic the official download: classification zip plus the relations zip (with its double space)."""
    root.mkdir(parents=True, exist_ok=True)
    for zname, keep in (
        ("ESCO dataset - v1.2.3 - classification - en - csv.zip", lambda n: n.endswith("_en.csv")),
        ("ESCO dataset - v1.2.3 - classification -  - csv.zip", lambda n: not n.endswith("_en.csv")),
    ):
        with zipfile.ZipFile(root / zname, "w") as zf:
            for name, text in files.items():
                if keep(name):
                    zf.writestr(name, text)
    return root


def _folder_layout(root: Path, files: dict[str, str]) -> Path:
    """Extracted CSVs, nested one level below ``root``."""
    (root / "csv").mkdir(parents=True)
    for name, text in files.items():
        (root / "csv" / name).write_text(text, encoding="utf-8")
    return root


# --- synthetic ---------------------------------------------------------------------------------------


def test_zip_layout_loads_with_version(tmp_path: Path) -> None:
    tax = load_esco(_zip_layout(tmp_path / "dl", _files()), progress=True)
    assert tax.version == "v1.2.3"
    assert tax.summary()["occupation_skill_relations"] == 3
    navy = tax.occupations.row(0, named=True)
    assert navy[C.ISCO_CODE] == "0110"
    assert navy[C.SYNONYMS] == ["sailor"]
    assert tax.skills_of(f"{OCC}b", C.OPTIONAL) == [f"{SKILL}x"]


def test_single_zip_and_extracted_folder_give_the_same_taxonomy(tmp_path: Path) -> None:
    single = tmp_path / "one.zip"
    with zipfile.ZipFile(single, "w") as zf:
        for name, text in _files().items():
            zf.writestr(f"esco/{name}", text)
    from_zip = load_esco(single)
    from_folder = load_esco(_folder_layout(tmp_path / "x", _files()))
    assert from_folder.occupations.equals(from_zip.occupations)
    assert from_folder.occupation_skills.equals(from_zip.occupation_skills)
    nurse = from_folder.occupations.filter(pl.col(C.OCCUPATION_ID) == f"{OCC}b").row(0, named=True)
    assert nurse[C.SYNONYMS] == ["ward nurse"]  # the preferred label is not repeated as a synonym


def test_danish_labels_with_bom_attach_and_add_synonyms(tmp_path: Path) -> None:
    labels = tmp_path / "da.csv"
    text = "conceptUri,label,labelIndex\r\n"
    text += "http://data.europa.eu/esco/isco/C0110,Officerer,0\r\n"
    text += f"{OCC}b,sygeplejerske,0\r\n{OCC}b,sundhedsplejerske,1\r\n"
    labels.write_bytes(codecs.BOM_UTF8 + text.encode("utf-8"))
    tax = load_esco(_folder_layout(tmp_path / "x", _files()), labels)
    occ = {r[C.OCCUPATION_ID]: r for r in tax.occupations.iter_rows(named=True)}
    assert occ[f"{OCC}b"][C.LABEL_DA] == "sygeplejerske"
    assert occ[f"{OCC}b"][C.SYNONYMS] == ["ward nurse", "sundhedsplejerske"]
    assert occ[f"{OCC}a"][C.LABEL_DA] is None
    assert tax.label(f"{OCC}a") == "navy officer"


def test_other_language_fills_label_en_and_da_file_fills_label_da(tmp_path: Path) -> None:
    files = _files()
    files["occupations_de.csv"] = files.pop("occupations_en.csv")
    files["occupations_da.csv"] = files["occupations_de.csv"].replace(",nurse,", ",plejer,")
    tax = load_esco(_folder_layout(tmp_path / "x", files))
    nurse = tax.occupations.filter(pl.col(C.OCCUPATION_ID) == f"{OCC}b").row(0, named=True)
    assert (nurse[C.LABEL_EN], nurse[C.LABEL_DA]) == ("nurse", "plejer")


def test_missing_relations_file_is_named(tmp_path: Path) -> None:
    files = _files()
    del files["occupationSkillRelations.csv"]
    root = _zip_layout(tmp_path / "dl", files)
    with pytest.raises(
        EscoImportError, match=r"no occupationSkillRelations\*\.csv found in .*dl.*2 zip files"
    ):
        load_esco(root)


def test_missing_column_is_named(tmp_path: Path) -> None:
    files = _files()
    files["occupations_en.csv"] = files["occupations_en.csv"].replace("iscoGroup", "isco", 1)
    with pytest.raises(EscoImportError, match=r"occupations_en\.csv lacks column\(s\) \['iscoGroup'\]"):
        load_esco(_folder_layout(tmp_path / "x", files))


def test_relation_to_unknown_skill_raises_with_count(tmp_path: Path) -> None:
    with pytest.raises(EscoImportError, match=rf"1 of 3 occupation-skill links .* e\.g\. .*-> {SKILL}zz"):
        load_esco(_folder_layout(tmp_path / "x", _files(bad_skill=True)))


def test_missing_path_raises(tmp_path: Path) -> None:
    with pytest.raises(EscoImportError, match="does not exist"):
        load_esco(tmp_path / "nope")
    with pytest.raises(EscoImportError, match=r"no occupations_\*\.csv found"):
        load_esco(tmp_path)


# --- the real ESCO v1.1.1 download -------------------------------------------------------------------


@pytest.fixture(scope="module")
def esco() -> Taxonomy:
    return load_esco(ESCO_DIR, DA_LABELS)


@REAL
def test_real_counts(esco: Taxonomy) -> None:
    s = esco.summary()
    assert (s["occupations"], s["skills"]) == (3_007, 13_896)
    # The relations file has 123,855 rows; 67 name one occupation missing from occupations_en.csv (dropped).
    assert s["occupation_skill_relations"] == 123_788
    assert (s["essential_relations"], s["optional_relations"]) == (64_891, 58_897)
    assert esco.version == "v1.1.1"


@REAL
def test_real_dangling_links_raise_when_strict() -> None:
    with pytest.raises(EscoImportError, match=r"67 of 123,855 .*a9e54177-a185-404d-b6e6-15663d31137e"):
        load_esco(ESCO_DIR, strict=True)


@REAL
def test_real_danish_labels(esco: Taxonomy) -> None:
    assert esco.summary()["occupations_with_danish_label"] == 2_939
    nurse = esco.occupations.filter(pl.col(C.OCCUPATION_ID) == NURSE).row(0, named=True)
    assert nurse[C.LABEL_EN] == "nurse responsible for general care"
    assert nurse[C.LABEL_DA] == "sygeplejerske"
    assert {"sundhedsplejerske", "district nurse"} <= set(nurse[C.SYNONYMS])
    assert esco.label(NURSE) == "sygeplejerske"


@REAL
def test_real_columns(esco: Taxonomy) -> None:
    occ = esco.occupations
    assert occ[C.ISCO_CODE].str.len_chars().eq(4).all()
    assert occ.filter(pl.col(C.LABEL_EN) == "navy officer")[C.ISCO_CODE].to_list() == ["0110"]
    assert occ.schema[C.SYNONYMS] == pl.List(pl.String) == esco.skills.schema[C.SYNONYMS]
    assert occ[C.OCCUPATION_ID].str.starts_with(OCC).all()
    types = esco.skills[C.SKILL_TYPE].value_counts().to_dict(as_series=False)
    assert dict(zip(types[C.SKILL_TYPE], types["count"], strict=True)) == {
        "skill/competence": 10_831,
        "knowledge": 3_059,
        None: 6,  # six digital-competence skills have no skillType in v1.1.1
    }
