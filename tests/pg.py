"""A PostgreSQL server for the tests, started through the project's own script (``scripts/pg_server.sh``) when
a test first asks for one and stopped at the end of the session; one fresh database per test."""

from __future__ import annotations

import shutil
import socket
import subprocess
import tempfile
import uuid
from collections.abc import Iterator
from pathlib import Path

SCRIPT = Path(__file__).resolve().parents[1] / "scripts" / "pg_server.sh"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def running_server() -> Iterator[str]:
    """Start a server in a fresh folder (as root the script runs it as ``postgres``); yields its URL."""
    folder = Path(tempfile.mkdtemp(prefix="jobmatch-pg-"))
    try:
        started = subprocess.run([str(SCRIPT), "start", str(folder), str(free_port())], check=True,
                                 capture_output=True, text=True, timeout=120)  # fmt: skip
        yield started.stdout.strip().splitlines()[-1]
    finally:
        subprocess.run([str(SCRIPT), "stop", str(folder)], check=False, capture_output=True, timeout=60)
        shutil.rmtree(folder, ignore_errors=True)


def fresh_database(server_url: str) -> str:
    """A new, empty database on the server; its URL."""
    import psycopg

    name = f"t_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(server_url, autocommit=True) as con:
        con.execute(f"CREATE DATABASE {name}")
    return server_url.rsplit("/", 1)[0] + "/" + name
