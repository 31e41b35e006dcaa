"""The recommender evaluation on worlds other than the installation's: a generated world of a given form
and seed (in a temporary folder, thrown away after), or another store file. Each is built as ``jobmatch
build`` would (the char encoder fitted on its taxonomy and texts) and adds its section to the report."""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any

from core.settings import Settings
from data.store import Store
from data.synthetic.generate import WorldSize
from data.synthetic.world import generate_store
from embeddings.base import Encoder
from embeddings.texts import seeker_texts, vacancy_texts
from evaluation.recommender import run_recommender_evaluation
from matching.build import load_encoder


def evaluate_store_file(
    db_path: Path, settings: Settings, out_dir: Path, *, seed: int = 0, progress: bool = True
) -> dict[str, Any]:
    """Evaluate the world in ``db_path`` with an encoder fitted to it (in a temporary models folder)."""
    with (
        tempfile.TemporaryDirectory(prefix="jobmatch-world-") as tmp,
        Store(db_path, read_only=True) as store,
    ):
        encoder = fitted_encoder(store, settings.at_home(Path(tmp)))
        return run_recommender_evaluation(store, encoder, out_dir, seed=seed, progress=progress, home=False)


def fitted_encoder(store: Store, own: Settings) -> Encoder:
    """The encoder ``jobmatch build`` would fit for this world (its models kept in ``own``'s home)."""
    taxonomy = store.load_taxonomy(store.meta("taxonomy") or "builtin")
    # the corpus `jobmatch build` fits the char model on: vacancy texts, then seeker texts
    texts = vacancy_texts(store.table("vacancies"), taxonomy) + seeker_texts(store.table("seekers"), taxonomy)
    return load_encoder(own, taxonomy, texts)


def evaluate_world_form(
    settings: Settings, form: str, world_seed: int, out_dir: Path, *, seed: int = 0, progress: bool = True
) -> dict[str, Any]:
    """Generate a world of ``form`` and ``world_seed`` at the configured size, evaluate it, add its section."""
    size = WorldSize(seekers=settings.seekers, vacancies=settings.vacancies, interactions=settings.interactions,
                     episodes=settings.episodes, seed=world_seed, world_form=form)  # fmt: skip
    with tempfile.TemporaryDirectory(prefix="jobmatch-world-") as tmp:
        path = Path(tmp) / "world.duckdb"
        generate_store(path, size, settings.taxonomy, show_progress=False)
        return evaluate_store_file(path, settings, out_dir, seed=seed, progress=progress)
