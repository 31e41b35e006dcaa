"""`jobmatch build`: every derived artefact, the only command that fits and saves models."""

from __future__ import annotations

from typing import Any

import typer

from cli.context import settings
from cli.progress import steps
from cli.render import console, show_table

commands = typer.Typer()

INDEX_COLUMNS = ("index", "mode", "kind", "vectors", "encoded", "upserted", "removed", "seconds")


@commands.command()
def build(ctx: typer.Context) -> None:
    """Build every derived artefact: embeddings (cached), both FAISS indexes (incremental), the hybrid
    recommender and the intervention model."""
    from data.store import Store
    from matching.build import build_indexes
    from recommender.calibration_build import calibrate_and_save
    from recommender.interventions import load_or_fit
    from recommender.interventions.precomputed import ensure_programme_table
    from recommender.service import train_and_save

    s = settings(ctx)
    with steps("building the indexes") as step:
        stats = build_indexes(s, progress=step)
        step("training the hybrid recommender")
        trained = train_and_save(s, seed=s.seed)
        step("calibrating relevance on held-out history")
        calibration_note = _calibrate(calibrate_and_save, s)
        step("fitting the intervention model (kept if the data has not changed)")
        with Store(s.db_path, read_only=True) as store:
            try:
                model, refitted = load_or_fit(s.models_dir, store)
                intervention_note = "fitted" if refitted else "up to date"
                step(
                    "precomputing every citizen's programme suggestions (kept if model and data are unchanged)"
                )
                intervention_note += f"; programme table {ensure_programme_table(s, model, store)}"
            except ValueError as exc:  # too few episodes per programme in a tiny world
                intervention_note = f"not fitted ({exc}); programme suggestions stay off"
    rows = []
    for side in ("vacancies", "seekers"):
        st = stats[side]
        rows.append((side, st["mode"], st["kind"], f"{st['count']:,}", f"{st['encoded']:,}",
                     f"{st['upserted']:,}", f"{st['removed']:,}", str(st["seconds"])))  # fmt: skip
    show_table(INDEX_COLUMNS, rows, title=f"Indexes in {s.indexes_dir} (encoder {stats['encoder']})")
    console.print(
        f"hybrid recommender trained on {trained['train_positives']:,} positives + {trained['ranker_events']:,} "
        f"recent events in {trained['seconds']} s -> {trained['folder']}"
    )
    console.print(calibration_note)
    console.print(f"intervention model {intervention_note} in {s.models_dir}")


def _calibrate(calibrate: Any, s: Any) -> str:
    """Fit the relevance calibration; a world with too few applications gets none (cards then say so)."""
    try:
        c = calibrate(s, seed=s.seed)
    except ValueError as exc:
        return f"relevance not calibrated ({exc}); cards show no probability"
    return (
        f"relevance calibrated to P(applies within {c['window_weeks']} weeks): ECE "
        f"{100 * c['ece_held_out']:.3f} pp on {c['pairs_held_out']:,} held-out suggestions "
        f"(base rate {100 * c['base_rate_held_out']:.2f} %) in {c['seconds']} s -> {c['report']}"
    )
