"""`jobmatch match`: matches both ways from the embedding indexes, with the reasons behind each.

Every list is audited (who asked, what was shown) before it is printed, like the dashboard's lists.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Annotated

import typer

from cli.audit_trail import log, ranked
from cli.context import AsJson, FormatOption, OutputFormat, output_format, settings
from cli.render import show_machine, show_notes, show_table

if TYPE_CHECKING:
    import polars as pl

    from matching.retrieval import Matcher

match_app = typer.Typer(help="Matches both ways, with explanations.", no_args_is_help=True)

VACANCY_COLUMNS = ("#", "vacancy_id", "titel", "lighed", "kompetencer", "km")
CANDIDATE_COLUMNS = ("#", "seeker_id", "lighed", "kompetencer", "km")
TRANSFER_COLUMNS = ("#", "stilling", "sektor", "score", "kompetencer", "ledige job")
WHY = "Hvorfor"


@match_app.command("seeker")
def match_seeker(
    ctx: typer.Context,
    seeker_id: Annotated[str, typer.Argument(help="Pseudonymous seeker id.")],
    k: Annotated[int, typer.Option(min=1, max=500, help="How many vacancies.")] = 10,
    max_km: Annotated[float | None, typer.Option(help="Distance limit (default: the citizen's own).")] = None,
    fmt: FormatOption = "table",
    as_json: AsJson = False,
) -> None:
    """Open vacancies for a citizen, with the reasons (skills matched and missing, distance, summary)."""
    from matching.retrieval import MatchFilters

    with open_matcher(ctx) as matcher:
        frame = matcher.vacancies_for_seeker(seeker_id, k, MatchFilters(max_distance_km=max_km))
        _audit(ctx, matcher, "match_seeker", seeker_id, frame, "vacancy_id", {"max_km": max_km})
    _show_matches(frame, "vacancy_id", output_format(fmt, as_json), f"Stillinger til {seeker_id}")


@match_app.command("vacancy")
def match_vacancy(
    ctx: typer.Context,
    vacancy_id: Annotated[str, typer.Argument(help="Vacancy id.")],
    k: Annotated[int, typer.Option(min=1, max=500, help="How many candidates.")] = 10,
    employer_view: Annotated[
        bool, typer.Option("--employer-view", help="Only citizens who consented.")
    ] = False,
    fmt: FormatOption = "table",
    as_json: AsJson = False,
) -> None:
    """Candidates for a vacancy, each within their own commute limit, with the reasons."""
    from matching.retrieval import MatchFilters

    with open_matcher(ctx) as matcher:
        frame = matcher.seekers_for_vacancy(vacancy_id, k, MatchFilters(consent_only=employer_view))
        _audit(ctx, matcher, "match_vacancy", vacancy_id, frame, "seeker_id", {"consent_only": employer_view})
    _show_matches(frame, "seeker_id", output_format(fmt, as_json), f"Kandidater til {vacancy_id}")


@match_app.command("other-industries")
def match_other_industries(
    ctx: typer.Context,
    seeker_id: Annotated[str, typer.Argument(help="Pseudonymous seeker id.")],
    n: Annotated[int, typer.Option(min=1, max=50, help="How many occupations.")] = 5,
    fmt: FormatOption = "table",
    as_json: AsJson = False,
) -> None:
    """Occupations in other industries the citizen's skills transfer to, with the skill gap."""
    from matching.transfer import other_industries

    with open_matcher(ctx) as matcher:
        frame = other_industries(matcher, seeker_id, n)
        _audit(ctx, matcher, "match_other_industries", seeker_id, frame, "occupation_id", {"n": n})
    fmt = output_format(fmt, as_json)
    if fmt != "table":
        show_machine(frame, fmt)
        return
    rows = [(str(r["rank"]), r["occupation"], r["sector"], f"{r['score']:.2f}", f"{r['essential_coverage']:.0%}",
             str(r["open_vacancies"])) for r in frame.iter_rows(named=True)]  # fmt: skip
    show_table(
        TRANSFER_COLUMNS, rows, title=f"Andre brancher for {seeker_id}", flexible=("stilling", "sektor")
    )
    show_notes("Mangler", ((str(r["rank"]), ", ".join(r["gap_skills"][:4]) or "–")
                           for r in frame.iter_rows(named=True)))  # fmt: skip


@contextmanager
def open_matcher(ctx: typer.Context) -> Iterator[Matcher]:
    """The saved indexes over a read-only store; a missing or damaged index fails with the rebuild hint."""
    from data.store import Store
    from matching.retrieval import Matcher

    s = settings(ctx)
    with Store(s.db_path, read_only=True) as store:
        yield Matcher.open(s, store)


def _audit(ctx: typer.Context, matcher: Matcher, kind: str, subject: str, frame: pl.DataFrame, key: str,
           filters: dict[str, object]) -> None:  # fmt: skip
    score = "similarity" if "similarity" in frame.columns else "score"
    log(ctx, kind, subject, {"filters": filters, "ranked": ranked(frame, key, score)},
        model_version=matcher.encoder.model_id, data_version=matcher.data_version)  # fmt: skip


def _show_matches(frame: pl.DataFrame, key: str, fmt: OutputFormat, title: str) -> None:
    """Vacancies (with their title) or candidates (no name to show), scores in the table, the why below."""
    if fmt != "table":
        show_machine(frame, fmt)
        return
    vacancies = key == "vacancy_id"
    rows = [(str(r["rank"]), r[key], *((r["title"],) if vacancies else ()), f"{r['similarity']:.3f}",
             f"{r['essential_coverage']:.0%}", f"{r['distance_km']:.1f}")
            for r in frame.iter_rows(named=True)]  # fmt: skip
    columns = VACANCY_COLUMNS if vacancies else CANDIDATE_COLUMNS
    show_table(columns, rows, title=title, flexible=("titel",))
    show_notes(WHY, ((str(r["rank"]), r["summary_da"]) for r in frame.iter_rows(named=True)))
