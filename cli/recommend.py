"""`jobmatch recommend`: queries against the saved models (hybrid recommender, intervention model).

A query never fits or saves anything: a missing or stale model is an error that names `jobmatch build`.
Every list is audited (who asked, what was shown) before it is printed, like the dashboard's lists.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from cli.audit_trail import log, ranked
from cli.context import AsJson, FormatOption, OutputFormat, output_format, settings
from cli.render import console, err, show_json, show_machine, show_notes, show_table
from core.errors import ArtefactError, MissingFileError

if TYPE_CHECKING:
    import polars as pl

    from recommender.interventions import InterventionModel, ProgrammeRecommendation
    from recommender.service import RecommendationService

recommend_app = typer.Typer(
    help="Hybrid recommendations from the saved models, both ways.", no_args_is_help=True
)

REBUILD_HINT = "run `jobmatch build` to fit it on the current data"
# The band is called an interval of a level only where that level's coverage was measured (interval_level).
PROGRAMME_COLUMNS = ("#", "indsats", "anslået effekt pp", "usikkerhed", "P(bedst)", "lige god")
VACANCY_COLUMNS = ("#", "vacancy_id", "titel", "P(søg)", "P(arbg.)", "score", "km")
CANDIDATE_COLUMNS = ("#", "seeker_id", "P(søg)", "P(arbg.)", "score", "kompetencer", "km")


@recommend_app.command("seeker")
def recommend_seeker(
    ctx: typer.Context,
    seeker_id: Annotated[str, typer.Argument(help="Pseudonymous seeker id.")],
    k: Annotated[int, typer.Option(min=1, max=200, help="How many vacancies.")] = 10,
    fmt: FormatOption = "table",
    as_json: AsJson = False,
) -> None:
    """Vacancies for a citizen, ranked by the hybrid; shows P(apply), P(employer moves on) and why."""
    with _open_service(ctx) as service:
        frame = service.for_seeker(seeker_id, k)
        _audit(ctx, service, "recommend_seeker", seeker_id, frame, "vacancy_id", {})
    _show_recommendations(frame, "vacancy_id", output_format(fmt, as_json), f"Anbefalet til {seeker_id}")


@recommend_app.command("vacancy")
def recommend_vacancy(
    ctx: typer.Context,
    vacancy_id: Annotated[str, typer.Argument(help="Vacancy id.")],
    k: Annotated[int, typer.Option(min=1, max=200, help="How many candidates.")] = 10,
    employer_view: Annotated[
        bool, typer.Option("--employer-view", help="Only citizens who consented.")
    ] = False,
    fmt: FormatOption = "table",
    as_json: AsJson = False,
) -> None:
    """Candidates for a vacancy, ranked by the reciprocal (two-sided) score."""
    from matching.retrieval import MatchFilters

    with _open_service(ctx) as service:
        frame = service.for_vacancy(vacancy_id, k, MatchFilters(consent_only=employer_view))
        _audit(
            ctx, service, "recommend_vacancy", vacancy_id, frame, "seeker_id", {"consent_only": employer_view}
        )
    _show_recommendations(frame, "seeker_id", output_format(fmt, as_json), f"Kandidater til {vacancy_id}")


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
            model = load_intervention_model(s.models_dir)
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
        payload = {"ranked": [{k: v for k, v in r.items() if k in ("programme", "rank", "effect", "supported")}
                              for r in rec.ranking.iter_rows(named=True)],
                   "employers": {p: f["employer_id"].to_list() for p, f in rec.employers.items()}}  # fmt: skip
        log(ctx, "recommend_programmes", seeker_id, payload,
            model_version=rec.model_data_version, data_version=store.data_version)  # fmt: skip
    _show_programmes(rec, as_json)


def load_intervention_model(models_dir: Path) -> InterventionModel:
    """The release's saved model (fitted on this world or, after an import, an earlier version of it: new
    citizens are scored from their covariates); never fits one (that is `jobmatch build`'s job)."""
    from recommender.interventions import InterventionModel

    try:
        return InterventionModel.load(models_dir)
    except ArtefactError as exc:
        raise ArtefactError(str(exc.args[0]), hint=REBUILD_HINT) from exc


@contextmanager
def _open_service(ctx: typer.Context) -> Iterator[RecommendationService]:
    from data.store import Store
    from recommender.service import RecommendationService

    s = settings(ctx)
    with Store(s.db_path, read_only=True) as store:
        yield RecommendationService.open(s, store)


def _audit(ctx: typer.Context, service: RecommendationService, kind: str, subject: str, frame: pl.DataFrame,
           key: str, filters: dict[str, object]) -> None:  # fmt: skip
    log(ctx, kind, subject, {"filters": filters, "ranked": ranked(frame, key, "reciprocal")},
        model_version=service.model_version, data_version=service.matcher.data_version)  # fmt: skip


def _show_recommendations(frame: pl.DataFrame, key: str, fmt: OutputFormat, title: str) -> None:
    """Vacancies (with their title) or candidates (no name to show); the why on its own line below."""
    if fmt != "table":
        show_machine(frame, fmt)
        return
    if key == "vacancy_id":
        columns = VACANCY_COLUMNS
        rows = [(str(r["rank"]), r[key], r["title"], f"{r['p_apply']:.2f}", f"{r['p_employer']:.2f}",
                 f"{r['reciprocal']:.3f}", f"{r['distance_km']:.1f}") for r in frame.iter_rows(named=True)]  # fmt: skip
    else:
        columns = CANDIDATE_COLUMNS
        rows = [(str(r["rank"]), r[key], f"{r['p_apply']:.2f}", f"{r['p_employer']:.2f}", f"{r['reciprocal']:.3f}",
                 f"{r['essential_coverage']:.0%}", f"{r['distance_km']:.1f}") for r in frame.iter_rows(named=True)]  # fmt: skip
    show_table(columns, rows, title=title, flexible=("titel",))
    show_notes("Hvorfor", ((str(r["rank"]), f"{r['why_score']}. {r['summary_da']}")
                           for r in frame.iter_rows(named=True)))  # fmt: skip


def _show_programmes(rec: ProgrammeRecommendation, as_json: bool) -> None:
    if as_json:
        show_json({"seeker_id": rec.seeker_id, "ranking": rec.ranking.to_dicts(),
                   "employers": {p: f.to_dicts() for p, f in rec.employers.items()}, "text_da": rec.text_da,
                   "model_data_version": rec.model_data_version})  # fmt: skip
        return
    rows, notes = [], []
    for r in rec.ranking.iter_rows(named=True):
        if r["supported"]:
            band = f"{100 * r['lower']:+.1f} … {100 * r['upper']:+.1f}"
            if r["interval_level"]:
                band += f" ({100 * r['interval_level']:.0f} %)"
            rows.append((str(r["rank"]), r["label_da"], f"{100 * r['effect']:+.1f}", band,
                         "–" if r["prob_best_shown"] is None else f"{r['prob_best_shown']:.0%}",
                         "=" if r["indistinguishable_from_best"] else ""))  # fmt: skip
        else:
            rows.append(("–", r["label_da"], "–", "–", "–", ""))
            notes.append((r["label_da"], r["reason_da"]))
    show_table(PROGRAMME_COLUMNS, rows, title=f"Indsatser for {rec.seeker_id}", flexible=("indsats",))
    show_notes("Uden skøn", notes)
    console.print("usikkerhed: et niveau (90 %) står kun, hvor dækningen er målt; P(bedst) står kun, hvor det er "
                  "målt, at den slags sandsynligheder holder; lige god: mindst 5 % sandsynlighed for at være mindst "
                  "lige så god som den bedste", highlight=False)  # fmt: skip
    console.print(rec.text_da, highlight=False)
