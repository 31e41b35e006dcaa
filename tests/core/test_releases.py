"""Releases: publish all or nothing, readers keep what they opened, one writer at a time, leftovers cleaned."""

from __future__ import annotations

import multiprocessing
import os
import time
from pathlib import Path

import pytest

from core.errors import StoreError
from core.releases import KEEP, POINTER, live_release, new_release, releases_root, writer_lock
from core.settings import Settings, writing_release

DB = "jobmatch.duckdb"


def _write(folder: Path, text: str) -> None:
    (folder / DB).write_text(text)
    (folder / "models" / "m").mkdir(parents=True, exist_ok=True)
    (folder / "models" / "m" / "file").write_text(text)


def test_a_home_read_in_place_moves_into_its_first_release_and_links_point_at_the_live_one(
    tmp_path: Path,
) -> None:
    (tmp_path / DB).write_text("world 0")
    (tmp_path / "models" / "m").mkdir(parents=True)
    (tmp_path / "models" / "m" / "file").write_text("model 0")
    assert live_release(tmp_path) is None and Settings(home=tmp_path).db_path == tmp_path / DB
    with new_release(tmp_path, DB, what="test") as folder:
        assert (folder / DB).read_text() == "world 0"  # a copy to write
        assert (folder / "models" / "m" / "file").stat().st_ino == (
            tmp_path / "models" / "m" / "file"
        ).stat().st_ino
        (folder / DB).write_text("world 1")
    name = live_release(tmp_path)
    assert name is not None and Settings(home=tmp_path).db_path == releases_root(tmp_path) / name / DB
    assert (tmp_path / DB).is_symlink() and (tmp_path / DB).read_text() == "world 1"
    assert (tmp_path / "models").is_symlink() and (
        tmp_path / "models" / "m" / "file"
    ).read_text() == "model 0"


def test_a_failed_writer_publishes_nothing_and_the_next_one_removes_what_it_left(tmp_path: Path) -> None:
    with new_release(tmp_path, DB, what="first") as folder:
        _write(folder, "v1")
    live = live_release(tmp_path)
    with pytest.raises(RuntimeError), new_release(tmp_path, DB, what="broken") as folder:
        _write(folder, "half")
        raise RuntimeError("killed mid-write")
    assert live_release(tmp_path) == live and (tmp_path / DB).read_text() == "v1"
    leftover = releases_root(tmp_path) / ".r0-crashed.tmp"  # what a SIGKILL leaves (no except clause runs)
    leftover.mkdir()
    with new_release(tmp_path, DB, what="next") as folder:
        assert (folder / DB).read_text() == "v1"
    assert not leftover.exists()


def test_a_published_release_is_never_written_again(tmp_path: Path) -> None:
    with new_release(tmp_path, DB, what="first") as folder:
        _write(folder, "v1")
    first = releases_root(tmp_path) / str(live_release(tmp_path))
    with new_release(tmp_path, DB, what="second") as folder:
        (folder / DB).write_text("v2")
        (
            folder / "models" / "m" / "file"
        ).unlink()  # the artefact scheme replaces files, never writes through
        (folder / "models" / "m" / "file").write_text("v2")
    assert (first / DB).read_text() == "v1" and (first / "models" / "m" / "file").read_text() == "v1"


def test_old_releases_are_pruned_to_the_live_one_and_two_before(tmp_path: Path) -> None:
    names = []
    for i in range(KEEP + 2):
        with new_release(tmp_path, DB, what=f"w{i}") as folder:
            _write(folder, f"v{i}")
        names.append(live_release(tmp_path))
    kept = sorted(p.name for p in releases_root(tmp_path).iterdir() if p.is_dir())
    assert kept == sorted(names[-KEEP:])


def test_a_pinned_settings_object_keeps_its_release_after_a_publication(tmp_path: Path) -> None:
    with new_release(tmp_path, DB, what="first") as folder:
        _write(folder, "v1")
    pinned = Settings(home=tmp_path).pinned()
    with writing_release(Settings(home=tmp_path), what="second") as w:
        (w.db_path).write_text("v2")
    assert pinned.db_path.read_text() == "v1"
    assert Settings(home=tmp_path).db_path.read_text() == "v2" == pinned.live().db_path.read_text()


def _hold_lock(home: str, ready: multiprocessing.synchronize.Event, seconds: float) -> None:
    with writer_lock(Path(home)):
        ready.set()
        time.sleep(seconds)


def test_one_writer_at_a_time_across_processes(tmp_path: Path) -> None:
    ctx = multiprocessing.get_context("spawn")
    ready = ctx.Event()
    holder = ctx.Process(target=_hold_lock, args=(str(tmp_path), ready, 30.0))
    holder.start()
    try:
        assert ready.wait(60)
        with pytest.raises(StoreError, match="another command"), writer_lock(tmp_path, wait_s=0.5):
            pass
    finally:
        holder.kill()
        holder.join()
    with writer_lock(tmp_path, wait_s=5):  # the lock dies with its holder
        pass


def test_the_pointer_is_replaced_atomically_never_absent(tmp_path: Path) -> None:
    with new_release(tmp_path, DB, what="first") as folder:
        _write(folder, "v1")
    pointer = releases_root(tmp_path) / POINTER
    inode = pointer.stat().st_ino
    with new_release(tmp_path, DB, what="second") as folder:
        _write(folder, "v2")
    assert pointer.stat().st_ino != inode and os.path.exists(pointer)  # a rename over it, not a rewrite
