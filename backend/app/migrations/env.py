"""Alembic environment: the database URL comes from the caller or from Settings."""

from __future__ import annotations

from alembic import context

from app.db import models  # noqa: F401  (register tables)
from app.db.base import Base
from app.db.session import make_engine

config = context.config


def run_migrations_online() -> None:
    url = config.attributes.get("database_url")
    if url is None:
        from app.config import get_settings

        url = get_settings().database_url
    connectable = config.attributes.get("connection")
    if connectable is not None:
        _run(connectable)
        return
    engine = make_engine(url)
    with engine.connect() as connection:
        _run(connection)
    engine.dispose()


def _run(connection: object) -> None:
    context.configure(
        connection=connection,  # type: ignore[arg-type]
        target_metadata=Base.metadata,
        render_as_batch=True,  # SQLite cannot ALTER most things; batch mode copies the table
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


run_migrations_online()
