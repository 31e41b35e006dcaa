"""A writer SIGKILLed at each step of publishing a release leaves one consistent live release.

A child process writes a release with ``core.releases.new_release`` and stops at a chosen step: inside the
block, or just before one of the ``os.replace`` calls that publish (the folder's rename, the CURRENT swap,
each of the home's link swaps), or after all of them. It writes a marker file there and waits to be killed.
Then CURRENT must name a complete release (the previous one until the pointer swap, the new one after),
every link must name a complete release, and the next writer must remove what the dead one left and start
from the live release.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from core.releases import MANIFEST, POINTER, RELEASES, live_release, new_release

DB = "jobmatch.duckdb"
LINKS = (DB, "indexes", "models")
ROOT = Path(__file__).resolve().parents[2]

CHILD = """
import os, sys, time
from pathlib import Path
from core.releases import new_release

home, stop_at, marker = Path(sys.argv[1]), int(sys.argv[2]), Path(sys.argv[3])
calls, real_replace = [0], os.replace

def wait_here():
    marker.write_text("here")
    time.sleep(600)

def replace(src, dst):
    calls[0] += 1
    if calls[0] == stop_at:
        wait_here()
    real_replace(src, dst)

os.replace = replace
with new_release(home, "jobmatch.duckdb", what="test") as folder:
    (folder / "jobmatch.duckdb").write_text("world 2")
    (folder / "indexes" / "vacancies" / "v2").mkdir()
    if stop_at == 0:
        wait_here()
wait_here()
"""

# Where the writer stops: 0 inside the block, n before the n-th os.replace of publishing, 9 after all.
STOPS = {"writing": 0, "before the rename": 1, "before the pointer swap": 2, "before the first link": 3,
         "between two links": 4, "before the last link": 5, "published": 9}  # fmt: skip


def _home(tmp_path: Path) -> tuple[Path, str]:
    """A home with one release (world 1), as a first writer leaves one read in place before."""
    home = tmp_path / "home"
    (home / "indexes" / "vacancies" / "v1").mkdir(parents=True)
    (home / "indexes" / "vacancies" / "CURRENT").write_text("v1")
    (home / "models" / "hybrid").mkdir(parents=True)
    (home / "models" / "hybrid" / "CURRENT").write_text("m1")
    (home / DB).write_text("world 1")
    with new_release(home, DB, what="first"):
        pass
    first = live_release(home)
    assert first is not None
    return home, first


def _kill_at(home: Path, stop_at: int, marker: Path) -> None:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    child = subprocess.Popen([sys.executable, "-c", CHILD, str(home), str(stop_at), str(marker)], env=env)
    deadline = time.monotonic() + 60
    while not marker.exists():
        assert child.poll() is None, "the writer ended before reaching its stop"
        assert time.monotonic() < deadline, "the writer never reached its stop"
        time.sleep(0.01)
    child.send_signal(signal.SIGKILL)
    child.wait()


def _complete(home: Path, name: str) -> str:
    """The world a release holds, after checking it is whole (manifest, world, both artefact folders)."""
    folder = home / RELEASES / name
    assert (folder / MANIFEST).is_file(), f"{name} has no manifest"
    assert (folder / "indexes" / "vacancies" / "CURRENT").read_text() == "v1"
    assert (folder / "models" / "hybrid" / "CURRENT").read_text() == "m1"
    return (folder / DB).read_text()


def _leftovers(home: Path) -> list[str]:
    root = home / RELEASES
    found = [n for n in os.listdir(root) if n.startswith((".r", f".{POINTER}."))]
    return found + [n for n in os.listdir(home) if n.startswith(tuple(f".{link}." for link in LINKS))]


@pytest.mark.parametrize("where", list(STOPS))
def test_a_kill_while_publishing_leaves_one_consistent_live_release(tmp_path: Path, where: str) -> None:
    home, first = _home(tmp_path)
    _kill_at(home, STOPS[where], tmp_path / "marker")
    live = live_release(home)
    assert live is not None
    swapped = STOPS[where] >= 3
    assert (live != first) is swapped
    world = _complete(home, live)
    assert world == ("world 2" if swapped else "world 1")
    for link in LINKS:  # each link names a whole release: the previous one or the live one
        target = (home / link).resolve()
        assert target.parent.name in (first, live)
        _complete(home, target.parent.name)
    assert (home / DB).read_text() in ("world 1", world)
    # Every stop but the last leaves a temporary folder, pointer or link; renamed-but-not-live is complete.
    assert bool(_leftovers(home)) == (where != "published")
    unpublished = {n for n in os.listdir(home / RELEASES) if n.startswith("r")} - {first, live}
    assert len(unpublished) == (where == "before the pointer swap")
    for name in unpublished:
        assert _complete(home, name) == "world 2"
    # The next writer removes the dead one's files, starts from the live release and links everything to it.
    with new_release(home, DB, what="next"):
        pass
    assert _leftovers(home) == []
    assert not any((home / RELEASES / name).exists() for name in unpublished)  # never live: removed
    after = live_release(home)
    assert after is not None and after != live
    assert _complete(home, after) == world
    assert all((home / link).resolve().parent.name == after for link in LINKS)
    assert (home / DB).read_text() == world
