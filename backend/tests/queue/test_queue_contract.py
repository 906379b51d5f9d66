"""One contract, every queue adapter: database (SQLite, PostgreSQL), SQS (moto over HTTP), in-memory.

Visibility timeouts are 1-2 s here so the suite stays quick; waits poll for the condition
instead of asserting on timings. Time passes through `pass_time`: real sleeps for the real
backends, a manual clock for the in-memory queue (so its runs never sleep).
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable, Iterator
from typing import Any

import boto3
import pytest

from app.db.session import make_engine
from app.queue.base import JobQueue, Message
from app.queue.database import DatabaseQueue
from app.queue.memory import ManualClock, MemoryQueue
from app.queue.sqs import SqsQueue, ensure_queues
from tests.conftest import empty_tables

VISIBILITY_S = 1


@pytest.fixture(params=["memory", "sqlite", pytest.param("postgresql", marks=pytest.mark.postgres), "sqs"])
def queue(request: pytest.FixtureRequest) -> Iterator[JobQueue]:
    if request.param == "memory":
        yield MemoryQueue(visibility_timeout_s=VISIBILITY_S, clock=ManualClock())
    elif request.param in ("sqlite", "postgresql"):
        url = str(request.getfixturevalue(f"{'sqlite' if request.param == 'sqlite' else 'pg'}_migrated"))
        engine = make_engine(url)
        yield DatabaseQueue(engine, visibility_timeout_s=VISIBILITY_S)
        engine.dispose()
        empty_tables(url)
    else:
        endpoint = request.getfixturevalue("moto_endpoint")
        request.getfixturevalue("aws_env")
        url, dlq = ensure_queues(name=f"q-{uuid.uuid4().hex[:8]}", region="us-east-1", endpoint_url=endpoint)
        boto3.client("sqs", region_name="us-east-1", endpoint_url=endpoint).set_queue_attributes(
            QueueUrl=url, Attributes={"VisibilityTimeout": str(VISIBILITY_S)}
        )
        q = SqsQueue(
            queue_url=url,
            dlq_url=dlq,
            region="us-east-1",
            endpoint_url=endpoint,
            visibility_timeout_s=VISIBILITY_S,
        )
        yield q
        q.close()


PassTime = Callable[[float], None]


@pytest.fixture
def pass_time(queue: JobQueue) -> PassTime:
    """Let `seconds` [s] pass for the queue: the manual clock's advance, else a real sleep."""
    clock = getattr(queue, "clock", None)
    return clock.advance if isinstance(clock, ManualClock) else time.sleep


def eventually(
    fn: Callable[[], Any], pass_time: PassTime, timeout_s: float = 15.0, interval_s: float = 0.2
) -> Any:
    """fn()'s first truthy value, polling every `interval_s` [s] for at least `timeout_s` [s] of
    the queue's time; its last value otherwise."""
    waited = 0.0
    while True:
        value = fn()
        if value or waited > timeout_s:
            return value
        pass_time(interval_s)
        waited += interval_s


def receive_one(queue: JobQueue, **kwargs: Any) -> Message | None:
    got = queue.receive(max_messages=1, wait_time_s=kwargs.pop("wait_time_s", 0), **kwargs)
    return got[0] if got else None


def test_send_receive_delete(queue: JobQueue, pass_time: PassTime) -> None:
    mid = queue.send({"layout_id": "a"})
    msg = eventually(lambda: receive_one(queue), pass_time)
    assert msg is not None
    assert msg.message_id == mid and msg.body == {"layout_id": "a"} and msg.receive_count == 1
    assert receive_one(queue) is None  # hidden while in flight
    stats = queue.stats()
    assert stats.depth == 0 and stats.in_flight == 1
    queue.delete(msg.receipt_handle)
    assert eventually(lambda: queue.stats().in_flight == 0, pass_time)
    pass_time(VISIBILITY_S + 0.5)
    assert receive_one(queue) is None  # deleted for good


def test_visibility_timeout_redelivers(queue: JobQueue, pass_time: PassTime) -> None:
    queue.send({"n": 1})
    first = eventually(lambda: receive_one(queue), pass_time)
    again = eventually(lambda: receive_one(queue), pass_time, timeout_s=VISIBILITY_S + 10)
    assert again is not None and again.message_id == first.message_id
    assert again.receive_count == 2
    queue.delete(again.receipt_handle)


def test_change_visibility_extends_and_releases(queue: JobQueue, pass_time: PassTime) -> None:
    queue.send({"n": 2})
    msg = eventually(lambda: receive_one(queue), pass_time)
    queue.change_visibility(msg.receipt_handle, 30)  # a long job extends its lease
    pass_time(VISIBILITY_S + 0.5)
    assert receive_one(queue) is None
    queue.change_visibility(msg.receipt_handle, 0)  # and gives it back at once
    back = eventually(lambda: receive_one(queue), pass_time)
    assert back is not None and back.message_id == msg.message_id


def test_stale_receipt_handle_does_not_delete(queue: JobQueue, pass_time: PassTime) -> None:
    if isinstance(queue, SqsQueue):
        pytest.skip("SQS may accept an old receipt handle; the job runner's claim makes that harmless")
    queue.send({"n": 3})
    first = eventually(lambda: receive_one(queue), pass_time)
    second = eventually(lambda: receive_one(queue), pass_time, timeout_s=VISIBILITY_S + 10)
    queue.delete(first.receipt_handle)  # the first receiver was too slow
    assert queue.stats().in_flight == 1
    queue.delete(second.receipt_handle)
    assert eventually(lambda: queue.stats().in_flight == 0, pass_time)


def test_dead_letter_after_three_receives(queue: JobQueue, pass_time: PassTime) -> None:
    mid = queue.send({"layout_id": "poison"})
    for attempt in (1, 2, 3):
        msg = eventually(lambda: receive_one(queue), pass_time, timeout_s=VISIBILITY_S + 10)
        assert msg is not None and msg.receive_count == attempt
        queue.change_visibility(msg.receipt_handle, 0)
    # The fourth receive finds nothing: the message moved to the DLQ instead.
    assert receive_one(queue, wait_time_s=1) is None
    assert eventually(lambda: queue.stats().dlq_depth == 1, pass_time)
    dead = queue.dlq_list(limit=10)
    assert [m.body for m in dead] == [{"layout_id": "poison"}]
    if not isinstance(queue, SqsQueue):  # SQS gives the DLQ copy a new id
        assert dead[0].message_id == mid
    # Redrive brings it back as a fresh message.
    assert queue.dlq_redrive() == [{"layout_id": "poison"}]
    assert eventually(lambda: queue.stats().dlq_depth == 0, pass_time)
    back = eventually(lambda: receive_one(queue), pass_time)
    assert back is not None and back.body == {"layout_id": "poison"} and back.receive_count == 1
    queue.delete(back.receipt_handle)


def test_redrive_selected_and_purge(queue: JobQueue, pass_time: PassTime) -> None:
    for n in range(2):
        queue.send({"n": n})
    for _ in range(3):
        for _m in range(2):
            msg = eventually(lambda: receive_one(queue), pass_time, timeout_s=VISIBILITY_S + 10)
            queue.change_visibility(msg.receipt_handle, 0)
    receive_one(queue, wait_time_s=1)
    assert eventually(lambda: queue.stats().dlq_depth == 2, pass_time)
    dead = queue.dlq_list(limit=10)
    chosen = dead[0]
    assert queue.dlq_redrive([chosen.message_id]) == [chosen.body]
    assert eventually(lambda: queue.stats().dlq_depth == 1, pass_time)
    assert queue.dlq_purge() == 1
    assert eventually(lambda: queue.stats().dlq_depth == 0, pass_time)
    assert eventually(lambda: queue.stats().depth == 1, pass_time)
    assert queue.purge() == 1
    assert eventually(lambda: queue.stats().depth == 0, pass_time)


def test_long_poll_returns_when_a_message_arrives(queue: JobQueue) -> None:
    import threading

    timer = threading.Timer(0.5, lambda: queue.send({"late": True}))
    timer.start()
    # One call, started before the message existed, returns it: the poll waited for it.
    got = queue.receive(max_messages=1, wait_time_s=10)
    timer.join()
    assert got and got[0].body == {"late": True}
    queue.delete(got[0].receipt_handle)


def test_long_poll_stops_early_on_request(queue: JobQueue) -> None:
    # SQS too: its stoppable poll is made of short calls, the flag checked before each (test_sqs_stop.py).
    calls: list[int] = []

    def stop() -> bool:
        calls.append(1)
        return True

    assert queue.receive(max_messages=1, wait_time_s=10, should_stop=stop) == []
    assert calls == [1]  # it gave up at the first check instead of polling on


def test_oldest_message_age(queue: JobQueue, pass_time: PassTime) -> None:
    queue.send({"n": 1})
    pass_time(1.1)
    age = queue.stats().oldest_message_age_s
    if isinstance(queue, SqsQueue):
        assert age is None  # SQS reports it through CloudWatch only
    else:
        assert age is not None and age >= 1.0


def test_database_send_joins_the_callers_transaction(database_url: str) -> None:
    """The layout row and its message commit together, or not at all."""
    from sqlalchemy.orm import sessionmaker

    engine = make_engine(database_url)
    q = DatabaseQueue(engine, visibility_timeout_s=VISIBILITY_S)
    factory = sessionmaker(bind=engine)
    with factory() as session:
        q.send({"layout_id": "rolled-back"}, session=session)
        session.rollback()
    assert q.stats().depth == 0
    with factory() as session:
        q.send({"layout_id": "committed"}, session=session)
        session.commit()
    assert q.stats().depth == 1
    engine.dispose()


def test_two_receivers_never_get_the_same_message(database_url: str) -> None:
    """SKIP LOCKED (PostgreSQL) / BEGIN IMMEDIATE (SQLite): concurrent receivers split the messages."""
    import threading

    engine = make_engine(database_url)
    q = DatabaseQueue(engine, visibility_timeout_s=60)
    for n in range(40):
        q.send({"n": n})
    seen: list[int] = []
    lock = threading.Lock()

    def drain() -> None:
        while True:
            got = q.receive(max_messages=3, wait_time_s=0)
            if not got:
                return
            with lock:
                seen.extend(int(m.body["n"]) for m in got)

    threads = [threading.Thread(target=drain) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(seen) == list(range(40))
    engine.dispose()
