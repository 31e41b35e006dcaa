"""Decision rates with small cells hidden (counts too, with complementary suppression), per-consultant rates
for administrators only, and the installation report written and read back as an artefact."""

from __future__ import annotations

import polars as pl
import pytest

from app.workspace import Workspace
from app.workspace.analyst import rates_by, suppressed
from core.errors import AccessDenied
from core.installation_report import load_report, save_report


def test_a_small_cell_hides_its_count_and_its_complement_too() -> None:
    frame = rates_by(pl.DataFrame({"g": ["a"] * 30 + ["b"] * 12 + ["c"] * 4,
                                   "action": ["accept"] * 46}), "g")  # fmt: skip
    out = suppressed(frame, 10)
    assert out["decisions"].to_list() == ["30", "< 10", "< 10"]  # b (12) hidden so 46 - 30 - 12 cannot give c
    assert out["suppressed"].to_list() == [False, True, True]
    assert out["acceptance_rate"].to_list() == [1.0, None, None]
    none_small = suppressed(
        rates_by(pl.DataFrame({"g": ["a"] * 10 + ["b"] * 11, "action": ["reject"] * 21}), "g"), 10
    )
    assert none_small["decisions"].to_list() == ["10", "11"] and none_small["rejection_rate"].to_list() == [
        1.0,
        1.0,
    ]


def test_per_consultant_rates_are_for_administrators_only(ws: Workspace) -> None:
    u = {x: ws.directory.get(x) for x in ("analytiker", "admin")}
    with pytest.raises(AccessDenied):
        ws.consultant_rates(u["analytiker"])  # type: ignore[arg-type]
    assert ws.consultant_rates(u["admin"]).columns == [  # type: ignore[arg-type]
        "user_id", "decisions", "acceptance_rate", "override_rate", "rejection_rate"]  # fmt: skip
    per_group = ws.decision_rates(u["analytiker"])  # type: ignore[arg-type]
    assert "user_id" not in per_group.columns


def test_the_installation_report_is_a_versioned_artefact_read_back_whole(ws: Workspace) -> None:
    assert load_report(ws.settings) is None and ws.report_version() == ""
    report = {"computed_at": "2026-11-30T07:00:00+00:00", "data_version": "d1", "model_version": "m1", "x": 1}
    folder = save_report(ws.settings, report, "# r\n")
    assert ws.report_version() == folder.name
    assert ws.installation_report(ws.directory.get("analytiker")) == report  # type: ignore[arg-type]
    (folder / "report.json").write_text("{}", encoding="utf-8")
    from core.errors import ArtefactError

    with pytest.raises(ArtefactError, match="checksum"):
        load_report(ws.settings)
