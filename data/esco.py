"""Import the official ESCO CSV download (zips or extracted CSVs) as a :class:`Taxonomy`.

Files are found by name pattern (``occupations_<lang>.csv``, ``skills_<lang>.csv``,
``occupationSkillRelations*.csv``) inside zips or a folder and read straight from the zip, never extracted.
"""

from __future__ import annotations

import codecs
import logging
import re
import zipfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import polars as pl

from core.errors import EscoImportError
from data import columns as C
from data.taxonomy import Taxonomy

log = logging.getLogger(__name__)

OCCUPATIONS = re.compile(r"occupations_([A-Za-z-]+)\.csv", re.I)
SKILLS = re.compile(r"skills_([A-Za-z-]+)\.csv", re.I)
RELATIONS = re.compile(r"occupationSkillRelations(?:_[A-Za-z-]+)?\.csv", re.I)
VERSION = re.compile(r"\bv\d+(?:\.\d+)+")
# ESCO v1.1.1 itself links 67 of its 123,855 occupation-skill relations to one occupation
# (.../a9e54177-...) that occupations_en.csv lacks; more than this share means mismatched files.
DANGLING_TOLERANCE = 0.001


@dataclass(frozen=True)
class _Source:
    """One CSV, on disk or inside a zip; ``where`` names it in error messages."""

    name: str
    where: str
    origin: str  # the zip's or folder's name, searched for a version like v1.1.1
    read_bytes: Callable[[], bytes]


def load_esco(
    path: str | Path,
    labels_da: str | Path | None = None,
    *,
    progress: bool = False,
    strict: bool = False,
) -> Taxonomy:
    """Load ESCO occupations, skills and occupation-skill links from ``path`` (folder of zips/CSVs, or a zip).

    ``labels_da`` (``conceptUri,label,labelIndex``, index 0 preferred) adds Danish occupation labels; the
    other Danish labels become synonyms. Links to unknown ids are dropped with a warning when they are a tiny
    share (the official v1.1.1 release has 67); ``strict=True`` raises on any.
    """
    root = Path(path)
    sources, searched = _discover(root)
    occ_files = _by_language(sources, OCCUPATIONS, searched)
    skill_files = _by_language(sources, SKILLS, searched)
    rel_file = _one(sources, RELATIONS, searched)
    with _progress(progress) as step:
        occ = _classification(occ_files, ["conceptUri", "iscoGroup", "preferredLabel", "altLabels"], step)
        skills = _classification(
            skill_files, ["conceptUri", "skillType", "preferredLabel", "altLabels"], step
        )
        rel = _read(rel_file, ["occupationUri", "relationType", "skillUri"], step)
        da = _danish_labels(Path(labels_da), step) if labels_da is not None else None

    if da is not None:
        occ = (
            occ.join(da, on="conceptUri", how="left")
            .with_columns(
                pl.coalesce("label_da", "da_file_label").alias("label_da"),
                pl.concat_list("syn", pl.col("da_file_syn").fill_null(pl.lit([], pl.List(pl.String)))),
            )
            .drop("da_file_label", "da_file_syn")
        )
    occupations = _with_synonyms(occ).select(
        pl.col("conceptUri").alias(C.OCCUPATION_ID),
        "label_da",
        "label_en",
        C.SYNONYMS,
        pl.col("iscoGroup").str.strip_chars().str.zfill(4).alias(C.ISCO_CODE),
    )
    skill_frame = _with_synonyms(skills).select(
        pl.col("conceptUri").alias(C.SKILL_ID),
        "label_da",
        "label_en",
        C.SYNONYMS,
        pl.col("skillType").alias(C.SKILL_TYPE),
    )
    relations = rel.select(
        pl.col("occupationUri").alias(C.OCCUPATION_ID),
        pl.col("skillUri").alias(C.SKILL_ID),
        pl.col("relationType").str.strip_chars().str.to_lowercase().alias(C.RELATION),
    )
    relations = _check_links(relations, occupations, skill_frame, rel_file, strict)
    names = [s.origin for s in sources] + [root.resolve().name]
    version = next((m.group() for n in names if (m := VERSION.search(n))), "")
    return Taxonomy.build("esco", occupations, skill_frame, relations, version=version)


# --- finding files ---------------------------------------------------------------------------------


def _discover(root: Path) -> tuple[list[_Source], str]:
    """All CSVs in ``root`` (a zip, or a folder with CSVs/zips up to one level deep) and a note of where."""
    if not root.exists():
        raise EscoImportError(f"ESCO path {root} does not exist")
    if root.is_file():
        zips, csvs = ([root], []) if zipfile.is_zipfile(root) else ([], [root])
    else:
        files = sorted(p for p in [*root.glob("*"), *root.glob("*/*")] if p.is_file())
        zips = [p for p in files if p.suffix.lower() == ".zip"]
        csvs = [p for p in files if p.suffix.lower() == ".csv"]
    sources = [_Source(p.name, str(p), p.parent.name, p.read_bytes) for p in csvs]
    for z in zips:
        with zipfile.ZipFile(z) as zf:
            members = [m for m in zf.namelist() if m.lower().endswith(".csv")]
        sources += [_Source(Path(m).name, f"{z} :: {m}", z.name, _zip_reader(z, m)) for m in members]
    what = f"looked inside {len(zips)} zip file{'s' * (len(zips) != 1)}"
    return sources, f"{root} ({what}{'' if root.is_file() else ' and the folder'})"


def _zip_reader(zpath: Path, member: str) -> Callable[[], bytes]:
    def read() -> bytes:
        with zipfile.ZipFile(zpath) as zf:
            return zf.read(member)

    return read


def _by_language(sources: list[_Source], pattern: re.Pattern[str], searched: str) -> dict[str, _Source]:
    """``{lang: file}`` for files like ``occupations_<lang>.csv``; the first of duplicate names wins."""
    out: dict[str, _Source] = {}
    for s in sources:
        if m := pattern.fullmatch(s.name):
            out.setdefault(m.group(1).lower(), s)
    if not out:
        raise EscoImportError(f"no {pattern.pattern.split('_')[0]}_*.csv found in {searched}")
    return out


def _one(sources: list[_Source], pattern: re.Pattern[str], searched: str) -> _Source:
    found = [s for s in sources if pattern.fullmatch(s.name)]
    if not found:
        raise EscoImportError(f"no occupationSkillRelations*.csv found in {searched}")
    return found[0]


# --- reading -----------------------------------------------------------------------------------------


@contextmanager
def _progress(enabled: bool) -> Iterator[Callable[[str], Callable[[], None]]]:
    """A ``step(description) -> done()`` pair drawing one rich spinner line per file (no-op when disabled)."""
    if not enabled:
        yield lambda _desc: lambda: None
        return
    from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

    with Progress(SpinnerColumn(), TextColumn("{task.description}"), TimeElapsedColumn()) as bar:

        def step(desc: str) -> Callable[[], None]:
            task = bar.add_task(f"reading {desc}", total=1)
            return lambda: bar.update(task, completed=1)

        yield step


def _decode(raw: bytes) -> bytes:
    """UTF-8 bytes without BOM, whatever the file came in (UTF-8 with/without BOM, UTF-16, cp1252)."""
    if raw.startswith(codecs.BOM_UTF8):
        return raw[len(codecs.BOM_UTF8) :]
    if raw.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return raw.decode("utf-16").encode()
    try:
        raw.decode("utf-8")
        return raw
    except UnicodeDecodeError:
        return raw.decode("cp1252", errors="replace").encode()


def _read(source: _Source, needed: list[str], step: Callable[[str], Callable[[], None]]) -> pl.DataFrame:
    """Read all columns as strings (ISCO codes keep leading zeros) and check the needed ones are there."""
    done = step(source.name)
    try:
        frame = pl.read_csv(_decode(source.read_bytes()), infer_schema=False)
    except pl.exceptions.PolarsError as exc:
        raise EscoImportError(f"cannot parse {source.where}: {exc}") from exc
    done()
    missing = [c for c in needed if c not in frame.columns]
    if missing:
        raise EscoImportError(f"{source.where} lacks column(s) {missing}; it has {frame.columns}")
    return frame.select(needed)


def _split(col: str) -> pl.Expr:
    return pl.col(col).fill_null("").str.split("\n")


def _classification(
    files: dict[str, _Source], needed: list[str], step: Callable[[str], Callable[[], None]]
) -> pl.DataFrame:
    """English (else another non-Danish language) as ``label_en``; Danish, if present, as ``label_da``."""
    en_lang = "en" if "en" in files else next((lang for lang in sorted(files) if lang != "da"), None)
    base_lang = en_lang or "da"
    base = _read(files[base_lang], needed, step)
    out = base.select(
        *[c for c in needed if c not in ("preferredLabel", "altLabels")],
        pl.col("preferredLabel").alias("label_en") if en_lang else pl.lit(None, pl.String).alias("label_en"),
        _split("altLabels").alias("syn"),
    )
    if "da" not in files:
        return out.with_columns(pl.lit(None, pl.String).alias("label_da"))
    da = _read(files["da"], ["conceptUri", "preferredLabel", "altLabels"], step)
    da = da.select(
        "conceptUri", pl.col("preferredLabel").alias("label_da"), _split("altLabels").alias("syn_da")
    )
    if not en_lang:
        return out.join(da.drop("syn_da"), on="conceptUri", how="left")
    return (
        out.join(da, on="conceptUri", how="left")
        .with_columns(pl.concat_list("syn", pl.col("syn_da").fill_null(pl.lit([], pl.List(pl.String)))))
        .drop("syn_da")
    )


def _danish_labels(path: Path, step: Callable[[str], Callable[[], None]]) -> pl.DataFrame:
    """Preferred Danish label and the other Danish labels (in label order) per ESCO occupation URI."""
    if not path.is_file():
        raise EscoImportError(f"Danish labels file {path} does not exist")
    labels = _read(
        _Source(path.name, str(path), "", path.read_bytes), ["conceptUri", "label", "labelIndex"], step
    )
    labels = (
        labels.filter(pl.col("conceptUri").str.contains("/occupation/"))
        .with_columns(pl.col("labelIndex").cast(pl.Int32, strict=False), pl.col("label").str.strip_chars())
        .sort("conceptUri", "labelIndex")
    )
    return labels.group_by("conceptUri", maintain_order=True).agg(
        pl.col("label").filter(pl.col("labelIndex") == 0).first().alias("da_file_label"),
        pl.col("label").filter(pl.col("labelIndex") != 0).alias("da_file_syn"),
    )


def _with_synonyms(frame: pl.DataFrame) -> pl.DataFrame:
    """Turn the raw ``syn`` lists into clean synonyms: stripped, non-empty, unique, not a preferred label."""
    syn = (
        frame.select("conceptUri", "label_en", "label_da", "syn")
        .explode("syn")
        .with_columns(pl.col("syn").str.strip_chars())
        .filter(
            (pl.col("syn").str.len_chars() > 0)
            & (pl.col("syn") != pl.col("label_en")).fill_null(True)
            & (pl.col("syn") != pl.col("label_da")).fill_null(True)
        )
        .unique(["conceptUri", "syn"], maintain_order=True)
        .group_by("conceptUri", maintain_order=True)
        .agg(pl.col("syn").alias(C.SYNONYMS))
    )
    return frame.drop("syn").join(syn, on="conceptUri", how="left")


def _check_links(
    rel: pl.DataFrame, occupations: pl.DataFrame, skills: pl.DataFrame, source: _Source, strict: bool
) -> pl.DataFrame:
    """Drop links to unknown ids if they are a tiny share (and not ``strict``), else raise with an example."""
    dangling = rel.join(occupations.select(C.OCCUPATION_ID), on=C.OCCUPATION_ID, how="anti")
    dangling = pl.concat([dangling, rel.join(skills.select(C.SKILL_ID), on=C.SKILL_ID, how="anti")]).unique()
    if not dangling.height:
        return rel
    example = dangling.row(0, named=True)
    msg = (
        f"{dangling.height:,} of {rel.height:,} occupation-skill links in {source.where} name an occupation "
        f"or skill missing from the classification files, "
        f"e.g. {example[C.OCCUPATION_ID]} -> {example[C.SKILL_ID]}"
    )
    if strict or dangling.height > DANGLING_TOLERANCE * rel.height:
        raise EscoImportError(msg)
    log.warning("%s; dropping them", msg)
    return rel.join(dangling, on=list(rel.columns), how="anti")
