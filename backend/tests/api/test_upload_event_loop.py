"""Uploads are parsed and written off the event loop: /health keeps answering while large KML files
are processed (issue 15, point 5). A real uvicorn on loopback, on SQLite and PostgreSQL.

Before the fix `upload_site` parsed on the event loop, and one 2.5 MB KML with 10,000 exclusion
placemarks blocked every other request for ≈ 3 s (four in parallel: 12 s): a /health poll sent as
a parse began waited for the whole parse, about as long as the upload itself. The test compares
each poll's wait with the uploads' own duration, so it holds on a loaded machine, where both
stretch, and needs no absolute threshold.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import pytest

from tests.live_api import live_api

pytestmark = pytest.mark.slow
PLACEMARKS = 3000
PARALLEL_UPLOADS = 2
# A /health poll may wait at most this share of the shortest upload's duration. Blocked by a parse
# on the loop it waits ~100% of one upload; off the loop, a few percent (the goal: 100 ms).
MAX_SHARE_OF_UPLOAD = 0.25


def busy_kml(n: int = PLACEMARKS) -> bytes:
    """The sample parcel with `n` small exclusion squares inside it (~300 bytes each)."""
    lon0, lat0, side = -101.85, 35.195, 0.005
    per_row = int(n**0.5) + 1
    step = side / per_row
    marks = []
    for i in range(n):
        x = lon0 + (i % per_row) * step + step * 0.2
        y = lat0 + (i // per_row) * step + step * 0.2
        d = step * 0.5
        coords = f"{x},{y} {x + d},{y} {x + d},{y + d} {x},{y + d} {x},{y}"
        marks.append(
            f"<Placemark><name>Exclusion {i}</name><Polygon><outerBoundaryIs><LinearRing>"
            f"<coordinates>{coords}</coordinates></LinearRing></outerBoundaryIs></Polygon></Placemark>"
        )
    b = f"{lon0},{lat0} {lon0 + side},{lat0} {lon0 + side},{lat0 + side} {lon0},{lat0 + side} {lon0},{lat0}"
    return (
        '<?xml version="1.0"?><kml xmlns="http://www.opengis.net/kml/2.2"><Document><name>Busy</name>'
        f"<Placemark><name>Boundary</name><Polygon><outerBoundaryIs><LinearRing><coordinates>{b}"
        "</coordinates></LinearRing></outerBoundaryIs></Polygon></Placemark>"
        + "".join(marks)
        + "</Document></kml>"
    ).encode()


@pytest.fixture
def server(database_url: str, tmp_path: Path) -> Iterator[str]:
    with live_api(database_url, tmp_path, DEM_SOURCE="flat") as base:
        yield base


def test_health_answers_while_large_uploads_parse(server: str) -> None:
    kml = busy_kml()
    assert len(kml) > 1_000_000
    with httpx.Client(base_url=server, timeout=120) as c:
        c.post("/api/auth/register", json={"email": "busy@example.com", "password": "a-long-password"})
        token = c.post(
            "/api/auth/token", data={"username": "busy@example.com", "password": "a-long-password"}
        )
        headers = {"Authorization": f"Bearer {token.json()['access_token']}"}

        uploads_done = threading.Event()
        polls: list[tuple[float, float, int]] = []  # (sent at, seconds waited, status)

        def upload(_: int) -> tuple[int, float]:
            sent = time.monotonic()
            r = c.post("/api/sites/upload", files={"file": ("busy.kml", kml)}, headers=headers)
            return r.status_code, time.monotonic() - sent

        def poll() -> None:
            with httpx.Client(base_url=server, timeout=300) as h:
                while not uploads_done.is_set():
                    sent = time.monotonic()
                    status = h.get("/health").status_code
                    polls.append((sent, time.monotonic() - sent, status))
                    time.sleep(0.05)

        poller = threading.Thread(target=poll)
        with ThreadPoolExecutor(max_workers=PARALLEL_UPLOADS) as pool:
            futures = [pool.submit(upload, i) for i in range(PARALLEL_UPLOADS)]
            poller.start()
            results = [f.result() for f in futures]
        finished = time.monotonic()
        uploads_done.set()
        poller.join()
        # Polls sent while uploads were in flight, however long they then waited.
        during = [(wait, status) for sent, wait, status in polls if sent < finished]

        assert [status for status, _ in results] == [201] * PARALLEL_UPLOADS
        shortest = min(took for _, took in results)
        assert during and all(status == 200 for _, status in during)
        longest_wait = max(wait for wait, _ in during)
        assert longest_wait < MAX_SHARE_OF_UPLOAD * shortest, (
            f"/health waited {longest_wait:.2f} s during uploads that took {shortest:.2f} s"
        )
        assert len(during) >= 3, during  # /health was polled throughout the uploads
        assert all(status == 200 for _, status in during)
        # Every exclusion zone was stored: the work was done, not skipped.
        sites = c.get("/api/sites", headers=headers).json()["data"]
        assert len(sites) == PARALLEL_UPLOADS
        site = c.get(f"/api/sites/{sites[0]['id']}", headers=headers).json()
        assert len(site["exclusion_zones"]) == PLACEMARKS
