"""What the command line shows or hands out goes into the same hash-chained audit log as the dashboard's.

The record is written before the output: a list or an export that cannot be logged (the dashboard holds the
operations store, say) is not shown or written at all.
"""

from __future__ import annotations

import getpass
from typing import Any

import typer

from cli.context import settings

CLI_ROLE = "cli"


def cli_user() -> str:
    """The operating-system login running the command (``cli`` where the system has no name for it)."""
    try:
        return getpass.getuser() or CLI_ROLE
    except (KeyError, OSError):  # a container user without a passwd entry
        return CLI_ROLE


def log(
    ctx: typer.Context,
    kind: str,
    subject: str | None,
    payload: dict[str, Any],
    *,
    model_version: str | None = None,
    data_version: str | None = None,
) -> int:
    """Append one record for what this command is about to show or write; returns its sequence number."""
    from app.audit import Actor, AuditLog
    from app.ops import OpsStore

    with OpsStore.open(settings(ctx)) as ops:
        return AuditLog(ops).append(
            Actor(cli_user(), CLI_ROLE), kind, subject=subject, payload=payload,
            model_version=model_version, data_version=data_version,
        )  # fmt: skip


def ranked(frame: Any, key: str, score: str) -> list[dict[str, Any]]:
    """The shown ranking as the audit keeps it: rank, id and score (rounded like the dashboard's records)."""
    return [
        {"rank": r["rank"], key: r[key], score: round(float(r[score]), 4)}
        for r in frame.iter_rows(named=True)
    ]
