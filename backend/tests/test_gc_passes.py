"""The engine's raised GC threshold is restored after the layout, also when callers overlap or fail."""

from __future__ import annotations

import gc
import threading

import pytest

from app.engine.core.gc_passes import ENGINE_GEN0_THRESHOLD, fewer_gc_passes


def test_threshold_raised_inside_and_restored_after() -> None:
    before = gc.get_threshold()
    with fewer_gc_passes():
        assert gc.get_threshold()[0] == max(ENGINE_GEN0_THRESHOLD, before[0])
        assert gc.get_threshold()[1:] == before[1:]
    assert gc.get_threshold() == before


def test_restored_after_an_error_and_after_overlapping_callers() -> None:
    before = gc.get_threshold()
    with pytest.raises(RuntimeError), fewer_gc_passes():
        raise RuntimeError("layout failed")
    assert gc.get_threshold() == before

    inside = threading.Event()
    leave = threading.Event()

    def other() -> None:
        with fewer_gc_passes():
            inside.set()
            leave.wait(5)

    t = threading.Thread(target=other)
    t.start()
    inside.wait(5)
    with fewer_gc_passes():
        pass
    # The other caller is still inside: the threshold stays raised until it leaves.
    assert gc.get_threshold()[0] == max(ENGINE_GEN0_THRESHOLD, before[0])
    leave.set()
    t.join(5)
    assert gc.get_threshold() == before
