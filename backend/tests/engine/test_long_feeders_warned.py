"""MV feeders longer than the feeder limit are said in the layout's warnings (issue 21 item 6).

Found on the 1 GWac tracker bench plant: one collector substation's feeders ran 6.3–6.4 km against
the 5 km limit, and only the electrical design's own warnings said so.
"""

from __future__ import annotations

import re

from app.engine.layout.documents import _long_feeders

PATTERN = r"(\d+) MV feeder\(s\) run longer than the ([\d,]+) m feeder limit \(up to ([\d,]+) m\)"


def test_feeders_over_the_limit_are_counted_with_the_longest() -> None:
    single_line = [{"length_m": x} for x in (4_200.0, 6_399.4, 5_000.5, 6_280.0, 5_002.0)]
    (w,) = _long_feeders(single_line, 5_000.0)
    m = re.match(PATTERN, w)
    assert m is not None
    # 5,000.5 m is within the 1 m rounding allowance; 5,002, 6,280 and 6,399 are over.
    assert (int(m[1]), m[2], m[3]) == (3, "5,000", "6,399")


def test_no_warning_within_the_limit() -> None:
    assert _long_feeders([{"length_m": 4_999.0}, {"length_m": 120.0}], 5_000.0) == []
    assert _long_feeders([], 5_000.0) == []
