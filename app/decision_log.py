"""Consultants' decisions between the operations store, where the dashboard writes them, and the world
store, where training reads them (``data.interactions.training_events``).

The dashboard never writes the world (it reads it read-only); the world writer (``jobmatch build`` /
``refresh``) calls :func:`copy_decisions_to_world` inside its own transaction, so each new world snapshot
carries every decision made so far. Decisions are append-only and keyed by ``decision_id``, so a copy only
adds the rows the world does not have yet and running it twice changes nothing.
"""

from __future__ import annotations

import polars as pl

from app.ops import OpsStore
from data.store import Store

# The world's ``decisions`` table (data/schema.py), column for column.
DECISION_SCHEMA: dict[str, pl.DataType] = {
    "decision_id": pl.String(), "ts": pl.Datetime("us"), "user_id": pl.String(), "role": pl.String(),
    "jobcenter_id": pl.String(), "seeker_id": pl.String(), "vacancy_id": pl.String(), "programme": pl.String(),
    "action": pl.String(), "reason": pl.String(), "model_version": pl.String(), "data_version": pl.String(),
}  # fmt: skip
ADOPTED_KEY = "world_decisions_adopted"
# What an earlier version kept in the world store, and the columns the operations store keeps of each.
WORLD_TABLES = {
    "decisions": tuple(DECISION_SCHEMA),
    "contact_request_status": ("request_id", "status", "ts", "user_id", "note"),
    "employer_marks": ("vacancy_id", "seeker_id", "mark", "ts", "user_id"),
}


def decisions_frame(ops: OpsStore) -> pl.DataFrame:
    """Every decision in the order it was made, with the world table's columns and types."""
    sql = f"SELECT {', '.join(DECISION_SCHEMA)} FROM decisions ORDER BY ts, ord"
    return (
        ops.query(sql, schema=DECISION_SCHEMA).select(list(DECISION_SCHEMA)).cast(pl.Schema(DECISION_SCHEMA))
    )


def copy_decisions_to_world(ops: OpsStore, store: Store) -> int:
    """Append the decisions the world store lacks (in the order they were made); returns how many. Call it
    on a writable store, inside the writer's transaction."""
    known = store.query("SELECT decision_id FROM decisions")["decision_id"]
    new = decisions_frame(ops).filter(~pl.col("decision_id").is_in(known.implode()))
    return store.insert("decisions", new)


def adopt_world_decisions(ops: OpsStore, world: Store) -> int:
    """Once per operations store: take over the decisions, request steps and employer marks an earlier version
    wrote into the world store, so the dashboard's history continues where it was. Returns rows taken."""
    if ops.meta(ADOPTED_KEY):
        return 0
    taken = 0
    with ops.write("decisions") as cur:
        for table, columns in WORLD_TABLES.items():
            order = " ORDER BY ts, rowid" if table == "decisions" else ""
            rows = world.query(f"SELECT {', '.join(columns)} FROM {table}{order}").rows()
            cur.executemany(f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({', '.join('?' * len(columns))}) "
                            "ON CONFLICT DO NOTHING", rows)  # fmt: skip
            taken += len(rows)
        cur.execute("INSERT INTO ops_meta VALUES (?, 'yes') ON CONFLICT (key) DO NOTHING", [ADOPTED_KEY])
    return taken
