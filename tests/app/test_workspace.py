"""The workspace enforces role and scope in the data layer, logs what it shows, and records decisions."""

from __future__ import annotations

import itertools
import json

import polars as pl
import pytest

from app.access import Role, User
from app.workspace import EMPLOYER_FIELDS, Workspace
from core.errors import AccessDenied, InvalidDecision, RecommendationsOff
from core.settings import Settings
from data.store import Store
from recommender.interventions.coverage import merged_ranges
from tests.app.test_decisions import training_after_copy

ODENSE = User("konsulent-odense", "Konsulent, Odense (demo)", Role.CONSULTANT, "jc-odense")


def users(ws: Workspace) -> dict[str, User]:
    return {u.user_id: u for u in ws.directory.users()}


def seekers_of(ws: Workspace, jobcenter: str) -> list[str]:
    return ws.world.query("SELECT seeker_id FROM seekers WHERE jobcenter_id = ? ORDER BY seeker_id",
                          [jobcenter])["seeker_id"].to_list()  # fmt: skip


def caseload_of(ws: Workspace, user: User) -> list[str]:
    """The citizens a consultant holds (the demo split deals a job centre's citizens to its consultants)."""
    return sorted(ws.caseload.listing(user_id=user.user_id)["seeker_id"])


def test_demo_users_one_consultant_and_employer_per_job_centre(ws: Workspace) -> None:
    u = users(ws)
    assert {x.role for x in u.values()} == set(Role)
    assert u["konsulent-odense"].jobcenter_id == "jc-odense" and u["konsulent-kbh"].jobcenter_id == "jc-kbh"
    for name in ("arbejdsgiver-odense", "arbejdsgiver-kbh"):
        assert ws.employer_vacancies(u[name]).filter(pl.col("status") == "open").height > 0
    assert ws.directory.authenticate("konsulent-odense", "demo") == u["konsulent-odense"]
    assert ws.directory.authenticate("konsulent-odense", "wrong") is None
    assert ws.directory.authenticate("nobody", "demo") is None


def test_consultant_sees_only_own_job_centre_through_every_call(ws: Workspace) -> None:
    odense = users(ws)["konsulent-odense"]
    own, foreign = seekers_of(ws, "jc-odense"), seekers_of(ws, "jc-kbh")
    queue = ws.queue(odense, limit=10_000)
    assert set(queue["seeker_id"]) == set(ws.caseload.listing(user_id=odense.user_id)["seeker_id"]) < set(own)
    assert ws.queue(odense, search=foreign[0]).height == 0
    other = foreign[0]
    calls = [
        lambda: ws.citizen(odense, other),
        lambda: ws.suggest_vacancies(odense, other),
        lambda: ws.other_industries(odense, other),
        lambda: ws.programmes(odense, other),
        lambda: ws.manual_search(odense, other),
        lambda: ws.decide(odense, other, "note", "forsøg på adgang"),
        lambda: ws.decisions_for(odense, other),
        lambda: ws.export_citizen(odense, other),
    ]
    before = ws.audit.count()
    for call in calls:
        with pytest.raises(AccessDenied, match=r"ikke|ingen"):
            call()
    assert ws.audit.count() == before, "a refused call must not log anything as shown"
    assert ws.ops.rows("SELECT count(*) FROM decisions")[0][0] == 0
    # The refusal reads the same whether the id exists elsewhere or not at all.
    with pytest.raises(AccessDenied) as unknown:
        ws.citizen(odense, "P-does-not-exist")
    with pytest.raises(AccessDenied) as elsewhere:
        ws.citizen(odense, other)
    assert str(unknown.value).replace("P-does-not-exist", "X") == str(elsewhere.value).replace(other, "X")


def test_roles_are_checked_on_every_call(ws: Workspace) -> None:
    u = users(ws)
    sid = seekers_of(ws, "jc-odense")[0]
    with pytest.raises(AccessDenied):
        ws.queue(u["arbejdsgiver-odense"])
    with pytest.raises(AccessDenied):
        ws.citizen(u["analytiker"], sid)
    with pytest.raises(AccessDenied):
        ws.citizen(u["admin"], sid)
    with pytest.raises(AccessDenied):
        ws.employer_vacancies(u["konsulent-odense"])
    with pytest.raises(AccessDenied):
        ws.decision_rates(u["konsulent-odense"])
    with pytest.raises(AccessDenied):
        ws.set_recommendations(u["analytiker"], False, "prøver")
    with pytest.raises(AccessDenied):
        ws.verify_audit(u["konsulent-kbh"])


def test_suggestions_are_logged_with_versions_ids_and_explanations(ws: Workspace) -> None:
    odense = users(ws)["konsulent-odense"]
    sid = seekers_of(ws, "jc-odense")[0]
    shown = ws.suggest_vacancies(odense, sid, k=5)
    assert 0 < shown.frame.height <= 5
    record = ws.audit.records("WHERE seq = ?", [shown.audit_seq]).row(0, named=True)
    assert (record["user_id"], record["role"], record["jobcenter_id"], record["kind"], record["subject"]) == (
        "konsulent-odense", "consultant", "jc-odense", "vacancy_suggestions", sid)  # fmt: skip
    assert record["data_version"] == ws.data_version and record["model_version"] == ws.model_version
    ranked = json.loads(record["payload"])["ranked"]
    assert [r["vacancy_id"] for r in ranked] == shown.frame["vacancy_id"].to_list()
    assert all(r["explanation"] and r["score"] is not None for r in ranked)
    assert ws.audit.verify().ok


def test_decisions_need_a_reason_and_flow_back_as_training_signal(ws: Workspace) -> None:
    odense = users(ws)["konsulent-odense-2"]  # the demo split gives the centre's second citizen to them
    sid = seekers_of(ws, "jc-odense")[1]
    shown = ws.suggest_vacancies(odense, sid, k=5).frame
    first, second = shown["vacancy_id"][0], shown["vacancy_id"][1]
    with pytest.raises(InvalidDecision, match="begrundelse"):
        ws.decide(odense, sid, "accept", "  ", vacancy_id=first)
    with pytest.raises(InvalidDecision, match="unknown action"):
        ws.decide(odense, sid, "delete", "fordi", vacancy_id=first)
    with pytest.raises(InvalidDecision, match="needs the vacancy or programme"):
        ws.decide(odense, sid, "override", "andet valg")
    ws.decide(odense, sid, "accept", "passer til ønsket", vacancy_id=first)
    ws.decide(odense, sid, "reject", "for langt væk", vacancy_id=second)
    ws.decide(odense, sid, "override", "borgeren vil hellere praktik", programme="virksomhedspraktik")
    ws.decide(odense, sid, "note", "samtale aftalt")
    history = ws.decisions_for(odense, sid)
    assert sorted(history["action"]) == ["accept", "note", "override", "reject"]
    assert history.filter(pl.col("vacancy_id") == first)["title"].item() == shown["title"][0], (
        "title beside it"
    )
    assert ws.world.read_only, "the dashboard writes the operations store only; the world stays read-only"
    events = training_after_copy(ws).filter(pl.col("seeker_id") == sid, pl.col("source") == "consultant")
    assert set(zip(events["vacancy_id"], events["event"], strict=True)) == {
        (first, "accepted"),
        (second, "vetoed"),
    }
    # A rejected vacancy is not suggested again to the same citizen.
    assert second not in ws.suggest_vacancies(odense, sid, k=10).frame["vacancy_id"].to_list()
    assert ws.audit.records("WHERE kind = 'decision'").height == 4


def test_stop_switch_turns_suggestions_off_and_leaves_manual_search(ws: Workspace) -> None:
    u = users(ws)
    odense, admin = u["konsulent-odense"], u["admin"]
    sid = seekers_of(ws, "jc-odense")[0]
    with pytest.raises(InvalidDecision):
        ws.set_recommendations(admin, False, "")
    ws.set_recommendations(admin, False, "fejl i model under undersøgelse")
    for call in (lambda: ws.suggest_vacancies(odense, sid), lambda: ws.programmes(odense, sid),
                 lambda: ws.other_industries(odense, sid)):  # fmt: skip
        with pytest.raises(RecommendationsOff):
            call()
    assert ws.manual_search(odense, sid, max_km=200).height > 0
    name, body = ws.export_citizen(odense, sid)
    assert "vacancies" not in json.loads(body) and name == f"forklaring-{sid}.json"
    ws.set_recommendations(admin, True, "rettet")
    assert ws.suggest_vacancies(odense, sid).frame.height > 0
    kinds = ws.audit.records("WHERE kind = 'stop_switch'")["payload"].to_list()
    assert [json.loads(p)["recommendations_enabled"] for p in kinds] == [False, True]


def test_employer_sees_own_vacancies_and_only_consenting_pseudonymised_candidates(ws: Workspace) -> None:
    u = users(ws)
    employer = u["arbejdsgiver-odense"]
    own = ws.employer_vacancies(employer)
    assert set(ws.world.query("SELECT DISTINCT employer_id FROM vacancies WHERE vacancy_id IN "
                              "(SELECT unnest(?::VARCHAR[]))", [own["vacancy_id"].to_list()])["employer_id"]) == {
        employer.employer_id}  # fmt: skip
    foreign = ws.world.query("SELECT vacancy_id FROM vacancies WHERE employer_id <> ? LIMIT 1",
                             [employer.employer_id]).item()  # fmt: skip
    with pytest.raises(AccessDenied):
        ws.shortlist(employer, foreign)
    vid = own.filter(pl.col("status") == "open")["vacancy_id"][0]
    shown = ws.shortlist(employer, vid, k=10)
    frame = shown.frame
    assert tuple(frame.columns) == EMPLOYER_FIELDS
    assert frame.height > 0 and all(c.startswith("K-") for c in frame["candidate"])
    payload = json.loads(ws.audit.records("WHERE seq = ?", [shown.audit_seq])["payload"][0])
    ids = [r["seeker_id"] for r in payload["ranked"]]
    consent = ws.world.query("SELECT bool_and(consent_employer_view) FROM seekers WHERE seeker_id IN "
                             "(SELECT unnest(?::VARCHAR[]))", [ids]).item()  # fmt: skip
    assert consent is True
    text = json.dumps(frame.to_dicts(), default=str)
    for sid in ids:
        assert sid not in text
    forbidden = {"seeker_id", "gender", "age", "origin_group", "disability", "jobcenter_id", "profile_text",
                 "lat", "lon", "postcode", "registered_at"}  # fmt: skip
    assert not forbidden & set(frame.columns)
    # Pseudonyms differ per vacancy, so one person cannot be followed across an employer's vacancies.
    assert ws.candidate_pseudonym(vid, ids[0]) != ws.candidate_pseudonym(vid + "x", ids[0])
    # Contact requests: only for a candidate this employer was shown for this vacancy.
    with pytest.raises(AccessDenied):
        ws.request_contact(employer, vid, "K-NOTSHOWN00", "hej med dig")
    did = ws.request_contact(employer, vid, frame["candidate"][0], "Vi vil gerne invitere til samtale")
    row = ws.ops.query("SELECT * FROM decisions WHERE decision_id = ?", [did]).row(0, named=True)
    assert (row["seeker_id"], row["vacancy_id"], row["action"], row["role"]) == (
        ids[0], vid, "contact_request", "employer")  # fmt: skip
    # The citizen's consultant sees the request in the queue.
    jc = ws.world.query("SELECT jobcenter_id FROM seekers WHERE seeker_id = ?", [ids[0]]).item()
    holding = ws.caseload.holding(ids[0])
    consultant = u[
        holding.user_id if holding else "teamleder-odense" if jc == "jc-odense" else "teamleder-kbh"
    ]
    queue = ws.queue(consultant, search=ids[0])
    assert queue["contact_requests"].to_list() == [1]


def test_analyst_sees_aggregates_with_small_cells_suppressed(ws: Workspace) -> None:
    u = users(ws)
    odense = u["konsulent-odense"]
    for sid in caseload_of(ws, odense)[:12]:
        vid = ws.suggest_vacancies(odense, sid, k=1).frame["vacancy_id"][0]
        ws.decide(
            odense, sid, "accept" if sid[-1] < "8" else "reject", "vurderet med borgeren", vacancy_id=vid
        )
    per_group = ws.decision_rates(u["analytiker"], min_cell=5)
    row = ws.consultant_rates(u["admin"], min_cell=5).row(0, named=True)  # per consultant: admins only
    assert row["user_id"] == "konsulent-odense" and row["decisions"] == 12
    assert row["acceptance_rate"] + row["rejection_rate"] == pytest.approx(1.0)
    small = per_group.filter(pl.col("suppressed"))
    assert small["acceptance_rate"].null_count() == small.height and set(small["decisions"]) <= {"< 5"}
    shown = per_group.filter(~pl.col("suppressed")).with_columns(pl.col("decisions").cast(pl.Int64))
    assert (shown["decisions"] >= 5).all()
    labels = {a: set(g["group"]) for (a,), g in per_group.group_by("attribute")}  # labels of protected_groups
    assert labels["age_band"] <= {"<30", "30-54", "55+"} and labels["disability"] <= {"ja", "nej"}
    label, drift = ws.drift(u["analytiker"])
    assert "nye" in label and set(drift["feature"]) >= {"isced_level", "benefit_type"}
    assert ws.installation_report(u["analytiker"]) is None, "no reference run in its place"


def test_audit_log_survives_a_regenerated_world(home, ws: Workspace) -> None:  # type: ignore[no-untyped-def]
    odense = users(ws)["konsulent-odense"]
    ws.suggest_vacancies(odense, seekers_of(ws, "jc-odense")[0])
    n = ws.audit.count()
    ws.close()
    (home / "jobmatch.duckdb").unlink()
    from data.synthetic.generate import WorldSize
    from data.synthetic.world import generate_store

    generate_store(home / "jobmatch.duckdb", WorldSize(seekers=200, vacancies=80, interactions=500, episodes=0,
                                                       seed=3), show_progress=False)  # fmt: skip
    with Store(home / "jobmatch.duckdb") as store:
        assert store.count("seekers") == 200
    from app.audit import AuditLog
    from app.ops import OpsStore

    with OpsStore.open(Settings(home=home)) as ops:
        assert AuditLog(ops).count() == n and AuditLog(ops).verify().ok


def test_analyst_sees_the_evidence_behind_each_programme_estimate(ws: Workspace) -> None:
    """E-values and measured coverage per programme; '90 %-interval' only where the coverage held."""
    u = users(ws)
    evidence = ws.programme_evidence(u["analytiker"])
    assert ws.interventions is not None
    arms = ws.interventions.metrics_["arms"]
    assert evidence.height == len(arms) > 0
    for row, (arm, m) in zip(evidence.iter_rows(named=True), arms.items(), strict=True):
        assert row["programme"] == arm and row["episodes"] == m["episodes"] and row["e_value"] == m["e_value"]
        assert row["with_estimate"] == m["share_supported"] and 0 <= row["with_estimate"] <= 1
        level = ws.interventions.coverage_.get(arm, {}).get("level")
        assert row["called_90_interval"] == bool(level)
        if row["coverage_low"] is not None:
            assert 0 <= row["coverage_low"] <= row["coverage_high"] <= 1
        mean = (ws.interventions.coverage_.get(arm, {}).get("mean_coverage") or {}).get("mean")
        assert row["coverage_mean"] == mean and (mean is None or 0 <= mean <= 1)
    with pytest.raises(AccessDenied):
        ws.programme_evidence(u["konsulent-odense"])
    # Where the cards state chances as numbers: the model's measured bins, adjacent ones joined.
    ranges = ws.chance_ranges(u["analytiker"])
    assert set(ranges) == {"best", "as_good"}
    for name, spans in ranges.items():
        covered = sum(hi - lo for lo, hi in spans)
        assert covered == pytest.approx(sum(hi - lo for lo, hi in ws.interventions.claims_.get(name, [])))
        assert all(a[1] < b[0] for a, b in itertools.pairwise(spans))  # joined: no two touch
    assert merged_ranges([[0.0, 0.01], [0.01, 0.05], [0.2, 0.35]]) == [(0.0, 0.05), (0.2, 0.35)]
    with pytest.raises(AccessDenied):
        ws.chance_ranges(u["konsulent-odense"])
