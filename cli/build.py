"""`jobmatch build` (every derived artefact, the only command that fits models) and `jobmatch refresh` (new
rows served without retraining). Both write a new release and publish it when done (core/releases.py)."""

from __future__ import annotations

from typing import Any

import typer

from cli.context import settings
from cli.progress import steps
from cli.render import console, say, show_table
from core.settings import Settings, writing_release

commands = typer.Typer()

INDEX_COLUMNS = ("index", "mode", "kind", "vectors", "encoded", "upserted", "removed", "seconds")


@commands.command()
def build(
    ctx: typer.Context,
    force: bool = typer.Option(
        False, "--force", help="Retrain even if the live release is built for this world."
    ),
) -> None:
    """Build every derived artefact: embeddings (cached), both FAISS indexes (incremental), the hybrid
    recommender and the intervention model, in a new release that goes live when all of it is done (the
    running dashboards switch to it). A release already built for this world and these settings is kept."""
    from app.refresh import build_fingerprint, built_for

    s = settings(ctx)
    _require_world(s)
    wanted = build_fingerprint(s)
    if not force and built_for(s, wanted):
        say(f"up to date: release {s.release or '(in place)'} is built for data version {wanted['data_version']} "
            "with these settings; `jobmatch build --force` retrains anyway")  # fmt: skip
        return
    with writing_release(s, what="build") as w:
        _build(w, wanted)
    say(f"release {s.live().release} is live")


def _build(s: Settings, fingerprint: dict[str, Any]) -> None:
    from app.refresh import copy_decisions, record_build
    from data.store import Store
    from matching.build import build_indexes
    from recommender.calibration_build import calibrate_and_save
    from recommender.interventions import load_or_fit
    from recommender.interventions.precomputed import ensure_programme_table
    from recommender.service import train_and_save

    with steps("taking over the consultants' decisions for training") as step:
        decided = copy_decisions(s)
        step("building the indexes")
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
    record_build(s, fingerprint)
    rows = []
    for side in ("vacancies", "seekers"):
        st = stats[side]
        rows.append((side, st["mode"], st["kind"], f"{st['count']:,}", f"{st['encoded']:,}",
                     f"{st['upserted']:,}", f"{st['removed']:,}", str(st["seconds"])))  # fmt: skip
    show_table(INDEX_COLUMNS, rows, title=f"Indexes (encoder {stats['encoder']})")
    console.print(
        f"hybrid recommender trained in {trained['seconds']} s: the ranker on {trained['ranker_events']:,} events "
        f"in eight-week windows (LightFM on the {trained['train_positives']:,} positives before the last one)"
    )
    console.print(calibration_note)
    console.print(f"intervention model {intervention_note}")
    console.print(f"{decided:,} new consultant decisions taken into training")


@commands.command()
def refresh(ctx: typer.Context) -> None:
    """Serve new or changed rows without retraining: embed them, upsert both indexes, publish a new release
    (run after every import, which does it itself, and on a schedule). Nothing to do: nothing written."""
    from app.refresh import is_current, refresh_release

    s = settings(ctx)
    _require_world(s)
    if is_current(s):
        say(f"up to date: release {s.release or '(in place)'} serves its world")
        return
    with writing_release(s, what="refresh") as w, steps("refreshing") as step:
        report = refresh_release(w, progress=step)
    say(f"{report.summary()}; release {s.live().release} is live")


def _require_world(s: Settings) -> None:
    """Refuse (naming how to create one) before any release is started for a home without a world."""
    from data.store import Store

    if not s.db_path.exists():
        Store(s.db_path, read_only=True)


def _calibrate(calibrate: Any, s: Any) -> str:
    """Fit the relevance calibration; a world with too few applications gets none (cards then say so)."""
    try:
        c = calibrate(s, seed=s.seed)
    except ValueError as exc:
        return f"relevance not calibrated ({exc}); cards show no probability"
    return (
        f"relevance calibrated to P(applies within {c['window_weeks']} weeks): ECE "
        f"{100 * c['ece_held_out']:.3f} pp on {c['pairs_held_out']:,} held-out suggestions "
        f"(base rate {100 * c['base_rate_held_out']:.2f} %) in {c['seconds']} s"
    )
