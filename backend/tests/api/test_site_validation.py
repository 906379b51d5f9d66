"""Hostile archives, nonsense geometry and non-finite numbers get a 4xx naming the problem (issue 15,
points 6-9), on SQLite and PostgreSQL, and nothing is half-stored."""

from __future__ import annotations

import io
import re
import struct
import zipfile
import zlib
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from pyproj import Geod

from app.main import create_app
from app.samples import sample_bytes
from app.services import Services, build_services
from tests.conftest import make_settings, register, upload

GEOD = Geod(ellps="WGS84")
NAME_LEN = len("doc.kml")


def kml_doc(*placemarks: str) -> bytes:
    body = "".join(placemarks)
    return f'<?xml version="1.0"?><kml xmlns="http://www.opengis.net/kml/2.2"><Document>{body}</Document></kml>'.encode()


def ring(coords: list[tuple[float, float]]) -> str:
    pts = [*coords, coords[0]]
    return "<LinearRing><coordinates>" + " ".join(f"{x},{y}" for x, y in pts) + "</coordinates></LinearRing>"


def polygon_pm(
    name: str, outer: list[tuple[float, float]], holes: Sequence[list[tuple[float, float]]] = ()
) -> str:
    inner = "".join(f"<innerBoundaryIs>{ring(h)}</innerBoundaryIs>" for h in holes)
    return (
        f"<Placemark><name>{name}</name><Polygon><outerBoundaryIs>{ring(outer)}</outerBoundaryIs>"
        f"{inner}</Polygon></Placemark>"
    )


def square(lon: float, lat: float, d: float) -> list[tuple[float, float]]:
    return [(lon, lat), (lon + d, lat), (lon + d, lat + d), (lon, lat + d)]


def geodesic_ha(coords: list[tuple[float, float]]) -> float:
    lons, lats = zip(*coords, strict=True)
    area, _ = GEOD.polygon_area_perimeter(lons, lats)
    return abs(area) / 10_000


def zipped(data: bytes, method: int = zipfile.ZIP_DEFLATED) -> bytearray:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", method) as z:
        z.writestr("doc.kml", data)
    return bytearray(buf.getvalue())


def _both_headers(data: bytearray, local_offset: int, central_offset: int, fmt: str, value: int) -> None:
    """Set one field in the local file header and the central directory entry alike."""
    struct.pack_into(fmt, data, local_offset, value)
    struct.pack_into(fmt, data, data.rfind(b"PK\x01\x02") + central_offset, value)


def corrupt_kmz(kind: str) -> bytes:
    """A KMZ of the sample site with one defect (zip header offsets from APPNOTE 4.3.7 / 4.3.12)."""
    kml = sample_bytes("sample-site.kml")
    data = zipped(kml)
    crc = struct.unpack_from("<I", data, 14)[0]
    if kind == "bad_crc":
        _both_headers(data, 14, 16, "<I", crc ^ 0xFFFFFFFF)
    elif kind == "bad_deflate":
        start = 30 + NAME_LEN
        data[start : start + 8] = b"\xff" * 8  # block type 3: invalid in deflate
    elif kind == "unsupported_method":
        _both_headers(data, 8, 10, "<H", 99)  # AE-x / unknown
    elif kind == "encrypted":
        _both_headers(data, 6, 8, "<H", struct.unpack_from("<H", data, 6)[0] | 0x1)
    elif kind == "size_too_small":  # the header says fewer bytes than the data holds
        _both_headers(data, 22, 24, "<I", 100)
    elif kind == "size_too_large":  # the header says more bytes than the data holds
        _both_headers(data, 22, 24, "<I", len(kml) + 5000)
    elif kind == "deflate64":
        _both_headers(data, 8, 10, "<H", 9)
    else:
        raise AssertionError(kind)
    return bytes(data)


@pytest.mark.parametrize(
    ("kind", "message"),
    [
        ("bad_crc", "fails its CRC-32 check"),
        ("bad_deflate", "broken deflate stream"),
        ("unsupported_method", "compression method 99, which is not supported"),
        ("deflate64", "compression method 9, which is not supported"),
        ("encrypted", "is encrypted"),
        ("size_too_small", "CRC-32"),
        ("size_too_large", "declares"),
    ],
)
def test_corrupt_kmz_is_a_4xx_naming_the_problem(
    client: TestClient, auth: dict[str, str], kind: str, message: str
) -> None:
    data = corrupt_kmz(kind)
    # The defect is real: zipfile cannot read the KML back, or reads other than the header declares.
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as z:
            content, declared = z.read("doc.kml"), z.getinfo("doc.kml").file_size
        assert len(content) != declared
    except (zipfile.BadZipFile, zlib.error, NotImplementedError, RuntimeError, OSError):
        pass
    r = upload(client, auth, "site.kmz", data)
    assert r.status_code == 422, r.text
    detail = r.json()["detail"]
    assert message in detail and "KMZ" in detail
    assert client.get("/api/sites", headers=auth).json()["count"] == 0


def test_zip_bomb_message_states_figures_over_the_limit(client: TestClient, auth: dict[str, str]) -> None:
    bomb = zipped(b"<kml>" + b" " * (8 * 1024 * 1024) + b"</kml>")
    info = zipfile.ZipFile(io.BytesIO(bytes(bomb))).infolist()[0]
    true_ratio = info.file_size / info.compress_size
    r = upload(client, auth, "bomb.kmz", bytes(bomb))
    assert r.status_code == 422
    detail = r.json()["detail"]
    stated, limit = (float(x.replace(",", "")) for x in re.findall(r"([\d,]+):1", detail))
    assert stated == pytest.approx(true_ratio, rel=0.01)
    assert stated > limit  # the figure quoted is the one over its limit
    assert "zip bomb" in detail


def test_zip_bomb_by_total_size_states_the_total(client: TestClient, auth: dict[str, str]) -> None:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("doc.kml", sample_bytes("sample-site.kml"))
        for i in range(3):  # compress ~1000:1, so only the total is over a limit
            z.writestr(f"files/pad{i}.bin", b"\0" * (20 * 1024 * 1024))
    total = sum(i.file_size for i in zipfile.ZipFile(buf).infolist())
    r = upload(client, auth, "big.kmz", buf.getvalue())
    assert r.status_code == 422
    stated, limit = (float(x) for x in re.findall(r"([\d.]+) MiB", r.json()["detail"]))
    assert stated == pytest.approx(total / 2**20, abs=0.05) and stated > limit == 50


def test_deep_nesting_message_has_no_parser_internals(client: TestClient, auth: dict[str, str]) -> None:
    deep = b"<kml>" + b"<Folder>" * 300 + b"</Folder>" * 300 + b"</kml>"
    r = upload(client, auth, "deep.kml", deep)
    assert r.status_code == 422
    detail = r.json()["detail"]
    assert "256 levels" in detail
    assert "XML_PARSE" not in detail and "<string>" not in detail


def test_malformed_xml_message_has_no_parser_internals(client: TestClient, auth: dict[str, str]) -> None:
    r = upload(client, auth, "bad.kml", b"<kml><Document></Folder></kml>")
    assert r.status_code == 422
    assert "not valid XML" in r.json()["detail"] and "XML_PARSE" not in r.json()["detail"]


# --- geometry ------------------------------------------------------------------------------------
BASE = (-101.85, 35.195)


@pytest.mark.parametrize(
    ("placemarks", "message"),
    [
        # 179.99 → -179.99: 2 km across the antimeridian, not 360° the long way round.
        (
            [
                polygon_pm(
                    "Dateline", [(179.99, -16.5), (-179.99, -16.5), (-179.99, -16.48), (179.99, -16.48)]
                )
            ],
            "crosses the antimeridian",
        ),
        (
            [
                polygon_pm("East", square(179.98, -16.5, 0.01)),
                polygon_pm("West", square(-179.99, -16.5, 0.01)),
            ],
            "both sides of the antimeridian",
        ),
        (
            [polygon_pm("Parcel", square(*BASE, 0.005), holes=[square(-101.80, 35.195, 0.001)])],
            "inner ring lies outside the outer boundary",
        ),
        (
            [polygon_pm("Parcel", square(*BASE, 0.005), holes=[square(-101.8465, 35.1975, 0.005)])],
            "inner ring crosses the outer boundary",
        ),
        ([polygon_pm("Arctic", square(10.0, 84.5, 0.01))], "outside the UTM range"),
        ([polygon_pm("Antarctic", square(10.0, -80.5, 0.01))], "outside the UTM range"),
        (
            [
                polygon_pm("Parcel", square(*BASE, 0.005)),
                polygon_pm("Far wetland", square(-101.70, 35.195, 0.001)),
            ],
            "lies entirely outside the site boundary",
        ),
    ],
)
def test_nonsense_geometry_is_refused(
    client: TestClient, auth: dict[str, str], placemarks: list[str], message: str
) -> None:
    r = upload(client, auth, "site.kml", kml_doc(*placemarks))
    assert r.status_code == 422, r.text
    assert message in r.json()["detail"]
    assert client.get("/api/sites", headers=auth).json()["count"] == 0


def test_hole_inside_is_still_accepted_and_subtracted(client: TestClient, auth: dict[str, str]) -> None:
    outer, hole = square(*BASE, 0.005), square(-101.848, 35.197, 0.001)
    r = upload(client, auth, "site.kml", kml_doc(polygon_pm("Parcel", outer, holes=[hole])))
    assert r.status_code == 201, r.text
    assert r.json()["area_ha"] == pytest.approx(geodesic_ha(outer) - geodesic_ha(hole), rel=0.005)


def test_below_minimum_area_is_refused(client: TestClient, auth: dict[str, str]) -> None:
    one_m2 = square(*BASE, 0.00001)  # ~0.9 m x 1.1 m
    assert geodesic_ha(one_m2) < 0.1
    r = upload(client, auth, "tiny.kml", kml_doc(polygon_pm("Tiny", one_m2)))
    assert r.status_code == 422
    assert "below the 0.1 ha minimum" in r.json()["detail"] and "MIN_SITE_AREA_HA" in r.json()["detail"]


def test_giant_site_refused_at_the_default_maximum(client: TestClient, auth: dict[str, str]) -> None:
    # The 707 km square of the report (~50 M ha).
    giant = square(-105.0, 30.0, 6.5)
    assert geodesic_ha(giant) > 40_000_000
    r = upload(client, auth, "giant.kml", kml_doc(polygon_pm("Giant", giant)))
    assert r.status_code == 422
    assert "over the 50,000 ha maximum (MAX_SITE_AREA_HA)" in r.json()["detail"]


def test_maximum_area_is_configurable(database_url: str, tmp_path: Path) -> None:
    services = build_services(make_settings(database_url, tmp_path, max_site_area_ha=20))
    try:
        with TestClient(create_app(services=services)) as c:
            headers = register(c, "area@example.com")
            sample = sample_bytes("sample-site.kml")  # 25.3 ha
            r = upload(c, headers, "s.kml", sample)
            assert r.status_code == 422 and "over the 20 ha maximum" in r.json()["detail"]
            small = kml_doc(polygon_pm("Small", square(*BASE, 0.004)))  # 16.2 ha
            assert upload(c, headers, "small.kml", small).status_code == 201
    finally:
        services.close()


def test_nan_coordinate_in_kml(client: TestClient, auth: dict[str, str]) -> None:
    pts = square(*BASE, 0.005)
    text = kml_doc(polygon_pm("P", pts)).replace(b"-101.845,35.195", b"nan,35.195", 1)
    r = upload(client, auth, "nan.kml", text)
    assert r.status_code == 422 and "not a finite number" in r.json()["detail"]


# --- non-finite numbers in request bodies -------------------------------------------------------
def post_raw(client: TestClient, url: str, auth: dict[str, str], body: str, method: str = "POST") -> Any:
    return client.request(method, url, content=body, headers={**auth, "Content-Type": "application/json"})


@pytest.mark.parametrize("value", ["NaN", "Infinity", "-Infinity", '"NaN"', '"inf"'])
@pytest.mark.parametrize("field", ["target_capacity_kw", "dem_resolution_m", "setback_m"])
def test_generate_non_finite_number(
    client: TestClient, auth: dict[str, str], sample_kml: bytes, field: str, value: str
) -> None:
    site = upload(client, auth, "s.kml", sample_kml).json()
    fields = {"target_capacity_kw": "5000", "dem_resolution_m": "30", "setback_m": "15", field: value}
    body = '{{"site_id": "{}", {}}}'.format(site["id"], ", ".join(f'"{k}": {v}' for k, v in fields.items()))
    r = post_raw(client, "/api/layouts/generate", auth, body)
    assert r.status_code == 422, r.text
    assert "finite number" in r.json()["detail"] and field in r.json()["detail"]
    assert "10000000" not in r.json()["detail"]


def test_zone_non_finite_numbers(client: TestClient, auth: dict[str, str], sample_kml: bytes) -> None:
    site = upload(client, auth, "s.kml", sample_kml).json()
    base = f"/api/sites/{site['id']}/exclusion-zones"
    sq = [[-101.849, 35.199], [-101.848, 35.199], [-101.848, 35.198], [-101.849, 35.198], [-101.849, 35.199]]
    geometry = f'{{"type": "Polygon", "coordinates": {sq}}}'
    r = post_raw(client, base, auth, f'{{"geometry": {geometry}, "buffer_m": NaN}}')
    assert r.status_code == 422 and "buffer_m: must be a finite number" in r.json()["detail"]
    nan_geometry = geometry.replace("-101.848, 35.199", "NaN, 35.199", 1)
    r = post_raw(client, base, auth, f'{{"geometry": {nan_geometry}}}')
    assert r.status_code == 422 and "must be a finite number" in r.json()["detail"]
    zone = client.post(base, json={"geometry": {"type": "Polygon", "coordinates": [sq]}}, headers=auth)
    assert zone.status_code == 201, zone.text
    r = post_raw(client, f"{base}/{zone.json()['id']}", auth, '{"buffer_m": Infinity}', method="PATCH")
    assert r.status_code == 422 and "buffer_m: must be a finite number" in r.json()["detail"]


def test_zone_outside_the_site_is_refused(
    client: TestClient, auth: dict[str, str], sample_kml: bytes
) -> None:
    site = upload(client, auth, "s.kml", sample_kml).json()
    far = [[-101.70, 35.199], [-101.69, 35.199], [-101.69, 35.198], [-101.70, 35.198], [-101.70, 35.199]]
    r = client.post(
        f"/api/sites/{site['id']}/exclusion-zones",
        json={"geometry": {"type": "Polygon", "coordinates": [far]}},
        headers=auth,
    )
    assert r.status_code == 422 and "entirely outside the site boundary" in r.json()["detail"]
    assert client.get(f"/api/sites/{site['id']}/exclusion-zones", headers=auth).json() == []


def test_services_fixture_kept(services: Services) -> None:
    """The API tests above use the parametrised database fixtures (SQLite and PostgreSQL)."""
    assert services.settings.max_site_area_ha == 50_000 and services.settings.min_site_area_ha == 0.1
