"""Occupation and skill *labels* in an import file become the taxonomy's ids, and the report shows each link.

A file may say ``Kundeservice`` where the store keeps ``dk.s.kundeservice``: a cell that is not an id but is
exactly one occupation's or skill's Danish or English label (letter case aside) is replaced by that id. A
label two concepts share is left alone. What is neither goes to the optional ``resolve`` step, which the
front door builds on the title and skill linker (``data`` cannot import ``matching``): a link it accepts
replaces the cell and is reported with the label that matched and its score; anything still unknown is
named by the reference check.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass

import polars as pl

from data.store import Store

# Columns holding occupation or skill ids, per importable table.
ID_COLUMNS: dict[str, dict[str, str]] = {
    "vacancies": {"occupation_id": "occupation", "essential_skills": "skill", "optional_skills": "skill"},
    "seekers": {"desired_occupations": "occupation", "skills": "skill"},
}


@dataclass(frozen=True)
class LinkedLabel:
    """A cell the linker mapped: the concept, the label of it that matched, the score in [0, 1], and the skill
    the text named that lifted the concept among near-ties (``Java udvikler``), if one did."""

    concept_id: str
    matched_label: str
    score: float
    named_skill: str | None = None


# (kind: "occupation" | "skill", values that are neither ids nor exact labels) -> the links it accepts
LabelResolver = Callable[[str, list[str]], dict[str, LinkedLabel]]


def link_labels(
    store: Store, table: str, frame: pl.DataFrame, resolve: LabelResolver | None = None
) -> tuple[pl.DataFrame, dict[str, str], dict[str, LinkedLabel]]:
    """The frame with labels replaced by ids, the exact links (label as written -> id) and the linker's."""
    columns = ID_COLUMNS.get(table, {})
    if not columns:
        return frame, {}, {}
    taxonomy = store.meta("taxonomy") or "builtin"
    lookups = {what: _lookup(store, taxonomy, what) for what in set(columns.values())}
    linked: dict[str, LinkedLabel] = {}
    for what, found in _resolve_unknown(frame, columns, lookups, resolve).items():
        lookups[what][1].update({value.lower(): link.concept_id for value, link in found.items()})
        linked |= found
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
    return frame, {k: v for k, v in links.items() if k not in linked}, linked


def _cell_values(series: pl.Series) -> set[str]:
    if series.dtype == pl.String:
        return {v for v in series.to_list() if v is not None}
    return {v for items in series.to_list() if items is not None for v in items}


def _resolve_unknown(
    frame: pl.DataFrame,
    columns: dict[str, str],
    lookups: dict[str, tuple[set[str], dict[str, str]]],
    resolve: LabelResolver | None,
) -> dict[str, dict[str, LinkedLabel]]:
    """Per kind, what ``resolve`` links among the values that are neither ids nor an exact label."""
    if resolve is None:
        return {}
    out: dict[str, dict[str, LinkedLabel]] = {}
    for what in sorted(set(columns.values())):
        ids, by_label = lookups[what]
        unknown = {
            v for column, kind in columns.items() if kind == what for v in _cell_values(frame[column])
        } - ids
        unknown = {v for v in unknown if v.lower() not in by_label and v.strip()}
        if unknown:
            out[what] = {v: link for v, link in resolve(what, sorted(unknown)).items() if v in unknown}
    return out


def _lookup(store: Store, taxonomy: str, what: str) -> tuple[set[str], dict[str, str]]:
    """The ids of one kind of concept, and each unambiguous lower-case label -> its id."""
    table, key = (
        ("taxonomy_occupations", "occupation_id") if what == "occupation" else ("taxonomy_skills", "skill_id")
    )
    rows = store.execute(f"SELECT {key}, label_da, label_en FROM {table} WHERE taxonomy = ?", [taxonomy])
    pairs = {(label.strip().lower(), cid) for cid, *labels in rows for label in labels if label}
    counts = Counter(label for label, _ in pairs)
    return {r[0] for r in rows}, {label: cid for label, cid in pairs if counts[label] == 1}
