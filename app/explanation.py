"""The citizen's explanation as a printable page in plain Danish, made from the same export document the
consultant downloads as JSON (``Workspace.export_citizen``), so both say the same thing.

A standalone HTML file (the browser prints it, or saves it as PDF): no scripts, no remote resources, and
every data-derived text passes through ``html.escape``. Codes become words (``app.labels``), numbers get a
Danish decimal mark, and the estimates are said in words with their uncertainty.
"""

from __future__ import annotations

import re
from datetime import datetime
from html import escape
from typing import Any

from app import labels

_STYLE = (
    "body{font-family:system-ui,sans-serif;max-width:46em;margin:2em auto;padding:0 1em;line-height:1.5;"
    "color:#222}h1{font-size:1.6em}h2{font-size:1.2em;margin-top:1.6em;border-bottom:1px solid #ccc}"
    "li{margin-bottom:.7em}table{border-collapse:collapse;width:100%}td,th{text-align:left;padding:.3em;"
    "border-bottom:1px solid #ddd;vertical-align:top}.small{color:#555;font-size:.9em}"
    "@media print{body{margin:0;max-width:none}}"
)
HOW_IT_WORKS = (
    "Jobforslagene bygger på, hvor godt dine kompetencer passer til det, stillingen kræver, på afstanden, "
    "timetallet, og på hvilke job borgere med en baggrund som din har søgt. Under hvert forslag står, hvad "
    "der talte mest for det.",
    "For indsatserne har vi skønnet, hvor meget hver indsats ændrer chancen for at være i job 26 uger senere "
    "for borgere som dig. Skønnene bygger på tidligere forløb og er usikre; derfor står der også, hvor stor "
    "usikkerheden er.",
    "Forslagene er vejledende. Det er din konsulent og dig, der træffer beslutningerne, og du kan altid bede "
    "om at få en beslutning forklaret eller ændret.",
)


def printable_explanation(doc: dict[str, Any]) -> str:
    """The export document as one printable HTML page for the citizen."""
    parts = [
        "<!doctype html>",
        '<html lang="da"><head><meta charset="utf-8">',
        "<title>Forklaring af jobcentrets forslag</title>",
        f"<style>{_STYLE}</style></head><body>",
        "<h1>Forklaring af jobcentrets forslag</h1>",
        f'<p class="small">Udtræk for borger {escape(str(doc.get("citizen", "")))}, lavet '
        f"{labels.day_in_words(_moment(doc.get('created')))}. Forslagene er vejledende: din konsulent og du "
        "træffer beslutningerne.</p>",
        *_profile(doc.get("profile") or {}),
        *_vacancies(doc.get("vacancies")),
        *_programmes(doc.get("programmes")),
        *_decisions(doc.get("decisions") or []),
        "<h2>Sådan virker forslagene</h2>",
        *(f"<p>{p}</p>" for p in HOW_IT_WORKS),
        "</body></html>",
    ]
    return "\n".join(parts) + "\n"


def _moment(value: Any) -> datetime | None:
    if isinstance(value, datetime):
        return value
    return datetime.fromisoformat(value) if isinstance(value, str) and value else None


def _words(items: list[Any] | None) -> str:
    return escape(", ".join(str(i) for i in items)) if items else labels.MISSING


def _profile(profile: dict[str, Any]) -> list[str]:
    weeks = profile.get("weeks_unemployed")
    return [
        "<h2>Det bygger forslagene på</h2><ul>",
        f"<li>Ønskejob: {_words(profile.get('desired_occupations'))}</li>",
        f"<li>Kompetencer: {_words(profile.get('skills'))}</li>",
        f"<li>Uddannelse: {escape(str(profile.get('education') or labels.MISSING))}</li>",
        f"<li>Ledig i {escape(str(weeks))} uger</li>" if weeks is not None else "",
        "</ul>",
    ]


def _shares(text: str) -> str:
    """ "kort afstand 49%" -> "kort afstand 49 %" (Danish writes a space before the percent sign)."""
    return re.sub(r"(\d)%", r"\1 %", text)


def _vacancies(rows: list[dict[str, Any]] | None) -> list[str]:
    out = ["<h2>Job, vi foreslår</h2>"]
    if not rows:
        return [*out, "<p>Der var ingen jobforslag, da udtrækket blev lavet.</p>"]
    out.append("<ol>")
    for r in rows:
        employer = f" hos {escape(str(r['employer']))}" if r.get("employer") else ""
        out.append(
            f"<li><strong>{escape(str(r.get('title') or ''))}</strong>{employer}<br>"
            f"{escape(str(r.get('summary_da') or ''))}<br>"
            f'<span class="small">Det talte mest for forslaget (andel af vurderingen): '
            f"{escape(_shares(str(r.get('why_score') or labels.MISSING)))}</span></li>"
        )
    return [*out, "</ol>"]


def _programmes(rows: list[dict[str, Any]] | None) -> list[str]:
    out = ["<h2>Indsatser</h2>"]
    shown = [r for r in rows or [] if r.get("programme") != "none"]
    if not shown:
        return [*out, "<p>Der var ingen skøn over indsatser, da udtrækket blev lavet.</p>"]
    out.append("<ul>")
    for r in shown:
        name = escape(labels.value("programme", r.get("programme")))
        if r.get("supported") and r.get("effect") is not None:
            out.append(f"<li><strong>{name}</strong>: {_effect_in_words(r)}</li>")
        else:
            why = escape(str(r.get("reason_da") or "for få sammenlignelige forløb"))
            out.append(f"<li><strong>{name}</strong>: intet skøn, fordi {why}</li>")
    return [*out, "</ul>"]


def _effect_in_words(r: dict[str, Any]) -> str:
    effect = float(r["effect"])
    direction = "stiger" if effect >= 0 else "falder"
    text = (
        f"vi skønner, at chancen for at være i job 26 uger senere {direction} med "
        f"{labels.number(abs(100 * effect), 1)} procentpoint"
    )
    base = r.get("baseline_p26")
    if base is not None:
        text += f" (fra {labels.percent(base)} til {labels.percent(min(max(base + effect, 0.0), 1.0))})"
    if r.get("lower") is not None and r.get("upper") is not None:
        text += (
            f". Skønnet er usikkert: ændringen kan ligge mellem {labels.pp(r['lower'])} og "
            f"{labels.pp(r['upper'])}"
        )
    if r.get("indistinguishable_from_best") and r.get("rank") != 1:
        text += ". Den kan ikke skelnes sikkert fra den bedste indsats"
    return text + "."


def _decisions(rows: list[dict[str, Any]]) -> list[str]:
    out = ["<h2>Beslutninger</h2>"]
    if not rows:
        return [*out, "<p>Der er ikke truffet beslutninger endnu.</p>"]
    out.append("<table><tr><th>Dato</th><th>Hvad</th><th>Om</th><th>Begrundelse</th></tr>")
    for r in rows:
        about = r.get("title") or (labels.value("programme", r["programme"]) if r.get("programme") else "")
        out.append(
            f"<tr><td>{labels.day_in_words(_moment(r.get('ts')))}</td>"
            f"<td>{escape(labels.value('action', r.get('action')))}</td>"
            f"<td>{escape(str(about or labels.MISSING))}</td>"
            f"<td>{escape(str(r.get('reason') or labels.MISSING))}</td></tr>"
        )
    return [*out, "</table>"]
