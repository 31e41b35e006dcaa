"""Bidirectional control characters in data cannot reorder what a page or an export shows."""

from __future__ import annotations

import polars as pl

from app.labels import display_frame
from app.ui_text import md, strip_bidi

RLO, LRE, PDF, RLI, PDI, LRM, RLM, ALM = (
    "\u202e",
    "\u202a",
    "\u202c",
    "\u2067",
    "\u2069",
    "\u200e",
    "\u200f",
    "\u061c",
)
CONTROLS = [RLO, LRE, PDF, RLI, PDI, LRM, RLM, ALM, "\u202b", "\u202d", "\u2066", "\u2068"]
TITLE = f"Lagerarbejder {RLO}fdp.exe"


def test_md_removes_every_bidi_control() -> None:
    shown = md(TITLE)
    assert RLO not in shown and shown == "Lagerarbejder fdp\\.exe"
    assert not any(c in md("".join(CONTROLS) + "x") for c in CONTROLS[:-1])
    assert md("".join(CONTROLS) + "x") == "x"


def test_md_isolates_right_to_left_text_from_the_words_around_it() -> None:
    shown = md(f"{RLO}محمد 42")
    assert shown == "\u2068محمد 42\u2069" and RLO not in shown
    assert md("Ærø Ålborg") == "Ærø Ålborg", "Danish text is left as it is"


def test_strip_bidi_cleans_strings_inside_an_export_payload() -> None:
    payload = {"title": TITLE, f"k{LRM}": [f"a{RLI}b", (f"{PDI}c", 3)], "n": 1.5, "none": None}
    assert strip_bidi(payload) == {
        "title": "Lagerarbejder fdp.exe", "k": ["ab", ("c", 3)], "n": 1.5, "none": None}  # fmt: skip


def test_display_frame_removes_bidi_controls_from_text_cells() -> None:
    frame = pl.DataFrame({"title": [TITLE, None, f"{ALM}{RLM}ok"], "n": [1, 2, 3]})
    shown = display_frame(frame, "da")
    cells = shown.to_series(0).to_list()
    assert cells == ["Lagerarbejder fdp.exe", "–", "ok"]
    assert not any(c in "".join(cells) for c in CONTROLS)
