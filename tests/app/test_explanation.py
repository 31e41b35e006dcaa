"""The printable explanation for the citizen: plain Danish words and numbers, made from the export, escaped."""

from __future__ import annotations

import html
import json
import re

from app.explanation import printable_explanation
from app.workspace import Workspace


def _visible(page: str) -> str:
    """The text a reader sees: no style block, no tags, entities as written."""
    body = re.sub(r"<style>.*?</style>", " ", page, flags=re.S)
    return html.unescape(re.sub(r"<[^>]+>", " ", body))


def test_the_printable_explanation_says_the_export_in_plain_danish(ws: Workspace) -> None:
    odense = next(u for u in ws.directory.users() if u.user_id == "konsulent-odense")
    sid = ws.queue(odense)["seeker_id"][3]
    top = ws.suggest_vacancies(odense, sid, k=3).frame["vacancy_id"][0]
    ws.decide(odense, sid, "accept", "Passer til ønsket om lagerarbejde", vacancy_id=top)
    ws.decide(odense, sid, "override", "Borgeren vil hellere i praktik", programme="virksomhedspraktik")
    _, body = ws.export_citizen(odense, sid)
    doc = json.loads(body)
    text = _visible(printable_explanation(doc))
    assert all(skill in text for skill in doc["profile"]["skills"])
    assert all(v["title"] in text and v["employer"] in text for v in doc["vacancies"])
    supported = [p for p in doc["programmes"] if p["supported"] and p["programme"] != "none"]
    assert supported and all(p["label_da"] in text for p in supported)
    assert "Accepteret" in text and "Passer til ønsket om lagerarbejde" in text
    assert "Konsulentens eget valg" in text and "Virksomhedspraktik" in text
    assert "Sådan virker forslagene" in text and "26 uger" in text
    # Words, not codes; Danish numbers.
    assert not re.search(r"\b[a-z]+_[a-z0-9_]+\b", text), "no snake_case"
    assert not re.search(r"\bV\d{5,}\b", text), "no vacancy ids"
    for code in ("kontanthjaelp", "loentilskud", "virksomhedspraktik", "None", "true", "false", "nan"):
        assert not re.search(rf"\b{code}\b", text), code
    assert re.search(r"mellem [+−-]?\d+,\d procentpoint og [+−-]?\d+,\d procentpoint", text)
    assert not re.search(r"\d\.\d", text), "a Danish decimal comma, never a point"
    assert re.search(r"\d %", text) and not re.search(r"\d%", text)


def test_every_data_derived_text_is_escaped() -> None:
    evil = '<script>alert(1)</script><img src="http://evil.example/x.png">'
    doc = {
        "citizen": evil, "created": "2026-11-30T10:00:00",
        "profile": {"desired_occupations": [evil], "skills": [evil], "education": evil, "weeks_unemployed": evil},
        "vacancies": [{"rank": 1, "title": evil, "employer": evil, "summary_da": evil, "why_score": evil}],
        "programmes": [{"programme": "ips", "supported": False, "reason_da": evil},
                       {"programme": "mentorstoette", "supported": True, "effect": 0.05, "lower": -0.01,
                        "upper": 0.11, "baseline_p26": 0.2, "rank": 1}],
        "decisions": [{"ts": "2026-11-30T10:00:00", "action": "accept", "title": evil, "reason": evil}],
    }  # fmt: skip
    page = printable_explanation(doc)
    assert "<script" not in page and "<img" not in page and "evil.example" in page
    assert page.count("&lt;script&gt;") == 12, "each of the twelve hostile fields is shown, as text"
    text = _visible(page)
    assert "stiger med 5,0 procentpoint (fra 20 % til 25 %)" in text
    assert "mellem -1,0 procentpoint og +11,0 procentpoint" in text
