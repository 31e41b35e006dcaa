"""Free text in an import's occupation and skill columns, linked by the title and skill linker."""

from __future__ import annotations

from pathlib import Path

import pytest

from core.errors import ImportValidationError
from data.import_labels import LabelResolver
from data.importing import import_file
from data.store import Store
from data.taxonomy import load_builtin
from matching.linking import TitleLinker, make_linker
from matching.linking.import_resolver import linker_resolver
from tests.data.test_importing import CAP, base_frame, stored, text_rows, write_csv


def _resolver() -> LabelResolver:
    return linker_resolver(lambda: make_linker(load_builtin(), "lexical"))


def test_free_text_is_linked_and_reported_with_the_matched_label(
    writable_world: Store, tmp_path: Path
) -> None:
    rows = text_rows(base_frame(writable_world, "vacancies", 1))
    rows[0]["occupation_id"] = "Kokkeelev"  # a trainee form: the occupation trained for
    rows[0]["essential_skills"] = "kundeservice og salg|dk.s.haccp|Teamwork"  # free text, id, exact label
    report = import_file(writable_world, "vacancies", write_csv(tmp_path / "v.csv", rows), max_bytes=CAP,
                         resolve_labels=_resolver())  # fmt: skip
    row = stored(writable_world, "vacancies", ["VNEW0000"]).row(0, named=True)
    assert row["occupation_id"] == "dk.o.kok"
    assert row["essential_skills"] == ["dk.s.kundeservice", "dk.s.haccp", "dk.s.samarbejde"]
    assert report.linked_labels == {"Teamwork": "dk.s.samarbejde"}
    assert set(report.linked_by_linker) == {"Kokkeelev", "kundeservice og salg"}
    kok = report.linked_by_linker["Kokkeelev"]
    assert (kok.concept_id, kok.matched_label) == ("dk.o.kok", "Kok") and 0.8 <= kok.score <= 1.0


def test_text_the_linker_is_unsure_of_stays_unknown_and_nothing_is_written(
    writable_world: Store, tmp_path: Path
) -> None:
    before = writable_world.count("vacancies")
    rows = text_rows(base_frame(writable_world, "vacancies", 1))
    rows[0]["essential_skills"] = "Kundeservice|Jonglering på line"
    with pytest.raises(ImportValidationError, match="unknown builtin skill id 'Jonglering på line'"):
        import_file(writable_world, "vacancies", write_csv(tmp_path / "v.csv", rows), max_bytes=CAP,
                    resolve_labels=_resolver())  # fmt: skip
    assert writable_world.count("vacancies") == before


def test_the_linker_is_not_fitted_when_every_cell_is_an_id_or_a_label(
    writable_world: Store, tmp_path: Path
) -> None:
    fitted: list[bool] = []

    def make() -> TitleLinker:
        fitted.append(True)
        return make_linker(load_builtin(), "lexical")

    rows = text_rows(base_frame(writable_world, "vacancies", 1))
    rows[0]["occupation_id"] = "kok"
    import_file(writable_world, "vacancies", write_csv(tmp_path / "v.csv", rows), max_bytes=CAP,
                resolve_labels=linker_resolver(make))  # fmt: skip
    assert not fitted
