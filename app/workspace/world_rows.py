"""World rows beside operations-store rows: decisions live in the operations store, vacancies and employers
in the world store, so a view that shows both reads each and joins them here (order of the ops rows kept)."""

from __future__ import annotations

import polars as pl

from app.workspace.base import WorkspaceBase
from data import columns as C

VACANCY_SCHEMA = {C.VACANCY_ID: pl.String(), "title": pl.String(), C.EMPLOYER_ID: pl.String(),
                  "employer": pl.String()}  # fmt: skip


def vacancy_rows(ws: WorkspaceBase, vacancy_ids: list[str]) -> pl.DataFrame:
    """Each known vacancy of ``vacancy_ids`` with its title, employer id and employer name."""
    ids = sorted({v for v in vacancy_ids if v is not None})
    if not ids:
        return pl.DataFrame(schema=VACANCY_SCHEMA)
    found = ws._q("SELECT v.vacancy_id, v.title, v.employer_id, e.name AS employer FROM vacancies v "
                  "LEFT JOIN employers e USING (employer_id) WHERE v.vacancy_id IN (SELECT unnest(?::VARCHAR[]))",
                  [ids])  # fmt: skip
    return found.cast(VACANCY_SCHEMA)  # type: ignore[arg-type]


def with_vacancies(ws: WorkspaceBase, frame: pl.DataFrame, how: str = "left") -> pl.DataFrame:
    """``frame`` (with a ``vacancy_id`` column) with each vacancy's title and employer beside it; ``how="inner"``
    drops rows whose vacancy the world does not know."""
    facts = vacancy_rows(ws, frame[C.VACANCY_ID].to_list())
    return frame.join(facts, on=C.VACANCY_ID, how=how, maintain_order="left")  # type: ignore[arg-type]
