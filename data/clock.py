"""What "today" is for the product, and so which vacancies are still open.

A vacancy is open while its status says so *and* its deadline has not passed: the status column is only
as fresh as the last import, the deadline is a fact. "Today" is the store's own reference date where it
records one (a synthetic world is a snapshot taken on its generator's clock, and stays usable after the
calendar has moved on), else the calendar's date, asked at the moment of the query.
"""

from __future__ import annotations

from datetime import date

import polars as pl

REFERENCE_DATE_KEY = "reference_date"  # store meta: the world's own "today", ISO date


def reference_date(recorded: str | None) -> date:
    """The one decision of "today": the store's recorded date (meta ``reference_date``), else the calendar's."""
    return date.fromisoformat(recorded) if recorded else date.today()


def open_vacancy(today: date) -> pl.Expr:
    """Polars filter for vacancies open on ``today``: status open and a deadline on or after it."""
    return (pl.col("status") == "open") & (pl.col("deadline") >= today)


OPEN_VACANCY_SQL = "v.status = 'open' AND v.deadline >= ?"  # the same rule in SQL; parameter: today
