"""Fixtures for terrain tests: the real Jacksboro DEM as a GeoTIFF, small grids, a local DEM server.

The HTTP server is real (http.server on 127.0.0.1 in a thread): it renders 3DEP exportImage
GeoTIFFs and Terrarium PNG tiles from the Jacksboro fixture, and can be told to fail.
"""

from __future__ import annotations

import threading
import time
import warnings
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, urlparse

import numpy as np
import pytest
import rasterio
from affine import Affine
from rasterio.enums import Resampling
from rasterio.errors import NotGeoreferencedWarning
from rasterio.io import MemoryFile
from rasterio.warp import reproject

from app.dem.demo import write_demo_dem
from app.dem.terrarium import encode_terrarium, tile_transform
from app.engine.core.grid import Grid

UTM_16N = "EPSG:32616"


@pytest.fixture(scope="session")
def dem_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A DEM_PATH folder holding only the Jacksboro GeoTIFF (EPSG:4326, written by write_demo_dem)."""
    d = tmp_path_factory.mktemp("dem")
    write_demo_dem(d)
    return d


@pytest.fixture(scope="session")
def jacksboro_tif(dem_dir: Path) -> Path:
    return dem_dir / "jacksboro.tif"


@pytest.fixture
def make_grid() -> Callable[..., Grid]:
    """Factory: a north-up Grid from an array, cell size [m] and lower-left corner in UTM 16N."""

    def make(data: np.ndarray, *, res: float = 1.0, x0: float = 500_000.0, y0: float = 4_000_000.0) -> Grid:
        rows = data.shape[0]
        return Grid(
            data=np.asarray(data, dtype=np.float32),
            transform=Affine(res, 0.0, x0, 0.0, -res, y0 + rows * res),
            crs=UTM_16N,
        )

    return make


@dataclass
class ServerState:
    """What the fake DEM server does. Mutate it in a test; `requests` records each path+query."""

    dem_path: Path
    requests: list[str] = field(default_factory=list)
    fail_first: int = 0  # answer `fail_status` to this many requests first
    fail_status: int = 503
    delay_s: float = 0.0
    body_override: bytes | None = None
    lock: threading.Lock = field(default_factory=threading.Lock)


def _render(dem_path: Path, *, crs: str, transform: Affine, width: int, height: int) -> np.ndarray:
    out = np.full((height, width), np.nan, dtype=np.float32)
    with rasterio.open(dem_path) as ds:
        src = ds.read(1, masked=True).astype(np.float32).filled(np.nan)
        reproject(
            source=src,
            destination=out,
            src_transform=ds.transform,
            src_crs=ds.crs,
            src_nodata=np.nan,
            dst_transform=transform,
            dst_crs=crs,
            dst_nodata=np.nan,
            resampling=Resampling.bilinear,
        )
    return out


def _geotiff(data: np.ndarray, *, crs: str, transform: Affine) -> bytes:
    with MemoryFile() as mem:
        with mem.open(
            driver="GTiff",
            width=data.shape[1],
            height=data.shape[0],
            count=1,
            dtype="float32",
            crs=crs,
            transform=transform,
            nodata=-3.4028235e38,
        ) as ds:
            ds.write(np.where(np.isnan(data), np.float32(-3.4028235e38), data), 1)
        return bytes(mem.read())


def _png(rgb: np.ndarray) -> bytes:
    with warnings.catch_warnings(), MemoryFile() as mem:
        warnings.simplefilter("ignore", NotGeoreferencedWarning)  # XYZ tiles carry no georeferencing
        with mem.open(driver="PNG", width=rgb.shape[2], height=rgb.shape[1], count=3, dtype="uint8") as ds:
            ds.write(rgb)
        return bytes(mem.read())


def _handler(state: ServerState) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, format: str, *args: object) -> None:  # keep test output quiet
            pass

        def _send(self, status: int, body: bytes, ctype: str) -> None:
            self.send_response(status)
            self.send_header("Content-Type", ctype)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def do_GET(self) -> None:
            with state.lock:
                state.requests.append(self.path)
                failing = state.fail_first > 0
                if failing:
                    state.fail_first -= 1
            if state.delay_s:
                time.sleep(state.delay_s)
            if failing:
                self._send(state.fail_status, b"busy", "text/plain")
                return
            if state.body_override is not None:
                self._send(200, state.body_override, "application/octet-stream")
                return
            url = urlparse(self.path)
            try:
                if url.path == "/3dep/exportImage":
                    self._send(200, self._export_image(parse_qs(url.query)), "image/tiff")
                elif url.path.startswith("/terrarium/"):
                    body = self._tile(url.path)
                    if body is None:
                        self._send(404, b"no tile", "text/plain")
                    else:
                        self._send(200, body, "image/png")
                else:
                    self._send(404, b"not found", "text/plain")
            except (BrokenPipeError, ConnectionResetError):
                pass

        def _export_image(self, q: dict[str, list[str]]) -> bytes:
            minx, miny, maxx, maxy = (float(v) for v in q["bbox"][0].split(","))
            w, h = (int(v) for v in q["size"][0].split(","))
            crs = f"EPSG:{q['imageSR'][0]}"
            transform = Affine((maxx - minx) / w, 0.0, minx, 0.0, -(maxy - miny) / h, maxy)
            data = _render(state.dem_path, crs=crs, transform=transform, width=w, height=h)
            return _geotiff(data, crs=crs, transform=transform)

        def _tile(self, path: str) -> bytes | None:
            z, x, y = (int(p) for p in path.removesuffix(".png").split("/")[-3:])
            t = tile_transform(z, x, y, 256)
            data = _render(state.dem_path, crs="EPSG:3857", transform=t, width=256, height=256)
            if np.isnan(data).all():
                return None
            return _png(encode_terrarium(np.nan_to_num(data, nan=0.0)))

    return Handler


@dataclass
class DemServer:
    url: str
    state: ServerState

    @property
    def export_url(self) -> str:
        return f"{self.url}/3dep/exportImage"

    @property
    def terrarium_url(self) -> str:
        return self.url + "/terrarium/{z}/{x}/{y}.png"


@pytest.fixture
def dem_server(jacksboro_tif: Path) -> Iterator[DemServer]:
    """A local HTTP server (127.0.0.1, random port) acting as 3DEP and as a Terrarium tile host."""
    state = ServerState(dem_path=jacksboro_tif)
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(state))
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    try:
        yield DemServer(url=f"http://127.0.0.1:{server.server_address[1]}", state=state)
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)
