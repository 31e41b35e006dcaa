"""The intervention model on disk, on the shared artefact scheme (:mod:`core.artefacts`).

Layout: ``<models>/interventions/CURRENT`` and version folders holding ``model.joblib`` (the fitted
scikit-learn and numpy state) and ``manifest.json`` (kind, format version, the file's SHA-256, and as
metadata the data version, the parameters, features, arms and training metrics). ``core.artefacts.load``
verifies kind, format, checksum and the expected metadata before a byte of the joblib file is unpickled.
"""

from __future__ import annotations

import pickle
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import joblib

from core import artefacts, formats
from core.errors import ArtefactError

ARTEFACT_DIR = "interventions"  # under the models folder
ARTEFACT_KIND = "intervention-model"
# Bump (in core/formats.py, with its history) whenever the fitted state changes shape, so older files are
# refused with the refit command.
FORMAT_VERSION = formats.INTERVENTIONS
STATE_FILE = "model.joblib"
REFIT_HINT = "refit it with `jobmatch build`"
VERSION_KEY = "artefact_version"  # read_state adds the live version's folder name to the metadata it returns


def artefact_root(models_dir: str | Path) -> Path:
    """Where the intervention model's versions live inside the models folder."""
    return Path(models_dir) / ARTEFACT_DIR


def write_state(models_dir: str | Path, state: Mapping[str, Any], meta: Mapping[str, Any]) -> Path:
    """A new live version with ``state`` pickled and ``meta`` in the manifest; returns its folder."""

    def fill(folder: Path) -> Mapping[str, Any]:
        joblib.dump(dict(state), folder / STATE_FILE)
        return meta

    return artefacts.save(
        artefact_root(models_dir), kind=ARTEFACT_KIND, format_version=FORMAT_VERSION, fill=fill
    )


def read_state(models_dir: str | Path, expect: Mapping[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    """(state, metadata) of the live version; :class:`ArtefactError` naming the refit otherwise."""
    folder, manifest = artefacts.load(
        artefact_root(models_dir), kind=ARTEFACT_KIND, format_version=FORMAT_VERSION, hint=REFIT_HINT,
        expect=expect,
    )  # fmt: skip
    try:
        state = joblib.load(folder / STATE_FILE)
    except (OSError, EOFError, ValueError, AttributeError, ImportError, pickle.UnpicklingError) as exc:
        raise ArtefactError(f"intervention model {folder} is unreadable ({exc})", hint=REFIT_HINT) from exc
    if not isinstance(state, dict):
        raise ArtefactError(f"{folder / STATE_FILE} holds no intervention model state", hint=REFIT_HINT)
    return state, {**manifest.meta, VERSION_KEY: folder.name}
