"""The adapters a process needs, built once from settings (API, worker and CLI share this)."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from app.config import Settings
from app.db.session import make_engine, make_session_factory
from app.queue.base import JobQueue
from app.queue.factory import make_queue
from app.storage.base import Storage
from app.storage.factory import make_storage


@dataclass(kw_only=True)
class Services:
    settings: Settings
    engine: Engine
    session_factory: sessionmaker[Session]  # reads (and writes whose first statement writes)
    write_session_factory: sessionmaker[Session]  # read-then-write transactions
    storage: Storage
    queue: JobQueue

    def close(self) -> None:
        self.queue.close()
        self.engine.dispose()


def build_services(settings: Settings) -> Services:
    engine = make_engine(settings.database_url)
    session_factory = make_session_factory(engine)
    return Services(
        settings=settings,
        engine=engine,
        session_factory=session_factory,
        write_session_factory=make_session_factory(engine, write=True),
        storage=make_storage(settings),
        queue=make_queue(settings, engine=engine),
    )
