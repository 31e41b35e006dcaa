"""`jobmatch match`: matches both ways from the embedding indexes, with the reasons behind each."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Annotated

import typer

from cli.context import AsJson, settings
from cli.render import show_json_lines, show_table

if TYPE_CHECKING:
    import polars as pl

    from matching.retrieval import Matcher

match_app = typer.Typer(help="Matches both ways, with explanations.", no_args_is_help=True)

TRANSFER_COLUMNS = ("#", "occupation", "sector", "score", "skills had", "gap", "open jobs")


@match_app.command("seeker")
def match_seeker(
    ctx: typer.Context,
    seeker_id: Annotated[str, typer.Argument(help="Pseudonymous seeker id.")],
    k: Annotated[int, typer.Option(min=1, max=500, help="How many vacancies.")] = 10,
    max_km: Annotated[float | None, typer.Option(help="Distance limit (default: the citizen's own).")] = None,
    as_json: AsJson = False,
) -> None:
    """Open vacancies for a citizen, with the reasons (skills matched and missing, distance, summary)."""
    from matching.retrieval import MatchFilters

    with open_matcher(ctx) as matcher:
        frame = matcher.vacancies_for_seeker(seeker_id, k, MatchFilters(max_distance_km=max_km))
    _show_matches(frame, "vacancy_id", "title", as_json, f"Vacancies for {seeker_id}")


@match_app.command("vacancy")
def match_vacancy(
    ctx: typer.Context,
    vacancy_id: Annotated[str, typer.Argument(help="Vacancy id.")],
    k: Annotated[int, typer.Option(min=1, max=500, help="How many candidates.")] = 10,
    employer_view: Annotated[
        bool, typer.Option("--employer-view", help="Only citizens who consented.")
    ] = False,
    as_json: AsJson = False,
) -> None:
    """Candidates for a vacancy, each within their own commute limit, with the reasons."""
    from matching.retrieval import MatchFilters

    with open_matcher(ctx) as matcher:
        frame = matcher.seekers_for_vacancy(vacancy_id, k, MatchFilters(consent_only=employer_view))
    _show_matches(frame, "seeker_id", "summary_da", as_json, f"Candidates for {vacancy_id}")


@match_app.command("other-industries")
def match_other_industries(
    ctx: typer.Context,
    seeker_id: Annotated[str, typer.Argument(help="Pseudonymous seeker id.")],
    n: Annotated[int, typer.Option(min=1, max=50, help="How many occupations.")] = 5,
    as_json: AsJson = False,
) -> None:
    """Occupations in other industries the citizen's skills transfer to, with the skill gap."""
    from matching.transfer import other_industries

    with open_matcher(ctx) as matcher:
        frame = other_industries(matcher, seeker_id, n)
    if as_json:
        show_json_lines(frame)
        return
    rows = [(str(r["rank"]), r["occupation"], r["sector"], f"{r['score']:.2f}", f"{r['essential_coverage']:.0%}",
             ", ".join(r["gap_skills"][:4]), str(r["open_vacancies"])) for r in frame.iter_rows(named=True)]  # fmt: skip
    show_table(TRANSFER_COLUMNS, rows, title=f"Other industries for {seeker_id}")


@contextmanager
def open_matcher(ctx: typer.Context) -> Iterator[Matcher]:
    """The saved indexes over a read-only store; a missing or damaged index fails with the rebuild hint."""
    from data.store import Store
    from matching.retrieval import Matcher

    s = settings(ctx)
    with Store(s.db_path, read_only=True) as store:
        yield Matcher.open(s, store)


def _show_matches(frame: pl.DataFrame, key: str, label: str, as_json: bool, title: str) -> None:
    """Vacancies (``key`` vacancy_id, ``label`` title) or candidates (seeker_id; the summary is the why)."""
    if as_json:
        show_json_lines(frame)
        return
    rows = [(str(r["rank"]), r[key], r[label] if label != "summary_da" else "", f"{r['similarity']:.3f}",
             f"{r['essential_coverage']:.0%}", f"{r['distance_km']:.1f}", r["summary_da"])
            for r in frame.iter_rows(named=True)]  # fmt: skip
    show_table(("#", key, label, "similarity", "skills", "km", "why"), rows, title=title)
