"""Request transactions that end in the endpoint's own thread.

FastAPI runs a sync dependency, the endpoint and the dependency's teardown as separate hops on
its thread pool. A transaction left open across hops holds SQLite's write lock while it waits
for a free thread — and under load every thread can be waiting for that lock (a deadlock until
the busy timeout). So the request's session is committed (or rolled back) right after the
endpoint returns, in the same thread, and the dependency's teardown only closes it.
"""

from __future__ import annotations

import functools
import inspect
from collections.abc import Callable
from typing import Any

from fastapi.routing import APIRoute
from sqlalchemy.orm import Session

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


def _committing(endpoint: Callable[..., Any]) -> Callable[..., Any]:
    params = inspect.signature(endpoint).parameters
    if "session" not in params:
        return endpoint

    def finish(session: Any, ok: bool) -> None:
        if isinstance(session, Session):
            session.commit() if ok else session.rollback()

    if inspect.iscoroutinefunction(endpoint):

        @functools.wraps(endpoint)
        async def async_wrapper(*args: Any, **kwargs: Any) -> Any:
            try:
                result = await endpoint(*args, **kwargs)
            except BaseException:
                finish(kwargs.get("session"), ok=False)
                raise
            finish(kwargs.get("session"), ok=True)
            return result

        return async_wrapper

    @functools.wraps(endpoint)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            result = endpoint(*args, **kwargs)
        except BaseException:
            finish(kwargs.get("session"), ok=False)
            raise
        finish(kwargs.get("session"), ok=True)
        return result

    return wrapper


class TransactionalRoute(APIRoute):
    """An APIRoute whose endpoint commits the request session before returning."""

    def __init__(self, path: str, endpoint: Callable[..., Any], **kwargs: Any) -> None:
        super().__init__(path, _committing(endpoint), **kwargs)
