"""Migrations apply, revert and re-apply cleanly on both databases."""

from __future__ import annotations

from sqlalchemy import inspect

from app.db import migrate
from app.db.session import make_engine


def test_upgrade_downgrade_upgrade(migrated_db: str) -> None:
    engine = make_engine(migrated_db)
    try:
        migrate.downgrade(migrated_db, "base")
        assert set(inspect(engine).get_table_names()) <= {"alembic_version"}
        migrate.upgrade(migrated_db, "0001")
        assert "queue_messages" not in inspect(engine).get_table_names()
        migrate.upgrade(migrated_db)
        tables = set(inspect(engine).get_table_names())
        assert {"users", "sites", "exclusion_zones", "layouts", "assets", "roads", "queue_messages"} <= tables
        columns = {c["name"] for c in inspect(engine).get_columns("layouts")}
        assert {"stage", "progress_pct", "heartbeat_at", "attempts", "idempotency_key"} <= columns
    finally:
        engine.dispose()
