"""Relevance as a probability: an isotonic map from the served ranking score to how often citizens applied.

The ranking score orders suggestions well but is not a probability (the citizen side is learned against
sampled non-applications; a ranker may not even be on a probability scale). What a consultant can read is
"of suggestions scored like this one, this share led to an application within the window". The map is
monotone, so it never reorders a list, and model-agnostic: it sees scores and outcomes only.
Its reliability (expected calibration error and a reliability table on a held-out slice) is kept with it.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import polars as pl
from sklearn.isotonic import IsotonicRegression

from core import artefacts, formats

ARTEFACT_KIND = "relevance-calibration"
FORMAT_VERSION = formats.RELEVANCE_CALIBRATION
HINT = "calibrate it with `jobmatch build`"
MIN_POSITIVES = 20  # fewer applications than this in the window: no honest map, no figure
SCORE_COLUMN = "reciprocal"  # the service's ranking score, the one the map reads
CALIBRATED_COLUMN = "p_apply_calibrated"


def calibration_root(models_dir: Path) -> Path:
    return models_dir / "relevance_calibration"


class ScoreCalibrator:
    """Ranking score -> P(the citizen applies within the window), isotonic, clipped to the fitted range."""

    def __init__(self) -> None:
        self.x_: np.ndarray | None = None
        self.y_: np.ndarray | None = None

    def fit(self, scores: np.ndarray, applied: np.ndarray) -> ScoreCalibrator:
        s, y = np.asarray(scores, dtype=float), np.asarray(applied, dtype=float)
        if s.shape != y.shape or s.ndim != 1:
            raise ValueError("scores and outcomes must be 1-d and of the same length")
        if not np.isfinite(s).all() or not np.isin(y, (0.0, 1.0)).all():
            raise ValueError("scores must be finite and outcomes 0/1")
        if y.sum() < MIN_POSITIVES:
            raise ValueError(f"only {int(y.sum())} applications to calibrate on (need {MIN_POSITIVES})")
        iso = IsotonicRegression(y_min=0.0, y_max=1.0, out_of_bounds="clip").fit(s, y)
        self.x_, self.y_ = np.asarray(iso.X_thresholds_), np.asarray(iso.y_thresholds_)
        return self

    def predict(self, scores: np.ndarray) -> np.ndarray:
        if self.x_ is None or self.y_ is None:
            raise ValueError("the calibrator is not fitted: call fit() first")
        value: np.ndarray = np.interp(np.asarray(scores, dtype=float), self.x_, self.y_)
        return value


def reliability_table(predicted: np.ndarray, applied: np.ndarray, bins: int = 10) -> pl.DataFrame:
    """Equal-count bins of the predicted probability: mean prediction, observed rate and its standard error."""
    p, y = np.asarray(predicted, dtype=float), np.asarray(applied, dtype=float)
    order = np.argsort(p, kind="stable")
    rows = []
    for i, idx in enumerate(np.array_split(order, min(bins, len(p)))):
        if len(idx) == 0:
            continue
        rate = float(y[idx].mean())
        rows.append({"bin": i + 1, "n": len(idx), "predicted": float(p[idx].mean()), "observed": rate,
                     "se": float(np.sqrt(max(rate * (1 - rate), 1e-12) / len(idx)))})  # fmt: skip
    return pl.DataFrame(rows, schema={"bin": pl.Int64, "n": pl.Int64, "predicted": pl.Float64,
                                      "observed": pl.Float64, "se": pl.Float64})  # fmt: skip


def expected_calibration_error(predicted: np.ndarray, applied: np.ndarray, bins: int = 10) -> float:
    """Share-weighted mean |predicted - observed| over the reliability table's bins."""
    table = reliability_table(predicted, applied, bins)
    if table.height == 0:
        return float("nan")
    weights = table["n"].to_numpy() / table["n"].sum()
    gap = np.abs(table["predicted"].to_numpy() - table["observed"].to_numpy())
    return float((weights * gap).sum())


# --- persistence -------------------------------------------------------------------------------------


def save_calibration(calibrator: ScoreCalibrator, root: Path, meta: dict[str, Any]) -> Path:
    """A new version next to the hybrid's: the map's knots as .npz (no pickle), reliability in the manifest."""
    if calibrator.x_ is None or calibrator.y_ is None:
        raise ValueError("the calibrator is not fitted: call fit() first")
    x, y = calibrator.x_, calibrator.y_

    def fill(folder: Path) -> dict[str, Any]:
        np.savez(folder / "isotonic.npz", allow_pickle=False, x=x, y=y)
        return meta

    return artefacts.save(root, kind=ARTEFACT_KIND, format_version=FORMAT_VERSION, fill=fill)


def load_calibration(
    root: Path, *, data_version: str | None = None
) -> tuple[ScoreCalibrator, dict[str, Any]]:
    """The live map; one fitted on another data version is refused, naming the fix."""
    folder, manifest = artefacts.load(
        root,
        kind=ARTEFACT_KIND,
        format_version=FORMAT_VERSION,
        hint=HINT,
        expect={"data_version": data_version},
    )
    calibrator = ScoreCalibrator()
    with np.load(folder / "isotonic.npz", allow_pickle=False) as data:
        calibrator.x_, calibrator.y_ = data["x"], data["y"]
    return calibrator, dict(manifest.meta)
