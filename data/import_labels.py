"""Occupation and skill *labels* in an import file become the taxonomy's ids, and the report shows each link.

A file may say ``Kundeservice`` where the store keeps ``dk.s.kundeservice``: a cell that is not an id but is
exactly one occupation's or skill's Danish or English label (letter case aside) is replaced by that id. A
label two concepts share is left alone, so the reference check then names it as unknown.
"""

from __future__ import annotations

from collections import Counter

import polars as pl

from data.store import Store

# Columns holding occupation or skill ids, per importable table.
ID_COLUMNS: dict[str, dict[str, str]] = {
    "vacancies": {"occupation_id": "occupation", "essential_skills": "skill", "optional_skills": "skill"},
    "seekers": {"desired_occupations": "occupation", "skills": "skill"},
}


def link_labels(store: Store, table: str, frame: pl.DataFrame) -> tuple[pl.DataFrame, dict[str, str]]:
    """The frame with labels replaced by ids, and the links made (label as written -> id)."""
    columns = ID_COLUMNS.get(table, {})
    if not columns:
        return frame, {}
    taxonomy = store.meta("taxonomy") or "builtin"
    lookups = {what: _lookup(store, taxonomy, what) for what in set(columns.values())}
    links: dict[str, str] = {}
    for column, what in columns.items():
        ids, by_label = lookups[what]

        def to_id(value: str, ids: set[str] = ids, by_label: dict[str, str] = by_label) -> str:
            if value in ids or value.lower() not in by_label:
                return value
            links[value] = by_label[value.lower()]
            return links[value]

        series = frame[column]
        if series.dtype == pl.String:
            mapped = pl.Series(column, [None if v is None else to_id(v) for v in series.to_list()], pl.String)
        else:
            mapped = pl.Series(column, [[to_id(v) for v in items] if items is not None else None
                                        for items in series.to_list()], pl.List(pl.String))  # fmt: skip
        frame = frame.with_columns(mapped)
    return frame, links


def _lookup(store: Store, taxonomy: str, what: str) -> tuple[set[str], dict[str, str]]:
    """The ids of one kind of concept, and each unambiguous lower-case label -> its id."""
    table, key = (
        ("taxonomy_occupations", "occupation_id") if what == "occupation" else ("taxonomy_skills", "skill_id")
    )
    rows = store.execute(f"SELECT {key}, label_da, label_en FROM {table} WHERE taxonomy = ?", [taxonomy])
    pairs = {(label.strip().lower(), cid) for cid, *labels in rows for label in labels if label}
    counts = Counter(label for label, _ in pairs)
    return {r[0] for r in rows}, {label: cid for label, cid in pairs if counts[label] == 1}
