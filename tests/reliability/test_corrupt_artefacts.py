"""Damaged artefacts: each is refused with a message naming the file and the way back, never served.

A small world is built once (indexes, char encoder, hybrid model); every test damages a private copy,
checks the refusal, takes the way back the message names, and compares the answers with the originals.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from core.errors import ArtefactError, StoreError
from core.settings import Settings, load_settings
from data.store import Store
from data.synthetic.generate import WorldSize
from data.synthetic.world import generate_store
from embeddings.lexical import CharNgramEncoder
from matching.build import build_indexes, char_model_path
from matching.index import VectorIndex
from matching.retrieval import Matcher
from recommender.hybrid import load_hybrid
from recommender.service import RecommendationService, model_root, train_and_save

TINY_WORLD = WorldSize(seekers=300, vacancies=150, interactions=2_100, episodes=300, seed=7)


def _settings(home: Path) -> Settings:
    return load_settings(home=home, encoder="char", index_kind="auto")


def _answers(settings: Settings, seeker: str) -> dict[str, Any]:
    """What a consultant sees for one citizen: matches and recommendations (ids and rounded scores)."""
    with Store(settings.db_path) as store:
        service = RecommendationService.open(settings, store)
        matches = service.matcher.vacancies_for_seeker(seeker, 10)
        recs = service.for_seeker(seeker, 10)
    return {
        "match": list(zip(matches["vacancy_id"], _round(matches["similarity"], 5), strict=True)),
        "recommend": list(zip(recs["vacancy_id"], _round(recs["reciprocal"], 6), strict=True)),
    }


def _round(values: Any, digits: int) -> list[float]:
    return [round(float(v), digits) for v in values]


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str, dict[str, Any]]:
    """A built home (indexes + model), a citizen with matches, and the answers for them."""
    home = tmp_path_factory.mktemp("built")
    settings = _settings(home)
    generate_store(settings.db_path, TINY_WORLD, show_progress=False)
    build_indexes(settings)
    train_and_save(settings, seed=settings.seed)
    with Store(settings.db_path) as store:
        matcher = Matcher.open(settings, store)
        seeker = next(
            s for s in store.table("seekers")["seeker_id"] if matcher.vacancies_for_seeker(s, 10).height >= 3
        )
    answers = _answers(settings, seeker)
    assert len(answers["match"]) >= 3 and len(answers["recommend"]) >= 3
    return home, seeker, answers


@pytest.fixture()
def home(built: tuple[Path, str, dict[str, Any]], tmp_path: Path) -> Path:
    copy = tmp_path / "home"
    shutil.copytree(built[0], copy)
    return copy


def _live(root: Path) -> Path:
    return root / (root / "CURRENT").read_text().strip()


def _refused(settings: Settings, seeker: str, error: type[Exception]) -> str:
    with Store(settings.db_path) as store, pytest.raises(error) as info:
        service = RecommendationService.open(settings, store)
        service.for_seeker(seeker, 10)
    return str(info.value)


def _rebuilt_answers_match(
    settings: Settings, built: tuple[Path, str, dict[str, Any]], *, train: bool
) -> None:
    build_indexes(settings)
    if train:
        train_and_save(settings, seed=settings.seed)
    assert _answers(settings, built[1]) == built[2]


# --- indexes ------------------------------------------------------------------------------------------


def _truncate(path: Path, keep: float = 0.5) -> None:
    data = path.read_bytes()
    path.write_bytes(data[: int(len(data) * keep)])


def _flip_alive(path: Path) -> None:
    alive = np.load(path)
    np.save(path, ~alive)  # same size, same header: only a checksum notices


def _swap_with_seekers(path: Path) -> None:
    other = _live(path.parents[2] / "seekers") / path.name
    shutil.copy(other, path)


INDEX_DAMAGE = {
    "truncated index.faiss": ("index.faiss", _truncate, "fails its checksum"),
    "index.faiss of the other index": ("index.faiss", _swap_with_seekers, "fails its checksum"),
    "ids.npy of the other index": ("ids.npy", _swap_with_seekers, "fails its checksum"),
    "alive.npy flipped (same size)": ("alive.npy", _flip_alive, "fails its checksum"),
    "truncated hashes.npy": ("hashes.npy", _truncate, "fails its checksum"),
    "hashes.npy missing": ("hashes.npy", lambda p: p.unlink(), "is missing"),
    "index.faiss missing": ("index.faiss", lambda p: p.unlink(), "is missing"),
}


@pytest.mark.parametrize("case", list(INDEX_DAMAGE))
def test_damaged_index_file_is_refused_naming_it_and_rebuilt(
    case: str, home: Path, built: tuple[Path, str, dict[str, Any]]
) -> None:
    name, damage, problem = INDEX_DAMAGE[case]
    settings = _settings(home)
    target = _live(settings.indexes_dir / "vacancies") / name
    damage(target)
    message = _refused(settings, built[1], ArtefactError)
    assert problem in message and str(target) in message and "`jobmatch build`" in message
    _rebuilt_answers_match(settings, built, train=False)


def test_unreadable_manifest_and_dangling_pointer(
    home: Path, built: tuple[Path, str, dict[str, Any]]
) -> None:
    settings = _settings(home)
    folder = _live(settings.indexes_dir / "seekers")
    (folder / "manifest.json").write_text("{ not json")
    message = _refused(settings, built[1], ArtefactError)
    assert "no readable manifest" in message and str(folder) in message and "`jobmatch build`" in message
    (settings.indexes_dir / "vacancies" / "CURRENT").write_text("v-gone")
    message = _refused(settings, built[1], ArtefactError)
    assert "names a missing version v-gone" in message and "`jobmatch build`" in message
    _rebuilt_answers_match(settings, built, train=False)


def test_index_with_a_different_dimension_is_refused(
    home: Path, built: tuple[Path, str, dict[str, Any]]
) -> None:
    """A manifest claiming another dimension, then an encoder of another dimension: both refused."""
    settings = _settings(home)
    manifest_path = _live(settings.indexes_dir / "vacancies") / "manifest.json"
    manifest = json.loads(manifest_path.read_text())
    manifest["meta"]["dim"] = 128
    manifest_path.write_text(json.dumps(manifest))
    message = _refused(settings, built[1], ArtefactError)
    assert "is for dimension 128, expected 256" in message and "`jobmatch build`" in message
    _rebuilt_answers_match(settings, built, train=False)
    # An encoder of another dimension (64) in place of the one the indexes were built with.
    with Store(settings.db_path) as store:
        corpus = store.table("vacancies")["description"].to_list()
    CharNgramEncoder(dim=64).fit(corpus).save(char_model_path(settings))
    message = _refused(settings, built[1], ArtefactError)
    assert "char-lsa:256:" in message and "char-lsa:64:" in message and "`jobmatch build`" in message
    build_indexes(settings)
    train_and_save(settings, seed=settings.seed)
    with Store(settings.db_path) as store:
        assert Matcher.open(settings, store).vacancies.index.index.d == 64


def test_cached_embeddings_of_a_wrong_dimension_are_reencoded_not_used(
    home: Path, built: tuple[Path, str, dict[str, Any]]
) -> None:
    """Was: a full rebuild over a damaged cache crashed with a ValueError and no way back."""
    settings = _settings(home)
    with Store(settings.db_path, read_only=False) as store:
        store.execute("UPDATE embedding_cache SET vector = vector[1:128]")  # every cached vector is cut short
        damaged = store.count("embedding_cache")
    shutil.rmtree(settings.indexes_dir / "vacancies")  # a full rebuild of one side reads the cache
    stats = build_indexes(settings)
    assert stats["vacancies"]["mode"] == "full" and stats["vacancies"]["encoded"] > 0
    with Store(settings.db_path) as store:
        lengths = store.query("SELECT len(vector) AS n, count(*) AS rows FROM embedding_cache GROUP BY 1")
    assert set(lengths["n"].to_list()) == {128, 256}  # the vacancies' vectors replaced, the seekers' not yet
    assert lengths["rows"].sum() == damaged
    assert _answers(settings, built[1]) == built[2]


def test_index_from_another_data_version_is_refused(
    home: Path, built: tuple[Path, str, dict[str, Any]]
) -> None:
    settings = _settings(home)
    with Store(settings.db_path, read_only=False) as store:
        old, new = store.data_version, store.bump_data_version()
    message = _refused(settings, built[1], ArtefactError)
    assert f"is for data version {old}, expected {new}" in message and "`jobmatch build`" in message
    _rebuilt_answers_match(settings, built, train=True)


def test_damaged_char_encoder_is_refused_and_refitted_by_build(
    home: Path, built: tuple[Path, str, dict[str, Any]]
) -> None:
    settings = _settings(home)
    fitted = CharNgramEncoder.load(char_model_path(settings)).model_id
    target = _live(char_model_path(settings)) / "encoder.npz"
    _truncate(target)
    message = _refused(settings, built[1], ArtefactError)
    assert str(target) in message and "fails its checksum" in message
    assert "`jobmatch build`" in message
    stats = build_indexes(settings)  # refits the encoder on the same corpus: the same model, indexes kept
    assert stats["encoder"] == fitted and stats["seekers"]["mode"] == "incremental"
    assert _answers(settings, built[1]) == built[2]


# --- the hybrid model ---------------------------------------------------------------------------------


def _model_from_other_version(path: Path) -> None:
    manifest = json.loads(path.read_text())
    manifest["meta"]["data_version"] = "20250101T000000-0ther000"
    path.write_text(json.dumps(manifest))


MODEL_DAMAGE = {
    "truncated manifest.json": ("manifest.json", _truncate, "no readable manifest"),
    "truncated lightfm.npz": ("lightfm.npz", _truncate, "fails its checksum"),
    "lightfm.npz missing": ("lightfm.npz", lambda p: p.unlink(), "is missing"),
}


@pytest.mark.parametrize("case", list(MODEL_DAMAGE))
def test_damaged_model_is_refused_naming_it_and_retrained(
    case: str, home: Path, built: tuple[Path, str, dict[str, Any]]
) -> None:
    name, damage, problem = MODEL_DAMAGE[case]
    settings = _settings(home)
    folder = _live(model_root(settings))
    damage(folder / name)
    message = _refused(settings, built[1], ArtefactError)
    assert problem in message and str(folder) in message and "`jobmatch build`" in message
    with Store(settings.db_path) as store, pytest.raises(ArtefactError):
        load_hybrid(model_root(settings), data_version=store.data_version)
    _rebuilt_answers_match(settings, built, train=True)


def test_a_model_trained_on_an_earlier_data_version_serves_the_same_answers(
    home: Path, built: tuple[Path, str, dict[str, Any]]
) -> None:
    """After an import the model is older than the world: a release serves it (new rows are scored from
    their features) instead of refusing every suggestion until a rebuild."""
    settings = _settings(home)
    _model_from_other_version(_live(model_root(settings)) / "manifest.json")
    assert _answers(settings, built[1]) == built[2]


def test_an_older_index_version_on_disk_is_never_served(
    home: Path, built: tuple[Path, str, dict[str, Any]]
) -> None:
    """After a rebuild the previous version stays on disk; damaging it changes nothing that is served."""
    settings = _settings(home)
    with Store(settings.db_path, read_only=False) as store:
        store.bump_data_version()
    build_indexes(settings)
    train_and_save(settings, seed=settings.seed)
    root = settings.indexes_dir / "vacancies"
    old = [p for p in root.iterdir() if p.is_dir() and p != _live(root)]
    assert len(old) == 1
    _truncate(old[0] / "index.faiss")
    assert _answers(settings, built[1]) == built[2]
    VectorIndex.load(root)  # the live version is intact


# --- the store ----------------------------------------------------------------------------------------


def _jobmatch(home: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-c", "import cli; cli.main()", "--home", str(home), *args],
                          capture_output=True, text=True, check=False)  # fmt: skip


def test_missing_store_is_named_with_the_way_back_and_never_created(tmp_path: Path) -> None:
    home = tmp_path / "empty-home"
    settings = _settings(home)
    with pytest.raises(StoreError) as info:
        Store(settings.db_path)
    assert f"no store at {settings.db_path}" in str(info.value) and "`jobmatch generate`" in str(info.value)
    with pytest.raises(StoreError, match="jobmatch generate"):
        build_indexes(settings)
    assert not settings.db_path.exists()
    csv = tmp_path / "employers.csv"
    csv.write_text("employer_id,name,industry,municipality,size\nE-1,Firma,Handel,Odense,1-9\n")
    for args in (["import", "employers", str(csv)], ["build"]):
        proc = _jobmatch(home, *args)
        assert proc.returncode == 2, (args, proc.stdout, proc.stderr)
        assert "Traceback" not in proc.stderr
        assert f"no store at {settings.db_path}" in proc.stderr and "jobmatch generate" in proc.stderr
        assert not settings.db_path.exists(), f"{args} left an empty store behind"


def test_damaged_store_file_is_named_with_the_way_back(tmp_path: Path) -> None:
    path = tmp_path / "jobmatch.duckdb"
    path.write_bytes(b"not a database" * 1000)
    with pytest.raises(StoreError) as info:
        Store(path)
    assert str(path) in str(info.value) and "`jobmatch generate`" in str(info.value)


def test_cli_refuses_a_truncated_index_in_one_line_and_build_repairs_it(
    home: Path, built: tuple[Path, str, dict[str, Any]]
) -> None:
    settings = _settings(home)
    target = _live(settings.indexes_dir / "seekers") / "index.faiss"
    _truncate(target, 0.9)
    proc = _jobmatch(home, "match", "seeker", built[1], "--json")
    assert proc.returncode == 2 and "Traceback" not in proc.stderr and proc.stdout == ""
    assert str(target) in proc.stderr.replace("\n", "") and "jobmatch build" in proc.stderr
    assert _jobmatch(home, "build").returncode == 0
    assert _answers(settings, built[1]) == built[2]
