"""The analyst's and the administrator's pages, run headless with AppTest (issue 16, part D)."""

from __future__ import annotations

import json
from pathlib import Path

from app.audit import AuditLog
from app.ops import RECOMMENDATIONS, OpsStore
from core.settings import Settings
from tests.dashboard.apptest import signed_in


def _switch_and_audit(home: Path) -> tuple[bool, list[dict[str, object]]]:
    with OpsStore.open(Settings(home=home)) as ops:
        records = AuditLog(ops).records("WHERE kind = 'stop_switch'")
        return ops.switch_enabled(RECOMMENDATIONS), [json.loads(p) for p in records["payload"].to_list()]


def test_every_save_of_the_stop_switch_in_one_session_takes_effect_and_is_audited(app_home: Path) -> None:
    admin = signed_in("admin")
    assert not admin.exception, admin.exception
    for n, wanted in enumerate((False, True, False), start=1):
        admin.toggle[0].set_value(wanted)
        admin.text_input[0].set_value(f"afprøvning nummer {n}")
        next(b for b in admin.button if b.label == "Gem").click().run()
        assert not admin.exception, admin.exception
        assert any("Gemt" in s.value for s in admin.success)
        enabled, payloads = _switch_and_audit(app_home)
        assert enabled is wanted, f"save {n} did not take effect"
        assert len(payloads) == n, f"save {n} was not audited"
        assert payloads[-1]["recommendations_enabled"] is wanted


def _run_report(home: Path) -> dict[str, object]:
    from core.installation_report import save_report
    from data.store import Store
    from evaluation.installation import report_markdown, run_installation_report

    settings = Settings(home=home)
    with Store(settings.db_path, read_only=True) as store:
        report = run_installation_report(settings, store, n_boot=100)
    save_report(settings, report, report_markdown(report))
    return report


def test_analyst_is_told_to_run_the_report_instead_of_seeing_the_reference_run(app_home: Path) -> None:
    analyst = signed_in("analytiker")
    assert not analyst.exception, analyst.exception
    assert sum("jobmatch report" in i.value and "hver nat" in i.value for i in analyst.info) == 2
    assert not analyst.selectbox, "no fairness selection without this installation's own audit"
    # The programme evidence says where the cards' chances are stated as numbers (the model's measured bins).
    chances = [c.value for c in analyst.caption if "Sandsynligheder på kortene" in c.value]
    assert len(chances) == 1 and "at være den bedste:" in chances[0] and "mindst lige så god" in chances[0]


def test_analyst_sees_the_installation_report_with_its_time_in_danish(app_home: Path) -> None:
    report = _run_report(app_home)
    analyst = signed_in("analytiker")
    assert not analyst.exception, analyst.exception
    when = str(report["computed_at"])  # e.g. 2026-11-30T07:46:50+00:00 -> 30-11-2026 07:46 UTC
    shown = f"{when[8:10]}-{when[5:7]}-{when[:4]} {when[11:16]} UTC"
    assert any(shown in c.value and "planlagte kørsel" in c.value for c in analyst.caption)
    quality = analyst.dataframe[0].value
    assert list(quality.columns) == ["Model", "Mål", "Værdi", "Nedre grænse", "Øvre grænse"]
    ndcg = report["recommender"]["hybrid"]["ndcg@10"]["value"]  # type: ignore[index]
    row = quality[(quality["Model"] == "Hybrid (modellen i brug)") & quality["Mål"].str.startswith("NDCG@10")]
    assert row["Værdi"].tolist() == [f"{ndcg:.3f}".replace(".", ",")]
    audit = analyst.selectbox(key="fair_audit")
    assert audit.options == [
        "Historik: samtaler og ansættelser pr. ansøgning",
        "Forslagenes træfsikkerhed pr. gruppe",
        "Indsatser: dagens borgere fordelt på pladserne, pr. gruppe",
    ]
    grouping = analyst.selectbox(key="fair_grouping")
    assert (
        grouping.options[:4] == ["Køn", "Alder", "Oprindelse", "Handicap"]
        and "Køn × Alder" in grouping.options
    )
    metric = analyst.selectbox(key="fair_metric")
    assert "Samtaleandel i forhold til referencegruppen" in metric.options
    grouping.set_value("origin_group").run()
    table = next(d.value for d in analyst.dataframe if list(d.value.columns[:2]) == ["Gruppe", "Antal"])
    assert set(table["Gruppe"]) <= {"Oprindelse: dansk", "Oprindelse: vestlig", "Oprindelse: ikke-vestlig"}
    headers = " ".join(str(c) for d in analyst.dataframe for c in d.value.columns)
    assert "_" not in headers and "Audit" not in headers and "Metric" not in headers
    # The programme allocation per group, with the share of programmes a citizen has an estimate for.
    analyst.selectbox(key="fair_audit").set_value("programmes").run()
    metric = analyst.selectbox(key="fair_metric")
    assert {"Andel tilbudt en indsats", "Andel indsatser med et skøn"} <= set(metric.options)
    metric.set_value("with_estimate").run()
    assert not analyst.exception, analyst.exception
    table = next(d.value for d in analyst.dataframe if list(d.value.columns[:2]) == ["Gruppe", "Antal"])
    cells = report["fairness"]["audits"]["programmes"]["groups"]  # type: ignore[index]
    danish = cells["origin_group=dansk"]["with_estimate"]["value"]
    assert 0 < danish <= 1  # the grouping chosen above stays
    shown = table.loc[table["Gruppe"] == "Oprindelse: dansk", "Værdi"].tolist()
    assert shown == [f"{danish:.3f}".replace(".", ",")]
