"""The employer's side of the workspace: k-anonymous shortlists, saved and hidden candidates, request status."""

from __future__ import annotations

import json
from typing import Any

import polars as pl
import pytest

from app.access import User
from app.anonymity import BANDS, HIDDEN, QUASI_IDENTIFIERS, RAW
from app.workspace import EMPLOYER_FIELDS, Workspace
from core.errors import AccessDenied, InvalidDecision


def user(ws: Workspace, user_id: str) -> User:
    found = ws.directory.get(user_id)
    assert found is not None
    return found


def open_vacancies(ws: Workspace, employer: User) -> list[str]:
    return ws.employer_vacancies(employer).filter(pl.col("status") == "open")["vacancy_id"].to_list()


def shown_cards(ws: Workspace, employer: User) -> pl.DataFrame:
    """Every card of every open vacancy's shortlist, with the real id behind it read from the audit log."""
    rows: list[dict[str, Any]] = []
    for vid in open_vacancies(ws, employer):
        shown = ws.shortlist(employer, vid)
        ranked = json.loads(ws.audit.records("WHERE seq = ?", [shown.audit_seq])["payload"][0])["ranked"]
        real = {r["candidate"]: r["seeker_id"] for r in ranked}
        for r in shown.frame.iter_rows(named=True):
            rows.append({"vacancy_id": vid, "seeker_id": real[r["candidate"]], "candidate": r["candidate"],
                         **{c: r[c] for c in (*QUASI_IDENTIFIERS, "privacy")}})  # fmt: skip
    return pl.DataFrame(rows)


def people_per_shown_tuple(cards: pl.DataFrame, columns: tuple[str, ...]) -> pl.DataFrame:
    return cards.group_by(columns).agg(pl.col("seeker_id").n_unique().alias("people"))


@pytest.mark.parametrize("k", [5, 8])
def test_no_shown_tuple_lets_an_employer_single_out_a_person_across_vacancies(ws: Workspace, k: int) -> None:
    ws.settings.shortlist_k_anonymity = k
    employer = user(ws, "arbejdsgiver-kbh")
    cards = shown_cards(ws, employer)
    assert cards["vacancy_id"].n_unique() >= 3 and cards["seeker_id"].n_unique() >= k
    # The case the bands are for: one person on two of the employer's shortlists, under two pseudonyms.
    twice = cards.group_by("seeker_id").agg(
        pl.col("candidate").n_unique().alias("names"), pl.len().alias("cards")
    )
    assert twice.filter(pl.col("cards") > 1).height > 0
    assert (twice["names"] == twice["cards"]).all(), "pseudonyms differ per vacancy"
    # k-anonymity of what is shown, all of the employer's shortlists together ("all hidden" included).
    assert people_per_shown_tuple(cards, QUASI_IDENTIFIERS)["people"].min() >= k
    # The same check on exact values fails: without bands a shown tuple would single people out.
    with ws.world.cursor() as db:
        raw = db.query("SELECT seeker_id, isced_level, experience_years, hours_wanted FROM seekers")
    exact = cards.join(raw, on="seeker_id")
    assert (
        people_per_shown_tuple(exact, ("isced_level", "experience_years", "hours_wanted"))["people"].min() < k
    )


def test_cards_show_bands_and_never_the_values_or_ids(ws: Workspace) -> None:
    employer = user(ws, "arbejdsgiver-kbh")
    vid = open_vacancies(ws, employer)[0]
    shown = ws.shortlist(employer, vid)
    frame = shown.frame
    assert tuple(frame.columns) == EMPLOYER_FIELDS and frame.height > 0
    assert not set(RAW.values()) & set(frame.columns)
    for column in QUASI_IDENTIFIERS:
        codes = {c for level in BANDS[column] for c in level[1]} | {HIDDEN}
        assert set(frame[column]) <= codes
    assert set(frame["privacy"]) <= {"banded", "coarsened", "suppressed"}
    payload = json.loads(ws.audit.records("WHERE seq = ?", [shown.audit_seq])["payload"][0])
    ids = [r["seeker_id"] for r in payload["ranked"]]
    assert all(i.startswith("P-") for i in ids), "the audit log keeps the real ids for the job centre"
    assert [r["shown"]["privacy"] for r in payload["ranked"]] == frame["privacy"].to_list()
    text = json.dumps(frame.to_dicts(), default=str)
    assert "P-" not in text, "no citizen id reaches the employer"
    requests = ws.vacancy_requests(employer, vid).frame
    assert tuple(requests.columns) == ("candidate", "requested_at", "message", "request_status")


def test_saved_candidates_come_first_and_hidden_ones_are_not_shown_again(ws: Workspace) -> None:
    employer = user(ws, "arbejdsgiver-kbh")
    vid = open_vacancies(ws, employer)[0]
    first = ws.shortlist(employer, vid).frame
    keep, drop = first["candidate"][3], first["candidate"][0]
    ws.mark_candidate(employer, vid, keep, "saved")
    ws.mark_candidate(employer, vid, drop, "hidden")
    after = ws.shortlist(employer, vid).frame
    assert after["candidate"][0] == keep and after["saved"].to_list() == [True] + [False] * (after.height - 1)
    assert drop not in after["candidate"].to_list() and after.height == first.height  # the next one moves up
    assert ws.hidden_count(employer, vid) == 1
    marks = [json.loads(p) for p in ws.audit.records("WHERE kind = 'candidate_mark'")["payload"]]
    assert [(m["candidate"], m["mark"], m["seeker_id"].startswith("P-")) for m in marks] == [
        (keep, "saved", True), (drop, "hidden", True)]  # fmt: skip
    # Other vacancies and other employers are untouched; an unshown pseudonym is refused.
    other = open_vacancies(ws, employer)[1]
    assert not ws.shortlist(employer, other).frame["saved"].any()
    with pytest.raises(AccessDenied):
        ws.mark_candidate(employer, vid, "K-NOTSHOWN00", "saved")
    with pytest.raises(AccessDenied):
        ws.mark_candidate(user(ws, "arbejdsgiver-odense"), vid, keep, "saved")
    with pytest.raises(InvalidDecision):
        ws.mark_candidate(employer, vid, keep, "favourite")
    assert ws.show_hidden_again(employer, vid) == 1
    assert drop in ws.shortlist(employer, vid).frame["candidate"].to_list()
    ws.mark_candidate(employer, vid, keep, None)
    assert not ws.shortlist(employer, vid).frame["saved"].any()


def test_a_request_goes_sent_seen_answered_and_the_employer_sees_each_state(ws: Workspace) -> None:
    employer = user(ws, "arbejdsgiver-kbh")
    vid = open_vacancies(ws, employer)[0]
    shown = ws.shortlist(employer, vid)
    candidate = shown.frame["candidate"][0]
    seeker = next(r["seeker_id"] for r in json.loads(ws.audit.records(
        "WHERE seq = ?", [shown.audit_seq])["payload"][0])["ranked"] if r["candidate"] == candidate)  # fmt: skip
    rid = ws.request_contact(employer, vid, candidate, "Vi vil gerne invitere til samtale")
    assert ws.request_state(rid) == "sent"
    assert (
        ws.shortlist(employer, vid).frame.filter(pl.col("candidate") == candidate)["request_status"][0]
        == "sent"
    )
    with pytest.raises(InvalidDecision, match="allerede"):
        ws.request_contact(employer, vid, candidate, "Igen, hurtigt")
    jc = ws.world.query("SELECT jobcenter_id FROM seekers WHERE seeker_id = ?", [seeker]).item()
    mine, other = (
        ("konsulent-kbh", "konsulent-odense") if jc == "jc-kbh" else ("konsulent-odense", "konsulent-kbh")
    )
    consultant, stranger = user(ws, mine), user(ws, other)
    with pytest.raises(AccessDenied):
        ws.citizen_contact_requests(stranger, seeker)
    with pytest.raises(AccessDenied):
        ws.answer_contact_request(stranger, rid, "ringede til borgeren")
    assert ws.request_state(rid) == "sent", "a refused look does not count as seen"
    seen = ws.citizen_contact_requests(consultant, seeker)
    assert seen.filter(pl.col("request_id") == rid)["request_status"].to_list() == ["seen"]
    assert ws.request_state(rid) == "seen"
    assert ws.vacancy_requests(employer, vid).frame["request_status"].to_list() == ["seen"]
    with pytest.raises(InvalidDecision):
        ws.answer_contact_request(consultant, rid, "")
    ws.answer_contact_request(consultant, rid, "Borgeren er interesseret; vi formidler kontakten")
    assert ws.request_state(rid) == "answered"
    assert ws.vacancy_requests(employer, vid).frame["request_status"].to_list() == ["answered"]
    with pytest.raises(InvalidDecision, match="allerede"):
        ws.answer_contact_request(consultant, rid, "igen")
    with pytest.raises(InvalidDecision):
        ws.request_state("D-doesnotexist")
    kinds = ws.audit.records("WHERE kind LIKE 'contact_request%'")
    assert kinds["kind"].to_list() == ["contact_request", "contact_requests_shown", "contact_requests_shown",
                                       "contact_request_answered", "contact_requests_shown"]  # fmt: skip
    assert json.loads(kinds["payload"][1])["newly_seen"] == [rid]
    assert json.loads(kinds["payload"][0])["seeker_id"] == seeker  # the audit keeps the real id
    # Answered, the employer may ask again.
    assert ws.request_contact(employer, vid, candidate, "Ny samtale?") != rid


def test_a_vacancy_that_is_not_open_shows_no_candidates(ws: Workspace) -> None:
    employer = user(ws, "arbejdsgiver-kbh")
    closed = ws.employer_vacancies(employer).filter(pl.col("status") != "open")["vacancy_id"][0]
    shown = ws.shortlist(employer, closed)
    assert shown.frame.height == 0 and tuple(shown.frame.columns) == EMPLOYER_FIELDS


def test_vacancy_list_has_titles_occupations_and_request_counts(ws: Workspace) -> None:
    employer = user(ws, "arbejdsgiver-kbh")
    frame = ws.employer_vacancies(employer)
    assert {"title", "occupation", "deadline", "status", "contact_requests"} <= set(frame.columns)
    assert frame["occupation"].null_count() == 0 and not frame["occupation"].str.contains("_").any()


def test_warmed_shortlists_need_no_model_call_on_the_employers_first_click(
    ws: Workspace, monkeypatch: pytest.MonkeyPatch
) -> None:
    employer = user(ws, "arbejdsgiver-odense")
    vacancies = open_vacancies(ws, employer)
    assert ws.warm_shortlists() >= len(vacancies) > 0
    assert ws.service is not None

    def no_model_call(*_: Any, **__: Any) -> None:
        raise AssertionError("the shortlist called the model although it was warmed")

    monkeypatch.setattr(ws.service, "for_vacancy", no_model_call)
    assert ws.shortlist(employer, vacancies[0]).frame.height > 0


def test_an_employer_reads_merit_reasons_only_never_distance_hours_or_the_citizens_wishes(
    ws: Workspace,
) -> None:
    employer = user(ws, "arbejdsgiver-odense")
    reasons = [
        r for vid in open_vacancies(ws, employer) for r in ws.shortlist(employer, vid).frame["why"].to_list()
    ]
    assert reasons and any(reasons), "merit reasons are shown"
    for text in reasons:
        for private in ("afstand", "timetal", "stillingstype", "lignende borgere"):
            assert private not in text, (private, text)
