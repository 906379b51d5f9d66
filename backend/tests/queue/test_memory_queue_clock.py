"""The in-memory queue on a manual clock: visibility and ages follow the clock, to the second,
with no sleeping (the contract suite runs it the same way through `pass_time`)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from app.queue.memory import ManualClock, MemoryQueue


def _receive(queue: MemoryQueue) -> list[str]:
    return [m.receipt_handle for m in queue.receive(max_messages=10, wait_time_s=0)]


def test_a_message_reappears_exactly_when_its_visibility_ends() -> None:
    clock = ManualClock()
    queue = MemoryQueue(visibility_timeout_s=30, clock=clock)
    queue.send({"n": 1})
    assert len(_receive(queue)) == 1
    clock.advance(29.999)
    assert _receive(queue) == []  # still in flight
    clock.advance(0.001)
    handles = _receive(queue)
    assert len(handles) == 1
    queue.change_visibility(handles[0], 120)  # a long job extends its lease
    clock.advance(119.0)
    assert _receive(queue) == [] and queue.stats().in_flight == 1


def test_the_fourth_receive_goes_to_the_dead_letter_queue() -> None:
    clock = ManualClock()
    queue = MemoryQueue(visibility_timeout_s=10, max_receive_count=3, clock=clock)
    queue.send({"layout_id": "poison"})
    for _ in range(3):
        assert len(_receive(queue)) == 1
        clock.advance(10)
    assert _receive(queue) == []
    stats = queue.stats()
    assert (stats.depth, stats.in_flight, stats.dlq_depth) == (0, 0, 1)


def test_message_age_is_the_clocks() -> None:
    clock = ManualClock(start=datetime(2026, 6, 1, tzinfo=UTC))
    queue = MemoryQueue(clock=clock)
    queue.send({"n": 1})
    assert queue.receive(wait_time_s=0)[0].sent_at == datetime(2026, 6, 1, tzinfo=UTC)
    clock.advance(42.5)
    assert queue.stats().oldest_message_age_s == pytest.approx(42.5)
    with pytest.raises(ValueError):
        clock.advance(-1)
