"""Read a wind resource file: a sector Weibull table CSV, a WAsP / WindPRO `.tab` observed wind
climate, or a time-series CSV. The format is recognised from the content (the `.tab` name helps).
Every problem raises `InvalidInput` naming the line and column (a 4xx at the API, exit 2 in the CLI).

Weibull CSV: `sector_deg, frequency, weibull_a_m_s, weibull_k, height_m`, one row per sector, sectors
equally spaced from 0° (N rows: 0, 360/N, …); frequency as shares (sum 1) or per cent (sum 100).
Time series CSV: `timestamp, speed_m_s, direction_deg, height_m` (ISO 8601 timestamps; the columns
may also be called speed / wind_speed_m_s, direction / wind_direction_deg, height).
WAsP .tab: line 1 a title; line 2 latitude, longitude, height [m]; line 3 number of sectors, speed
factor, direction offset [°]; line 4 the sector frequencies [%]; then one line per speed bin: its
upper limit [m/s] and each sector's share of that bin [‰].
"""

from __future__ import annotations

import csv
import io
import math
from datetime import datetime

import numpy as np

from app.engine.wind.resource import WindResource
from app.errors import InvalidInput

SUPPORTED = "a Weibull table CSV, a WAsP/WindPRO .tab file or a time-series CSV (docs/wind.md)"
WEIBULL_COLUMNS = ("sector_deg", "frequency", "weibull_a_m_s", "weibull_k", "height_m")
SERIES_ALIASES = {
    "timestamp": ("timestamp", "time", "datetime"),
    "speed": ("speed_m_s", "speed", "wind_speed_m_s", "wind_speed"),
    "direction": ("direction_deg", "direction", "wind_direction_deg", "wind_direction"),
    "height": ("height_m", "height"),
}
MIN_SERIES_ROWS = 24
MAX_SPEED_M_S = 75.0


def _text(data: bytes) -> str:
    if not data.strip():
        raise InvalidInput("the wind file is empty")
    if b"\x00" in data[:4096]:
        raise InvalidInput(f"the wind file is binary; upload {SUPPORTED}")
    for encoding in ("utf-8-sig", "latin-1"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:  # pragma: no cover - latin-1 decodes anything
            continue
    raise InvalidInput("the wind file is not text")  # pragma: no cover


def _float(value: str, line: int, column: str, lo: float, hi: float) -> float:
    try:
        v = float(value)
    except ValueError:
        raise InvalidInput(
            f"wind file line {line}, column {column}: not a number ({value.strip()!r})"
        ) from None
    if not math.isfinite(v) or not lo <= v <= hi:
        raise InvalidInput(f"wind file line {line}, column {column}: {v:g} is outside {lo:g}-{hi:g}")
    return v


def _csv_rows(text: str) -> list[tuple[int, list[str]]]:
    """(line number, cells) of the non-empty, non-comment lines."""
    out = []
    for i, row in enumerate(csv.reader(io.StringIO(text))):
        if row and any(c.strip() for c in row) and not row[0].lstrip().startswith("#"):
            out.append((i + 1, [c.strip() for c in row]))
    return out


def parse_wind(data: bytes, *, filename: str = "wind") -> WindResource:
    """The resource in `data`; InvalidInput names the problem (format, line, column)."""
    text = _text(data)
    rows = _csv_rows(text)
    header = [h.lower() for h in rows[0][1]] if rows else []
    if "weibull_a_m_s" in header or "weibull_k" in header:
        return parse_weibull_csv(rows, filename)
    if any(h in header for h in SERIES_ALIASES["timestamp"]):
        return parse_series_csv(rows, filename)
    if filename.lower().endswith(".tab") or _looks_like_tab(text):
        return parse_tab(text, filename)
    raise InvalidInput(
        f"wind file line 1: not a recognised wind resource (header {', '.join(header[:6]) or 'missing'}); "
        f"upload {SUPPORTED}"
    )


def _looks_like_tab(text: str) -> bool:
    lines = [ln for ln in text.splitlines() if ln.strip()]
    if len(lines) < 5:
        return False
    try:
        n = int(float(lines[2].split()[0]))
    except (ValueError, IndexError):
        return False
    return 4 <= n <= 72 and len(lines[3].split()) == n


def _columns(header: list[str], wanted: dict[str, tuple[str, ...]]) -> dict[str, int]:
    out: dict[str, int] = {}
    missing = []
    for key, names in wanted.items():
        idx = next((header.index(n) for n in names if n in header), None)
        if idx is None:
            missing.append(names[0])
        else:
            out[key] = idx
    if missing:
        raise InvalidInput(f"wind file line 1: missing column(s) {', '.join(missing)}")
    return out


def _cell(row: list[str], idx: int, line: int, column: str) -> str:
    if idx >= len(row) or row[idx] == "":
        raise InvalidInput(f"wind file line {line}, column {column}: missing value")
    return row[idx]


def parse_weibull_csv(rows: list[tuple[int, list[str]]], filename: str) -> WindResource:
    """A sector Weibull table (see the module docstring)."""
    header = [h.lower() for h in rows[0][1]]
    cols = _columns(header, {c: (c,) for c in WEIBULL_COLUMNS})
    body = rows[1:]
    n = len(body)
    if not 4 <= n <= 72:
        raise InvalidInput(f"wind file: a Weibull table needs 4-72 sector rows, got {n}")
    sec, freq, a, k, h = (np.zeros(n) for _ in range(5))
    for i, (line, row) in enumerate(body):
        sec[i] = _float(_cell(row, cols["sector_deg"], line, "sector_deg"), line, "sector_deg", 0.0, 360.0)
        freq[i] = _float(_cell(row, cols["frequency"], line, "frequency"), line, "frequency", 0.0, 100.0)
        a[i] = _float(
            _cell(row, cols["weibull_a_m_s"], line, "weibull_a_m_s"), line, "weibull_a_m_s", 0.1, 40.0
        )
        k[i] = _float(_cell(row, cols["weibull_k"], line, "weibull_k"), line, "weibull_k", 0.5, 10.0)
        h[i] = _float(_cell(row, cols["height_m"], line, "height_m"), line, "height_m", 1.0, 300.0)
        expected = i * 360.0 / n
        if abs(sec[i] - expected) > 1e-6:
            raise InvalidInput(
                f"wind file line {line}, column sector_deg: expected {expected:g} (sectors equally spaced "
                f"from 0°, {360.0 / n:g}° apart), got {sec[i]:g}"
            )
        if abs(h[i] - h[0]) > 1e-6:
            raise InvalidInput(
                f"wind file line {line}, column height_m: {h[i]:g} m differs from the first row's {h[0]:g} m "
                "(one measurement height per table)"
            )
    return WindResource(
        kind="weibull", height_m=float(h[0]), source=filename, sector_deg=sec,
        frequency=_shares(freq, "frequency"), weibull_a_m_s=a, weibull_k=k,
    )  # fmt: skip


def _shares(freq: np.ndarray, what: str) -> np.ndarray:
    """Frequencies as shares summing to 1 from shares or per cent (within 2 %)."""
    total = float(freq.sum())
    for scale in (1.0, 100.0):
        if abs(total - scale) <= 0.02 * scale:
            out: np.ndarray = freq / total
            return out
    raise InvalidInput(
        f"wind file: the {what} column sums to {total:g}; it must sum to 1 (shares) or 100 (%)"
    )


def parse_series_csv(rows: list[tuple[int, list[str]]], filename: str) -> WindResource:
    """A time series (see the module docstring); hour 0 of each year is 1 January 00:00 and
    29 February is dropped so every year has 8760 hours."""
    header = [h.lower() for h in rows[0][1]]
    cols = _columns(header, dict(SERIES_ALIASES))
    body = rows[1:]
    if len(body) < MIN_SERIES_ROWS:
        raise InvalidInput(f"wind file: a time series needs at least {MIN_SERIES_ROWS} rows, got {len(body)}")
    n = len(body)
    speed, direction, hour = np.zeros(n), np.zeros(n), np.zeros(n, dtype=np.int64)
    height = None
    keep = np.ones(n, dtype=bool)
    for i, (line, row) in enumerate(body):
        stamp = _cell(row, cols["timestamp"], line, "timestamp")
        try:
            ts = datetime.fromisoformat(stamp.replace("Z", "+00:00"))
        except ValueError:
            raise InvalidInput(
                f"wind file line {line}, column timestamp: not an ISO 8601 time ({stamp!r})"
            ) from None
        if ts.month == 2 and ts.day == 29:
            keep[i] = False
            continue
        start = datetime(ts.year, 1, 1, tzinfo=ts.tzinfo)
        hours = int((ts - start).total_seconds() // 3600)
        leap = ts.year % 4 == 0 and (ts.year % 100 != 0 or ts.year % 400 == 0)
        hour[i] = hours - 24 if leap and ts.month > 2 else hours
        speed[i] = _float(_cell(row, cols["speed"], line, "speed_m_s"), line, "speed_m_s", 0.0, MAX_SPEED_M_S)
        direction[i] = _float(
            _cell(row, cols["direction"], line, "direction_deg"), line, "direction_deg", 0.0, 360.0
        )
        h = _float(_cell(row, cols["height"], line, "height_m"), line, "height_m", 1.0, 300.0)
        if height is None:
            height = h
        elif abs(h - height) > 1e-6:
            raise InvalidInput(
                f"wind file line {line}, column height_m: {h:g} m differs from the first row's {height:g} m "
                "(one measurement height per series)"
            )
    assert height is not None
    speed, direction, hour = speed[keep], direction[keep], hour[keep]
    n_sec = 12
    sectors = np.arange(n_sec) * 360.0 / n_sec
    width = 360.0 / n_sec
    idx = (np.floor((direction % 360.0 + width / 2) / width) % n_sec).astype(np.int64)
    freq = np.bincount(idx, minlength=n_sec) / len(idx)
    return WindResource(
        kind="timeseries", height_m=float(height), source=filename, sector_deg=sectors, frequency=freq,
        speed_m_s=speed, direction_deg=direction, hour_of_year=hour,
    )  # fmt: skip


def parse_tab(text: str, filename: str) -> WindResource:
    """A WAsP / WindPRO observed wind climate (.tab, see the module docstring)."""
    lines = [(i + 1, ln.split()) for i, ln in enumerate(text.splitlines()) if ln.strip()]
    if len(lines) < 5:
        raise InvalidInput(
            "wind file (.tab): needs a title, the position, the sector line, the frequencies and bins"
        )
    line, pos = lines[1]
    if len(pos) < 3:
        raise InvalidInput(f"wind file line {line}: expected latitude, longitude and height [m]")
    height = _float(pos[2], line, "height", 1.0, 300.0)
    line, head = lines[2]
    if len(head) < 3:
        raise InvalidInput(
            f"wind file line {line}: expected the number of sectors, speed factor and direction offset"
        )
    n = int(_float(head[0], line, "sectors", 4, 72))
    factor = _float(head[1], line, "speed factor", 0.01, 100.0)
    offset = _float(head[2], line, "direction offset", -360.0, 360.0)
    line, fr = lines[3]
    if len(fr) != n:
        raise InvalidInput(f"wind file line {line}: expected {n} sector frequencies, got {len(fr)}")
    freq = np.array([_float(v, line, f"sector {j + 1}", 0.0, 100.0) for j, v in enumerate(fr)])
    upper: list[float] = []
    table: list[list[float]] = []
    for line, cells in lines[4:]:
        if len(cells) != n + 1:
            raise InvalidInput(
                f"wind file line {line}: expected a bin speed and {n} sector values, got {len(cells)} values"
            )
        u = _float(cells[0], line, "bin speed", 0.0, MAX_SPEED_M_S)
        if upper and u <= upper[-1]:
            raise InvalidInput(
                f"wind file line {line}, column bin speed: {u:g} m/s must exceed {upper[-1]:g} m/s"
            )
        upper.append(u)
        table.append([_float(v, line, f"sector {j + 1}", 0.0, 1000.0) for j, v in enumerate(cells[1:])])
    bins = np.array(table).T  # (S, B)
    sums = bins.sum(axis=1)
    for j in np.flatnonzero((sums <= 0) & (freq > 0)):
        raise InvalidInput(f"wind file: sector {j + 1} has a frequency but an empty speed histogram")
    bin_freq = np.where(sums[:, None] > 0, bins / np.maximum(sums[:, None], 1e-12), 0.0)
    sectors = (offset + np.arange(n) * 360.0 / n) % 360.0
    return WindResource(
        kind="tab", height_m=height, source=filename, sector_deg=sectors,
        frequency=_shares(freq, "sector frequency"), bin_upper_m_s=np.array(upper) * factor,
        bin_freq=bin_freq,
    )  # fmt: skip
