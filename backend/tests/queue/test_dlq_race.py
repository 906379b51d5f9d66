"""Poison messages under racing receivers: every one ends in the dead-letter queue exactly once and
none is handed out after its third receive (issue 27, point 4). Real connections, SQLite and
PostgreSQL; each receiver has its own engine, as a worker process would.

The race it guards: a receiver's redrive step runs, then a worker that took a message for the
third time gives it back (`change_visibility(…, 0)`, as the job runner does on its last try) and
commits, then the receiver's claim query sees it visible again — before the fix, a fourth receive,
after which the runner deleted it and `ops dlq redrive` never saw the failed layout.
"""

from __future__ import annotations

import threading
import time
from collections import defaultdict
from collections.abc import Iterator

import pytest

from app.db.session import make_engine
from app.queue.base import MAX_RECEIVE_COUNT
from app.queue.database import DatabaseQueue
from tests.chaos.conftest import ENABLED as CHAOS
from tests.chaos.conftest import record
from tests.conftest import empty_tables

# `make chaos` races more receivers over more messages; `make test` keeps it to a few seconds.
POISON, RECEIVERS = (100, 16) if CHAOS else (40, 8)
DEADLINE_S = 120.0


def db_name(url: str) -> str:
    return "postgresql" if url.startswith("postgresql") else "sqlite"


@pytest.fixture
def queues(database_url: str) -> Iterator[list[DatabaseQueue]]:
    engines = [make_engine(database_url) for _ in range(RECEIVERS + 1)]
    yield [DatabaseQueue(e, name=f"race-{id(engines)}", visibility_timeout_s=300) for e in engines]
    for e in engines:
        e.dispose()
    empty_tables(database_url)


def test_poison_messages_reach_the_dlq_exactly_once(queues: list[DatabaseQueue], database_url: str) -> None:
    sender, receivers = queues[0], queues[1:]
    started = time.monotonic()
    sent = {sender.send({"layout_id": f"poison-{n}"}) for n in range(POISON)}
    seen: dict[str, list[int]] = defaultdict(list)
    lock = threading.Lock()
    stop = threading.Event()
    errors: list[BaseException] = []

    def receiver(q: DatabaseQueue) -> None:
        try:
            while not stop.is_set():
                for msg in q.receive(max_messages=1, wait_time_s=0):
                    with lock:
                        seen[msg.message_id].append(msg.receive_count)
                    # Every attempt fails; a retryable failure gives the message back at once.
                    q.change_visibility(msg.receipt_handle, 0)
        except BaseException as exc:  # a failure in a thread must fail the test
            errors.append(exc)
            stop.set()

    threads = [threading.Thread(target=receiver, args=(q,)) for q in receivers]
    for t in threads:
        t.start()
    deadline = time.monotonic() + DEADLINE_S
    try:
        while time.monotonic() < deadline and not stop.is_set():
            if sender.stats().dlq_depth == POISON:
                break
            time.sleep(0.2)
        # A little longer: any late fourth receive would be recorded now.
        time.sleep(0.5)
    finally:
        stop.set()
        for t in threads:
            t.join(timeout=30)
    assert not errors, errors

    dead = sender.dlq_list(limit=POISON * 2)
    record(
        "dlq_race",
        db_name(database_url),
        poison=POISON,
        receivers=RECEIVERS,
        receives=sum(len(c) for c in seen.values()),
        max_receive_count=max((max(c) for c in seen.values()), default=0),
        in_dlq=len(dead),
        distinct_in_dlq=len({m.message_id for m in dead}),
        seconds=round(time.monotonic() - started, 1),
    )
    fourth = {mid: counts for mid, counts in seen.items() if max(counts) > MAX_RECEIVE_COUNT}
    assert not fourth, f"received after the maximum: {fourth}"
    assert {mid: sorted(c) for mid, c in seen.items()} == {mid: [1, 2, 3] for mid in sent}
    assert sorted(m.message_id for m in dead) == sorted(sent)  # each exactly once
    assert all(m.receive_count == MAX_RECEIVE_COUNT for m in dead)
    stats = sender.stats()
    assert (stats.depth, stats.in_flight, stats.dlq_depth) == (0, 0, POISON)
