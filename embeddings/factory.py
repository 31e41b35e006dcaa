"""Encoder by name, so a flag or setting picks the backend.

Names: ``minilm`` (bundled all-MiniLM-L6-v2, offline), ``char`` (project-trained char n-gram LSA; needs a
saved model folder or a corpus), ``fusion`` (minilm + char), or any Hugging Face model name / local folder,
optionally prefixed ``st:`` (e.g. ``st:intfloat/multilingual-e5-small``).
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from core.errors import ArtefactError
from embeddings.base import Encoder
from embeddings.lexical import CharNgramEncoder, FusionEncoder
from embeddings.sentence import SentenceTransformerEncoder, bundled_minilm

BUILTIN_NAMES = ("minilm", "char", "fusion")


def make_encoder(
    name: str,
    *,
    char_model: Path | None = None,
    corpus: Sequence[str] | None = None,
    fusion_weight: float = 0.5,
) -> Encoder:
    """Build the named encoder. ``char`` and ``fusion`` load the model saved under ``char_model`` if there is a
    sound one, else fit on ``corpus`` and save it there."""
    if name == "minilm":
        return bundled_minilm()
    if name in ("char", "fusion"):
        char: CharNgramEncoder | None = None
        if char_model is not None and char_model.exists():
            try:
                char = CharNgramEncoder.load(char_model)
            except ArtefactError:
                if corpus is None:  # serving says so; a build (with a corpus) fits a fresh model below
                    raise
        if char is None:
            if corpus is None:
                raise ValueError(f"encoder {name!r} needs a fitted model or a corpus to fit on")
            char = CharNgramEncoder().fit(corpus)
            if char_model is not None:
                char.save(char_model)
        if name == "char":
            return char
        return FusionEncoder([(bundled_minilm(), 1.0 - fusion_weight), (char, fusion_weight)])
    return SentenceTransformerEncoder(name.removeprefix("st:"))
