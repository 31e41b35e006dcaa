"""What each import kind takes, written out from the validator's own spec (``data.importing.SPECS``).

`jobmatch import --describe KIND` prints it and ``docs/import.md`` is this module's Markdown (a test keeps
the two equal), so the documentation cannot drift from what the import accepts.
Regenerate the page with ``python -m data.import_docs > docs/import.md``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from core.reporting import markdown_table
from data.importing import KEYS, LIST_SEPARATOR, SPECS, Field
from data.vocabulary_da import DANISH_VALUES

TYPE_WORDS = {
    "str": "text",
    "int": "whole number",
    "float": "number (1.5 or 1,5)",
    "bool": "true/false (ja/nej)",
    "date": "date (2024-03-01, 01-03-2024, 01.03.2024)",
    "datetime": "date and time (2024-03-01 14:30:00)",
    "list": f"list, items separated by '{LIST_SEPARATOR}'",
}
OCCUPATIONS = "occupation ids of the store's taxonomy: builtin dk.o.* (dk.o.kok), esco http://data.europa.eu/esco/occupation/…"
SKILLS = "skill ids of the store's taxonomy: builtin dk.s.* (dk.s.kundeservice), esco http://data.europa.eu/esco/skill/…"
# What the spec cannot say itself: where an id comes from, what a value means.
NOTES: dict[tuple[str, str], str] = {
    ("employers", "employer_id"): "your id for the employer",
    ("employers", "name"): "CPR-like numbers are masked",
    ("employers", "industry"): "free text, e.g. Detailhandel",
    ("employers", "municipality"): "e.g. Odense",
    ("employers", "size"): "employees",
    ("vacancies", "vacancy_id"): "your id for the vacancy",
    ("vacancies", "employer_id"): "an employer already in the store (import employers first)",
    ("vacancies", "title"): "CPR-like numbers are masked",
    ("vacancies", "occupation_id"): OCCUPATIONS,
    ("vacancies", "description"): "CPR-like numbers are masked",
    ("vacancies", "essential_skills"): SKILLS,
    ("vacancies", "optional_skills"): SKILLS,
    ("vacancies", "min_isced"): "lowest education level (ISCED 0-8)",
    ("vacancies", "postcode"): "Danish postcode; gives lat/lon when those are empty",
    ("vacancies", "lat"): "WGS84; empty: from the postcode",
    ("vacancies", "lon"): "WGS84; empty: from the postcode",
    ("vacancies", "hours"): "hours a week",
    ("vacancies", "posted"): "",
    ("vacancies", "deadline"): "not before posted",
    ("vacancies", "positions"): "",
    ("vacancies", "status"): "",
    ("seekers", "seeker_id"): "a pseudonym, never a CPR number (refused)",
    ("seekers", "jobcenter_id"): "a job centre in the store: jc-odense, jc-kbh",
    ("seekers", "postcode"): "Danish postcode; gives lat/lon when those are empty",
    ("seekers", "lat"): "WGS84; empty: from the postcode",
    ("seekers", "lon"): "WGS84; empty: from the postcode",
    ("seekers", "isced_level"): "education level (ISCED 0-8)",
    ("seekers", "experience_years"): "",
    ("seekers", "benefit_type"): "",
    ("seekers", "target_group"): "",
    ("seekers", "weeks_unemployed"): "",
    ("seekers", "desired_occupations"): OCCUPATIONS,
    ("seekers", "skills"): SKILLS,
    ("seekers", "languages"): "e.g. dansk|engelsk",
    ("seekers", "driving_licence"): "",
    ("seekers", "max_commute_km"): "",
    ("seekers", "hours_wanted"): "hours a week",
    ("seekers", "profile_text"): "CPR-like numbers are masked",
    ("seekers", "consent_employer_view"): "may employers see the profile (pseudonymised)",
    ("seekers", "registered_at"): "",
    ("interactions", "seeker_id"): "a seeker already in the store",
    ("interactions", "vacancy_id"): "a vacancy already in the store",
    ("interactions", "event"): "funnel step",
    ("interactions", "ts"): "not in the future",
    ("interactions", "source"): "who showed the vacancy",
}
COLUMNS = ("column", "type", "required", "allowed", "notes")


@dataclass(frozen=True)
class ColumnDoc:
    column: str
    type: str
    required: str
    allowed: str
    notes: str

    def cells(self) -> tuple[str, str, str, str, str]:
        return (self.column, self.type, self.required, self.allowed, self.notes)


def describe(kind: str) -> list[ColumnDoc]:
    """One entry per column of ``kind``, in the order a file may give them."""
    return [
        ColumnDoc(
            name, TYPE_WORDS[fld.kind], _required(fld), _allowed(name, fld), NOTES.get((kind, name), "")
        )
        for name, fld in SPECS[kind].items()
    ]


def key_sentence(kind: str) -> str:
    key = KEYS[kind]
    return f"Key: {', '.join(key)} ({'unique per row' if len(key) == 1 else 'unique together'})."


def _required(fld: Field) -> str:
    if not fld.required:
        return "optional"
    return "required, may be empty" if fld.nullable else "required"


def _allowed(column: str, fld: Field) -> str:
    parts = [_check_words(check.name or "", check.statistics or {}) for check in fld.checks]
    danish = DANISH_VALUES.get(column, {})
    words = [f"{word} ({value})" for value, word in danish.items() if word != value]
    if words:
        parts.append("Danish: " + ", ".join(words))
    return "; ".join(p for p in parts if p)


def _check_words(name: str, stats: dict[str, Any]) -> str:
    if name == "isin":
        return " / ".join(str(v) for v in stats["allowed_values"])
    if name == "in_range":
        return f"{stats['min_value']} to {stats['max_value']}"
    if name == "str_length":
        return f"{stats['min_value']} to {stats['max_value']:,} characters"
    if name == "str_matches":
        return "letters, digits and . _ : / - (up to 120)"
    return name


def to_markdown() -> str:
    """The docs page: general rules, then a table per kind."""
    out = [
        "# Importing data",
        "",
        "<!-- Generated by `python -m data.import_docs > docs/import.md`; tests/data/test_import_docs.py "
        "checks it is current. -->",
        "",
        "`jobmatch import KIND FILE [--replace]` validates the whole file and writes it in one transaction: "
        "a bad file changes nothing, and the error names the file, the row (and CSV line) and the column. "
        "`jobmatch import --describe KIND` prints the table for one kind.",
        "",
        "- Files: CSV (delimiter `,` `;` or tab; UTF-8 with or without BOM, cp1252 or Latin-1) or Parquet.",
        f"- Lists: one cell, items separated by `{LIST_SEPARATOR}` (`dk.s.kundeservice|dk.s.samarbejde`).",
        "- Numbers: `1.5` or `1,5` (and `1.234,5`); booleans: true/false, ja/nej, 1/0.",
        "- Enumerations: the English value or its Danish word (`åben`, `lukket`, `besat`).",
        "- Occupations and skills: the id, or exactly one concept's Danish or English label "
        "(`Kundeservice`); the import prints each label it linked.",
        "- Import employers before the vacancies that name them, and seekers and vacancies before interactions.",
        "- `--replace` updates rows whose id already exists; without it an existing id is an error.",
        "- Examples that import cleanly into the default world: [`examples/`](../examples/).",
        "",
    ]
    for kind in SPECS:
        rows = [doc.cells() for doc in describe(kind)]
        out += [f"## {kind}", "", key_sentence(kind), "", markdown_table(rows, COLUMNS), ""]
    return "\n".join(out)


if __name__ == "__main__":
    print(to_markdown(), end="")
