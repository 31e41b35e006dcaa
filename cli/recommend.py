"""`jobmatch recommend`: queries against the saved models (hybrid recommender, intervention model).

A query never fits or saves anything: a missing or stale model is an error that names `jobmatch build`.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from cli.context import AsJson, settings
from cli.render import console, err, show_json, show_json_lines, show_table
from core.errors import ArtefactError, MissingFileError

if TYPE_CHECKING:
    import polars as pl

    from data.store import Store
    from recommender.interventions import InterventionModel, ProgrammeRecommendation
    from recommender.service import RecommendationService

recommend_app = typer.Typer(
    help="Hybrid recommendations from the saved models, both ways.", no_args_is_help=True
)

REBUILD_HINT = "run `jobmatch build` to fit it on the current data"
PROGRAMME_COLUMNS = ("#", "programme", "effect pp", "90 % interval", "indistinguishable", "note")


@recommend_app.command("seeker")
def recommend_seeker(
    ctx: typer.Context,
    seeker_id: Annotated[str, typer.Argument(help="Pseudonymous seeker id.")],
    k: Annotated[int, typer.Option(min=1, max=200, help="How many vacancies.")] = 10,
    as_json: AsJson = False,
) -> None:
    """Vacancies for a citizen, ranked by the hybrid; shows P(apply), P(employer moves on) and why."""
    with _open_service(ctx) as service:
        _show_recommendations(
            service.for_seeker(seeker_id, k), "vacancy_id", "title", as_json, f"Recommended for {seeker_id}"
        )


@recommend_app.command("vacancy")
def recommend_vacancy(
    ctx: typer.Context,
    vacancy_id: Annotated[str, typer.Argument(help="Vacancy id.")],
    k: Annotated[int, typer.Option(min=1, max=200, help="How many candidates.")] = 10,
    employer_view: Annotated[
        bool, typer.Option("--employer-view", help="Only citizens who consented.")
    ] = False,
    as_json: AsJson = False,
) -> None:
    """Candidates for a vacancy, ranked by the reciprocal (two-sided) score."""
    from matching.retrieval import MatchFilters

    with _open_service(ctx) as service:
        frame = service.for_vacancy(vacancy_id, k, MatchFilters(consent_only=employer_view))
        _show_recommendations(frame, "seeker_id", "summary_da", as_json, f"Candidates for {vacancy_id}")


@recommend_app.command("programmes")
def recommend_programmes_cmd(
    ctx: typer.Context,
    seeker_id: Annotated[str, typer.Argument(help="Pseudonymous seeker id.")],
    employers: Annotated[int, typer.Option(min=0, max=10, help="Employers per company-based programme.")] = 3,
    use_matcher: Annotated[
        bool, typer.Option("--matcher/--no-matcher", help="Employers from the match indexes when built.")
    ] = True,
    as_json: Annotated[bool, typer.Option("--json", help="JSON instead of a table and text.")] = False,
) -> None:
    """Programmes ranked by estimated effect on work within 26 weeks, with intervals, reasons and employers
    (from the intervention model `jobmatch build` fitted)."""
    from data.store import Store
    from recommender.interventions import recommend_programmes

    s = settings(ctx)
    with Store(s.db_path, read_only=True) as store:
        with console.status("loading the intervention model"):
            model = load_intervention_model(s.models_dir, store)
        matcher = None
        if use_matcher:
            from matching.retrieval import Matcher

            try:
                matcher = Matcher.open(s, store)
            except (MissingFileError, ArtefactError) as exc:
                err.print(f"no match indexes ({exc}); employers come from open vacancies in the desired jobs")
        rec = recommend_programmes(
            model, store, seeker_id, matcher=matcher, employers_per_programme=employers
        )
    _show_programmes(rec, as_json)


def load_intervention_model(models_dir: Path, store: Store) -> InterventionModel:
    """The saved model fitted on the store's current data; never fits one (that is `jobmatch build`'s job)."""
    from recommender.interventions import InterventionModel

    try:
        return InterventionModel.load(models_dir, data_version=store.data_version)
    except ArtefactError as exc:
        raise ArtefactError(str(exc.args[0]), hint=REBUILD_HINT) from exc


@contextmanager
def _open_service(ctx: typer.Context) -> Iterator[RecommendationService]:
    from data.store import Store
    from recommender.service import RecommendationService

    s = settings(ctx)
    with Store(s.db_path, read_only=True) as store:
        yield RecommendationService.open(s, store)


def _show_recommendations(frame: pl.DataFrame, key: str, label: str, as_json: bool, title: str) -> None:
    """Vacancies (``key`` vacancy_id, ``label`` title) or candidates (seeker_id; the summary is the why)."""
    if as_json:
        show_json_lines(frame)
        return
    columns = ("#", key, label, "P(apply)", "P(employer)", "score", "skills", "km", "why")
    rows = [(str(r["rank"]), r[key], r[label] if label != "summary_da" else "", f"{r['p_apply']:.2f}",
             f"{r['p_employer']:.2f}", f"{r['reciprocal']:.3f}", f"{r['essential_coverage']:.0%}",
             f"{r['distance_km']:.1f}", f"{r['why_score']}. {r['summary_da']}")
            for r in frame.iter_rows(named=True)]  # fmt: skip
    show_table(columns, rows, title=title)


def _show_programmes(rec: ProgrammeRecommendation, as_json: bool) -> None:
    if as_json:
        show_json({"seeker_id": rec.seeker_id, "ranking": rec.ranking.to_dicts(),
                   "employers": {p: f.to_dicts() for p, f in rec.employers.items()}, "text_da": rec.text_da,
                   "model_data_version": rec.model_data_version})  # fmt: skip
        return
    rows = []
    for r in rec.ranking.iter_rows(named=True):
        if r["supported"]:
            rows.append((str(r["rank"]), r["label_da"], f"{100 * r['effect']:+.1f}",
                         f"{100 * r['lower']:+.1f} … {100 * r['upper']:+.1f}",
                         "=" if r["indistinguishable_from_best"] else "", ""))  # fmt: skip
        else:
            rows.append(("–", r["label_da"], "–", "–", "", r["reason_da"]))
    show_table(PROGRAMME_COLUMNS, rows, title=f"Programmes for {rec.seeker_id}")
    console.print(rec.text_da, highlight=False)
