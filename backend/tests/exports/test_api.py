"""The export route, the database loader and the CLI command, on a layout stored row by row."""

from __future__ import annotations

import csv
import gzip
import io
import json
import uuid
import zipfile
from datetime import UTC, datetime
from pathlib import Path

import ezdxf
import pypdf
import pytest
import typer
from fastapi.testclient import TestClient
from lxml import etree
from shapely.geometry import shape
from typer.testing import CliRunner

from app.cli import export as export_cli
from app.db import crud
from app.db.models import Asset, ExclusionZone, Layout, LayoutStatus, Road, Site
from app.engine.core.crs import to_utm
from app.exports.from_db import export_document_for_layout
from app.services import Services
from tests.conftest import make_user
from tests.exports.conftest import CRS, PARAMS, WARNINGS, make_feature_collection

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")
SITE_NAME = "Mesquite Flats «Nord»"


def _store_layout(services: Services, email: str, *, status: str = LayoutStatus.completed.value) -> uuid.UUID:
    """A site, its wetland zone and a completed layout with assets and roads, from the fixture layout."""
    fc = make_feature_collection()
    by_kind: dict[str, list[dict]] = {}
    for f in fc["features"]:
        by_kind.setdefault(f["properties"]["kind"], []).append(f)
    boundary = shape(by_kind["boundary"][0]["geometry"])
    with services.session_factory.begin() as session:
        user = crud.get_user_by_email(session=session, email=email)
        assert user is not None
        c = boundary.centroid
        minx, miny, maxx, maxy = boundary.bounds
        site = Site(
            owner_id=user.id,
            name=SITE_NAME,
            boundary=by_kind["boundary"][0]["geometry"],
            area_ha=to_utm(boundary, CRS).area / 10_000,
            centroid_lon=c.x,
            centroid_lat=c.y,
            bbox_min_lon=minx,
            bbox_min_lat=miny,
            bbox_max_lon=maxx,
            bbox_max_lat=maxy,
            entry_point=by_kind["entry"][0]["geometry"],
            warnings=[],
        )
        ex = by_kind["exclusion"][0]
        site.exclusion_zones.append(
            ExclusionZone(
                name=ex["properties"]["name"],
                zone_type=ex["properties"]["zone_type"],
                buffer_m=ex["properties"]["buffer_m"],
                geometry=ex["geometry"],
                area_ha=0.8,
            )
        )
        session.add(site)
        session.flush()
        layout = Layout(
            site_id=site.id,
            owner_id=user.id,
            status=status,
            params=dict(PARAMS),
            metrics=fc["metrics"],
            warnings=list(WARNINGS),
            crs=CRS,
            completed_at=datetime(2025, 3, 14, 9, 30, tzinfo=UTC),
        )
        keys = ("rotation_deg", "capacity_kw", "storage_kwh", "elevation_m", "slope_deg", "pad_elevation_m")
        for i, a in enumerate(by_kind["asset"]):
            p = a["properties"]
            layout.assets.append(
                Asset(
                    seq=i,
                    asset_type=p["asset_type"],
                    geometry=a["geometry"],
                    cut_m3=p["cut_m3"],
                    fill_m3=p["fill_m3"],
                    **{k: p[k] for k in keys},
                )
            )
        for i, r in enumerate(by_kind["road"]):
            p = r["properties"]
            layout.roads.append(
                Road(
                    seq=i,
                    geometry=r["geometry"],
                    **{
                        k: p[k]
                        for k in ("road_class", "width_m", "length_m", "max_grade_pct", "cut_m3", "fill_m3")
                    },
                )
            )
        session.add(layout)
        session.flush()
        return layout.id


@pytest.fixture
def layout_id(services: Services, auth: dict[str, str]) -> uuid.UUID:
    return _store_layout(services, "alice@example.com")


def test_export_document_for_layout(services: Services, layout_id: uuid.UUID) -> None:
    with services.session_factory() as session:
        layout = crud.get_layout(session=session, layout_id=layout_id, owner_id=None)
        doc = export_document_for_layout(session, layout, settings=services.settings, with_terrain=True)
    assert doc.site_name == SITE_NAME
    assert doc.crs == CRS
    assert doc.layout_id == str(layout_id)
    assert len(doc.assets) == 9
    assert [r.road_class for r in doc.roads] == ["spine", "secondary", "spur"]
    assert doc.exclusions[0].properties["name"] == "Creek wetland"
    assert doc.entry_point is not None
    assert doc.metrics["total_capacity_kw"] == 15_200.0
    assert doc.warnings == WARNINGS  # a flat DEM (the test settings) adds no terrain and no warning
    assert doc.terrain_summary is None
    assert doc.params["overrides"] == {"pv_block": {"max_slope_deg": 8}}


@pytest.mark.parametrize(
    ("fmt", "content_type", "ext"),
    [
        ("geojson", "application/geo+json", "geojson"),
        ("kmz", "application/vnd.google-earth.kmz", "kmz"),
        ("csv", "application/zip", "csv.zip"),
        ("dxf", "image/vnd.dxf", "dxf"),
        ("pdf", "application/pdf", "pdf"),
    ],
)
def test_export_route(
    client: TestClient,
    auth: dict[str, str],
    services: Services,
    layout_id: uuid.UUID,
    fmt: str,
    content_type: str,
    ext: str,
) -> None:
    r = client.get(f"/api/layouts/{layout_id}/export/{fmt}", headers=auth)
    assert r.status_code == 200, r.text
    assert r.headers["content-type"].startswith(content_type)
    disposition = r.headers["content-disposition"]
    # Site + layout (its number within the site and profile) + format (issue 14 point 8).
    assert disposition.startswith(f'attachment; filename="Mesquite-Flats-Nord-layout-1-hybrid.{ext}"')
    assert f"filename*=UTF-8''Mesquite%20Flats%20%C2%ABNord%C2%BB-layout-1-hybrid.{ext}" in disposition
    key = f"outputs/{layout_id}/layout.{ext}"
    if fmt == "geojson":  # kept gzipped, sent as is to clients that accept gzip (httpx does)
        key += ".gz"
        assert r.headers["content-encoding"] == "gzip"
        assert gzip.decompress(services.storage.get("outputs", key)) == r.content
    else:
        assert services.storage.get("outputs", key) == r.content
    _check_contents(fmt, r.content)

    again = client.get(f"/api/layouts/{layout_id}/export/{fmt}", headers=auth)
    assert again.content == r.content
    services.storage.delete("outputs", key)  # the 30-day lifecycle rule
    third = client.get(f"/api/layouts/{layout_id}/export/{fmt}", headers=auth)
    assert third.status_code == 200
    assert services.storage.exists("outputs", key)


def _check_contents(fmt: str, data: bytes) -> None:
    if fmt == "geojson":
        fc = json.loads(data)
        assert sum(f["properties"]["kind"] == "asset" for f in fc["features"]) == 9
        assert fc["site_name"] == SITE_NAME
    elif fmt == "kmz":
        with zipfile.ZipFile(io.BytesIO(data)) as zf:
            root = etree.fromstring(zf.read("doc.kml"))
        assert root.findtext("{*}Document/{*}name") == SITE_NAME
    elif fmt == "csv":
        with zipfile.ZipFile(io.BytesIO(data)) as zf:
            rows = list(csv.DictReader(io.StringIO(zf.read("assets.csv").decode())))
        assert len(rows) == 9
    elif fmt == "dxf":
        dwg = ezdxf.read(io.StringIO(data.decode("utf-8")))
        assert len(dwg.modelspace().query('LWPOLYLINE[layer=="PV_BLOCK"]')) == 6
    else:
        text = "".join(p.extract_text() for p in pypdf.PdfReader(io.BytesIO(data)).pages)
        assert "Mesquite Flats «Nord»" in text


def test_export_errors(
    client: TestClient, auth: dict[str, str], services: Services, layout_id: uuid.UUID
) -> None:
    assert client.get(f"/api/layouts/{layout_id}/export/shp", headers=auth).status_code == 422
    assert client.get(f"/api/layouts/{layout_id}/export/kmz").status_code == 401
    other = make_user(services, "bob@example.com")
    assert client.get(f"/api/layouts/{layout_id}/export/kmz", headers=other).status_code == 404
    assert client.get(f"/api/layouts/{uuid.uuid4()}/export/kmz", headers=auth).status_code == 404
    queued = _store_layout(services, "alice@example.com", status=LayoutStatus.queued.value)
    r = client.get(f"/api/layouts/{queued}/export/pdf", headers=auth)
    assert r.status_code == 409
    assert "queued" in r.text
    assert not services.storage.exists("outputs", f"outputs/{queued}/layout.pdf")


def test_export_is_in_the_openapi_schema(client: TestClient) -> None:
    op = client.get("/openapi.json").json()["paths"]["/api/layouts/{layout_id}/export/{fmt}"]["get"]
    assert op["operationId"] == "exports-export_layout"
    fmt = next(p for p in op["parameters"] if p["name"] == "fmt")
    assert set(fmt["schema"]["enum"]) == {"geojson", "kmz", "csv", "dxf", "pdf"}


def test_cli_export(
    services: Services, layout_id: uuid.UUID, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("app.config.get_settings", lambda: services.settings)
    cli = typer.Typer()
    export_cli.register(cli)
    cli.command("noop")(lambda: None)  # a second command keeps `export` a sub-command
    out = tmp_path / "report.kmz"
    result = CliRunner().invoke(cli, ["export", str(layout_id), "--format", "kmz", "-o", str(out)])
    assert result.exit_code == 0, result.output
    assert str(out) in result.output
    with zipfile.ZipFile(out) as zf:
        assert "doc.kml" in zf.namelist()
    result = CliRunner().invoke(cli, ["export", str(layout_id), "-f", "csv", "-o", str(tmp_path)])
    assert result.exit_code == 0, result.output
    assert (tmp_path / "Mesquite Flats «Nord»-layout.csv.zip").is_file()


def test_write_exports(tmp_path: Path) -> None:
    from tests.exports.conftest import make_document

    paths = export_cli.write_exports(make_document(), "kmz,dxf", tmp_path / "out")
    assert [p.name for p in paths] == ["Mesquite Flats Solar-layout.kmz", "Mesquite Flats Solar-layout.dxf"]
    assert all(p.stat().st_size > 0 for p in paths)
