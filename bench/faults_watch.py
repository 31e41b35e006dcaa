"""Watching a home's releases from outside a writer: when it starts, refreshes, publishes; when to kill it.

A writer (core/releases.py) fills a hidden ``releases/.r....tmp`` folder, writes ``release.json`` in it, renames
it to ``releases/r...``, swaps ``releases/CURRENT`` and then the home's three links. Each of these is visible in
a couple of directory listings, cheap enough to poll every millisecond: that is how the harness times its
reference runs and how it aims a kill at a moment of the run being killed.
"""

from __future__ import annotations

import os
import signal
import subprocess
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from core.releases import DERIVED, MANIFEST, POINTER, RELEASES

SIDES = ("vacancies", "seekers")
LINKS = ("jobmatch.duckdb", *DERIVED)
POLL_S = 0.001


@dataclass(frozen=True)
class Layout:
    """A home's releases at one moment."""

    live: str  # what CURRENT names
    published: tuple[str, ...]  # r... folders
    writing: str  # the .r....tmp folder being filled ("" when none)
    manifest: bool  # the folder being filled has its release.json (it is about to be published)
    indexes: tuple[str, ...]  # the index versions inside the folder being filled, per side
    hybrid: str  # the hybrid model's version inside the folder being filled
    links: tuple[str, ...]  # the release each of the home's links names


def _read(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8").strip()
    except (FileNotFoundError, NotADirectoryError):
        return ""


def _link(path: Path) -> str:
    try:
        return Path(os.readlink(path)).parent.name
    except (FileNotFoundError, OSError):
        return ""


def look(home: Path) -> Layout:
    root = home / RELEASES
    try:
        names = os.listdir(root)
    except FileNotFoundError:
        names = []
    writing = next((n for n in sorted(names) if n.startswith(".r") and n.endswith(".tmp")), "")
    folder = root / writing
    return Layout(
        live=_read(root / POINTER),
        published=tuple(sorted(n for n in names if n.startswith("r"))),
        writing=writing,
        manifest=bool(writing) and (folder / MANIFEST).exists(),
        indexes=tuple(_read(folder / "indexes" / s / "CURRENT") if writing else "" for s in SIDES),
        hybrid=_read(folder / "models" / "hybrid" / "CURRENT") if writing else "",
        links=tuple(_link(home / name) for name in LINKS),
    )


# --- events ---------------------------------------------------------------------------------------------


def _moved(before: Layout, now: Layout, fields: tuple[int, ...]) -> bool:
    """Whether the folder being written has new index versions (0: vacancies, 1: seekers)."""
    return bool(now.writing) and all(now.indexes[i] and now.indexes[i] != before.indexes[i] for i in fields)


Event = Callable[[Layout, Layout], bool]  # (layout before the run, layout now) -> happened

EVENTS: dict[str, Event] = {
    "start": lambda _b, _n: True,
    "writer started": lambda _b, n: bool(n.writing) or n.live != _b.live,
    "vacancy index written": lambda b, n: _moved(b, n, (0,)),
    "indexes written": lambda b, n: _moved(b, n, (0, 1)),
    "hybrid written": lambda b, n: bool(n.writing) and bool(n.hybrid) and n.hybrid != b.hybrid,
    "manifest written": lambda _b, n: n.manifest,
    "renamed": lambda b, n: len(set(n.published) - set(b.published)) > 0,
    "pointer swapped": lambda b, n: n.live != b.live,
    "links swapped": lambda b, n: n.live != b.live and all(link == n.live for link in n.links),
}


@dataclass
class Timeline:
    """A clean run of a command: its length and when each event was first seen (seconds after the start)."""

    seconds: float
    marks: dict[str, float] = field(default_factory=dict)

    def at(self, event: str) -> float:
        return self.marks.get(event, self.seconds)


def watch(cmd: list[str], env: dict[str, str], home: Path) -> Timeline:
    """Run ``cmd`` to completion, noting when each event happens."""
    before = _baseline(home)
    marks: dict[str, float] = {}
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, env=env, cwd=home.parent, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    while proc.poll() is None:
        now, layout = time.perf_counter() - start, look(home)
        for name, happened in EVENTS.items():
            if name not in marks and happened(before, layout):
                marks[name] = now
        time.sleep(POLL_S)
    seconds = time.perf_counter() - start
    output = proc.stdout.read().decode() if proc.stdout else ""
    if proc.returncode != 0:
        raise RuntimeError(f"reference run {' '.join(cmd)} failed: {output[-2000:]}")
    final = look(home)
    for name, happened in EVENTS.items():  # what happened between the last poll and the exit
        if name not in marks and happened(before, final):
            marks[name] = seconds
    return Timeline(round(seconds, 4), {k: round(v, 4) for k, v in marks.items()})


def _baseline(home: Path) -> Layout:
    """The layout before a run; the folder it will write starts from the live release's pointers."""
    now = look(home)
    live = home / RELEASES / now.live
    indexes = tuple(_read(live / "indexes" / s / "CURRENT") for s in SIDES)
    return Layout(now.live, now.published, "", False, indexes, _read(live / "models" / "hybrid" / "CURRENT"),
                  now.links)  # fmt: skip


def kill_after(cmd: list[str], env: dict[str, str], home: Path, trigger: str, delay: float
               ) -> tuple[bool, float]:  # fmt: skip
    """Start ``cmd``; ``delay`` seconds after ``trigger`` SIGKILL it. (killed, seconds since start)

    Timing from an event rather than from the start keeps the kill inside short phases however slow the
    start-up is on a loaded machine."""
    before, event = _baseline(home), EVENTS[trigger]
    started = time.perf_counter()
    proc = subprocess.Popen(cmd, env=env, cwd=home.parent, stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL, start_new_session=True)  # fmt: skip
    armed = started if trigger == "start" else None
    try:
        while proc.poll() is None:
            now = time.perf_counter()
            if armed is None and event(before, look(home)):
                armed = now
            if armed is not None and now - armed >= delay:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait()
                return True, now - started
            time.sleep(POLL_S)
    finally:  # the harness itself interrupted: leave no writer running in its own session
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
    return False, time.perf_counter() - started
