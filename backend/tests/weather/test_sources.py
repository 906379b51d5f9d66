"""Weather sources: PVGIS over HTTP against a local server, the clear-sky fallback, the source order."""

from __future__ import annotations

import contextlib
import socket
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, urlparse

import pytest

from app.config import load_settings
from app.storage.local import LocalStorage
from app.weather.base import SiteLocation
from app.weather.clearsky import ClearSkySource
from app.weather.errors import NoWeather, WeatherNotCovered, WeatherUnavailable
from app.weather.file import FileSource, store_weather_file
from app.weather.pvgis import PvgisSource, cache_key
from app.weather.service import build_source, fetch_weather, load_weather
from tests.weather import formats

SITE = SiteLocation(site_id="s1", latitude=formats.LAT, longitude=formats.LON)


@dataclass
class Plan:
    """What the fake PVGIS answers: a status per request in turn (then 200), a delay [s]."""

    statuses: list[int] = field(default_factory=list)
    delay_s: float = 0.0
    body: bytes = b""
    hide_length: bool = False
    requests: list[dict[str, list[str]]] = field(default_factory=list)


@pytest.fixture
def pvgis_server() -> Iterator[tuple[str, Plan]]:
    plan = Plan(body=formats.pvgis_json_bytes())

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            plan.requests.append(parse_qs(urlparse(self.path).query))
            if plan.delay_s:
                time.sleep(plan.delay_s)
            status = plan.statuses.pop(0) if plan.statuses else 200
            body = plan.body if status == 200 else b'{"message": "Location over the sea"}'
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            if not plan.hide_length:
                self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            with contextlib.suppress(BrokenPipeError, ConnectionResetError):
                self.wfile.write(body)

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/api/v5_3/tmy", plan
    server.shutdown()
    server.server_close()


def _pvgis(url: str, **kw: object) -> PvgisSource:
    values: dict[str, object] = {
        "timeout_s": 2.0,
        "retries": 2,
        "max_bytes": 10 * 1024 * 1024,
        "backoff_s": 0.01,
    }
    values.update(kw)
    return PvgisSource(url=url, **values)  # type: ignore[arg-type]


def test_pvgis_tmy_is_fetched_and_parsed(pvgis_server: tuple[str, Plan]) -> None:
    url, plan = pvgis_server
    w = _pvgis(url).fetch(SITE)
    assert w.source == "pvgis" and w.kind == "tmy" and len(w.data) == 8760
    assert plan.requests[0]["lat"] == [f"{formats.LAT:.5f}"]
    assert plan.requests[0]["outputformat"] == ["json"]


def test_pvgis_retries_overload_then_succeeds(pvgis_server: tuple[str, Plan]) -> None:
    url, plan = pvgis_server
    plan.statuses = [503, 429]
    assert len(_pvgis(url).fetch(SITE).data) == 8760
    assert len(plan.requests) == 3


def test_pvgis_gives_up_after_the_retries(pvgis_server: tuple[str, Plan]) -> None:
    url, plan = pvgis_server
    plan.statuses = [503] * 5
    with pytest.raises(WeatherUnavailable, match="503"):
        _pvgis(url, retries=1).fetch(SITE)
    assert len(plan.requests) == 2


def test_pvgis_unresolvable_host_is_not_retried(monkeypatch: pytest.MonkeyPatch) -> None:
    # Offline (or a mistyped PVGIS_URL), every retry fails the same lookup: move on at once.
    # `.invalid` never resolves (RFC 6761).
    waits: list[float] = []
    monkeypatch.setattr("app.net.time.sleep", waits.append)
    with pytest.raises(WeatherUnavailable, match="host name") as caught:
        _pvgis("http://pvgis.invalid/api/v5_3/tmy", retries=3).fetch(SITE)
    assert caught.value.retryable is False
    assert waits == []


def test_pvgis_refused_connection_is_retried(monkeypatch: pytest.MonkeyPatch) -> None:
    # A host that resolves but refuses may be restarting: that is worth the backoff.
    waits: list[float] = []
    monkeypatch.setattr("app.net.time.sleep", waits.append)
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]  # closed again when the block ends: nothing listens there
    with pytest.raises(WeatherUnavailable, match="could not reach"):
        _pvgis(f"http://127.0.0.1:{port}/tmy", retries=2).fetch(SITE)
    assert len(waits) == 2


def test_pvgis_refusal_is_not_covered(pvgis_server: tuple[str, Plan]) -> None:
    url, plan = pvgis_server
    plan.statuses = [400]
    with pytest.raises(WeatherNotCovered, match="sea"):
        _pvgis(url).fetch(SITE)
    assert len(plan.requests) == 1  # a 4xx is not retried


def test_pvgis_timeout(pvgis_server: tuple[str, Plan]) -> None:
    url, plan = pvgis_server
    plan.delay_s = 1.0
    with pytest.raises(WeatherUnavailable, match="in time"):
        _pvgis(url, timeout_s=0.2, retries=0).fetch(SITE)


@pytest.mark.parametrize("hide_length", [False, True])
def test_pvgis_size_limit(pvgis_server: tuple[str, Plan], hide_length: bool) -> None:
    url, plan = pvgis_server
    plan.hide_length = hide_length
    with pytest.raises(WeatherUnavailable, match="WEATHER_MAX_DOWNLOAD_MB"):
        _pvgis(url, max_bytes=100_000).fetch(SITE)
    assert len(plan.requests) == 1  # too large is not retried


def test_pvgis_garbage_is_not_covered(pvgis_server: tuple[str, Plan]) -> None:
    url, plan = pvgis_server
    plan.body = b"<html>maintenance</html>"
    with pytest.raises(WeatherNotCovered, match="unreadable"):
        _pvgis(url).fetch(SITE)


def test_pvgis_answer_is_cached_in_storage(pvgis_server: tuple[str, Plan], tmp_path: Path) -> None:
    url, plan = pvgis_server
    storage = LocalStorage(tmp_path)
    first = _pvgis(url, storage=storage).fetch(SITE)
    assert storage.exists("outputs", cache_key(SITE))
    second = _pvgis(url, storage=storage).fetch(SITE)
    assert len(plan.requests) == 1
    assert second.data["ghi"].sum() == pytest.approx(first.data["ghi"].sum())


def test_clearsky_is_an_upper_bound_of_the_tmy() -> None:
    from app.weather.parse import parse_weather

    clear = ClearSkySource().fetch(SITE)
    tmy = parse_weather(formats.tmy3_bytes())
    assert clear.kind == "clearsky" and clear.is_clearsky
    assert "upper bound" in clear.label.lower() and "not a p50" in clear.label.lower()
    assert clear.data["ghi"].sum() > 1.2 * tmy.data["ghi"].sum()
    # Irradiance stays physical: never negative, below the solar constant at the surface.
    assert (clear.data["ghi"] >= 0).all() and clear.data["ghi"].max() < 1200


def test_sources_in_order_fall_through_with_reasons(pvgis_server: tuple[str, Plan], tmp_path: Path) -> None:
    url, plan = pvgis_server
    plan.statuses = [503] * 10
    storage = LocalStorage(tmp_path)
    w = fetch_weather(SITE, [FileSource(storage), _pvgis(url, retries=0), ClearSkySource()])
    assert w.source == "clearsky"
    assert [r.split(":")[0] for r in w.details["skipped"]] == ["file", "pvgis"]
    store_weather_file(storage, "s1", "greensboro.csv", formats.tmy3_bytes())
    w = fetch_weather(SITE, [FileSource(storage), _pvgis(url, retries=0), ClearSkySource()])
    assert w.source == "file" and "skipped" not in w.details
    assert w.details["distance_km"] == pytest.approx(0.0, abs=0.1)


def test_no_source_left_is_a_clear_422(tmp_path: Path) -> None:
    with pytest.raises(NoWeather, match="upload a weather file"):
        fetch_weather(SITE, [FileSource(LocalStorage(tmp_path))])


def test_weather_source_setting_builds_the_chain(tmp_path: Path) -> None:
    settings = load_settings(weather_source="clearsky,file", pvgis_url="http://127.0.0.1:9/x")
    assert [build_source(n, settings, None).name for n in settings.weather_source] == ["clearsky", "file"]

    class Site:
        id = "s9"
        centroid_lat = -33.9
        centroid_lon = 18.6

    w = load_weather(Site(), settings, LocalStorage(tmp_path))
    assert w.source == "clearsky" and w.latitude == -33.9
    assert load_settings().weather_source == ["file", "pvgis", "clearsky"]


def test_plant_energy_is_the_one_call_for_jobs_and_the_cli(tmp_path: Path) -> None:
    from app.engine.energy.synthetic import uniform_plant
    from app.engine.pv.design import PvDesign
    from app.errors import InvalidInput
    from app.weather.parse import parse_weather
    from app.weather.service import plant_energy

    class Site:
        id = "s2"
        centroid_lat = formats.LAT
        centroid_lon = formats.LON

    plant = uniform_plant(PvDesign(), latitude=formats.LAT, longitude=formats.LON, ac_kw=4000.0)
    settings = load_settings(weather_source="file,clearsky")
    clear = plant_energy(plant, Site(), settings, LocalStorage(tmp_path))
    assert clear.weather_source == "clearsky" and clear.label is not None
    assert clear.metrics()["energy_label"] == clear.label
    tmy = parse_weather(formats.tmy3_bytes())
    real = plant_energy(plant, Site(), settings, None, weather=tmy, dc_ohmic_pct=3.0)
    assert real.weather_source == "file" and real.label is None and real.losses["dc_ohmic_pct"] == 3.0
    assert real.annual_energy_mwh < clear.annual_energy_mwh
    with pytest.raises(InvalidInput, match="availability_pct"):
        plant_energy(plant, Site(), settings, None, weather=tmy, losses={"availability_pct": 10})
