"""A result's asset and road rows, written in bulk by the driver (COPY on PostgreSQL, one
executemany on SQLite) with JSON encoded by orjson: the same rows as SQLAlchemy's ORM bulk INSERT of
the same values (the path it replaced), on SQLite and PostgreSQL.

The reference rows are inserted here with `insert(Asset)` / `insert(Road)` and `to_geojson`, as
`add_result_rows` did before; every column of every row is compared, in `seq` order.
"""

from __future__ import annotations

import json
import math
import uuid
from typing import Any

import numpy as np
import pytest
from fastapi.testclient import TestClient
from shapely.geometry import LineString, MultiLineString, Polygon, box
from sqlalchemy import insert, select
from sqlalchemy.exc import DataError

from app.db import mapping
from app.db.models import Asset, Road
from app.engine.core.types import LayoutResult, PlacedAsset, PlacedRoad
from app.jobs import lifecycle
from app.services import Services
from app.sites.geometry import to_geojson
from tests.conftest import submit


def _result(n: int = 300, *, bad_property: bool = False) -> LayoutResult:
    rng = np.random.default_rng(7)
    assets = []
    for i in range(n):
        x, y = -93.0 + rng.random() * 0.02, 40.0 + rng.random() * 0.02
        ring = [(x, y), (x + 1e-4, y), (x + 1e-4, y + 3e-5), (x, y + 3e-5)]
        # Half the tables clockwise: the rows keep the ring as the engine gave it.
        poly = Polygon(ring if i % 2 else ring[::-1])
        props: dict[str, Any] = {"dc_kwp": 45.24, "modules": 78, "tilt_deg": None, "row": i, "block": i // 50}
        assets.append(
            PlacedAsset(
                asset_type="tracker",
                footprint=poly,
                rotation_deg=float(rng.random() * 10),
                capacity_kw=36.0,
                storage_kwh=0.0,
                elevation_m=float("nan") if i == 3 else 200.0 + i,
                slope_deg=float(rng.random()),
                pad_elevation_m=float("nan"),
                cut_m3=0.0,
                fill_m3=1.5,
                properties=props,
            )
        )
    hole = box(-93.008, 40.012, -93.002, 40.018).exterior
    holed = Polygon(box(-93.01, 40.01, -93.0, 40.02).exterior, [hole])
    nested = {"ac_kw": 4000.0, "feeders": [1, 2, {"x": np.float64(0.5)}], "name": "PS-1 é"}
    if bad_property:
        nested["loss_pct"] = float("nan")
    assets.append(
        PlacedAsset(
            asset_type="power_station",
            footprint=holed,
            rotation_deg=0.0,
            capacity_kw=4000.0,
            storage_kwh=0.0,
            elevation_m=201.0,
            slope_deg=0.5,
            pad_elevation_m=200.5,
            cut_m3=3.0,
            fill_m3=2.0,
            properties=nested,
        )
    )
    assets.append(
        PlacedAsset(
            asset_type="om_building",
            footprint=box(-93.02, 40.0, -93.019, 40.001),
            rotation_deg=0.0,
            capacity_kw=0.0,
            storage_kwh=0.0,
            elevation_m=199.0,
            slope_deg=0.0,
            pad_elevation_m=199.0,
            cut_m3=0.0,
            fill_m3=0.0,
        )
    )
    roads = (
        PlacedRoad(
            geometry=LineString([(-93.0, 40.0), (-93.001, 40.0005), (-93.002, 40.001)]),
            road_class="main",
            width_m=6.0,
            length_m=180.2,
            max_grade_pct=3.1,
            cut_m3=10.0,
            fill_m3=5.0,
        ),
        PlacedRoad(
            geometry=MultiLineString(
                [[(-93.0, 40.0), (-93.0, 40.001)], [(-93.001, 40.0), (-93.001, 40.002)]]
            ),
            road_class="internal",
            width_m=4.0,
            length_m=330.0,
            max_grade_pct=9.5,
            cut_m3=0.0,
            fill_m3=0.0,
        ),
    )
    return LayoutResult(
        assets=tuple(assets), roads=roads, metrics={"total_capacity_kw": 1.0}, warnings=(), crs="EPSG:32615"
    )


def _orm_rows(session: Any, layout_id: uuid.UUID, result: LayoutResult) -> None:
    """The rows as the ORM bulk INSERT wrote them before (the reference)."""
    session.execute(
        insert(Asset),
        [
            {
                "layout_id": layout_id,
                "seq": i,
                "asset_type": a.asset_type,
                "geometry": to_geojson(a.footprint),
                "rotation_deg": a.rotation_deg,
                "capacity_kw": a.capacity_kw,
                "storage_kwh": a.storage_kwh,
                "elevation_m": a.elevation_m,
                "slope_deg": a.slope_deg,
                "pad_elevation_m": a.pad_elevation_m,
                "cut_m3": a.cut_m3,
                "fill_m3": a.fill_m3,
                "properties": a.properties or None,
            }
            for i, a in enumerate(result.assets)
        ],
    )
    session.execute(
        insert(Road),
        [
            {
                "layout_id": layout_id,
                "seq": i,
                "road_class": r.road_class,
                "geometry": to_geojson(r.geometry),
                "width_m": r.width_m,
                "length_m": r.length_m,
                "max_grade_pct": r.max_grade_pct,
                "cut_m3": r.cut_m3,
                "fill_m3": r.fill_m3,
            }
            for i, r in enumerate(result.roads)
        ],
    )


def _same(a: Any, b: Any) -> bool:
    if isinstance(a, float) and isinstance(b, float) and math.isnan(a) and math.isnan(b):
        return True
    return bool(a == b)


def _rows(services: Services, model: type[Asset] | type[Road], layout_id: uuid.UUID) -> list[dict[str, Any]]:
    with services.session_factory() as s:
        rows = s.scalars(select(model).where(model.layout_id == layout_id).order_by(model.seq)).all()
        skip = {"id", "layout_id", "layout"}
        return [{c: getattr(r, c) for c in model.__table__.columns.keys() if c not in skip} for r in rows]  # noqa: SIM118


def _two_layouts(api: TestClient, headers: dict[str, str], site_id: str) -> tuple[uuid.UUID, uuid.UUID]:
    return uuid.UUID(submit(api, headers, site_id)), uuid.UUID(submit(api, headers, site_id))


def test_bulk_rows_equal_the_orm_insert(
    async_services: Services, api: TestClient, headers: dict[str, str], site_id: str
) -> None:
    result = _result()
    new_id, ref_id = _two_layouts(api, headers, site_id)
    with async_services.write_session_factory.begin() as s:
        assert lifecycle.complete(s, layout_id=new_id, result=result)
    with async_services.write_session_factory.begin() as s:
        _orm_rows(s, ref_id, result)

    for model, expected_count in ((Asset, len(result.assets)), (Road, len(result.roads))):
        new, ref = _rows(async_services, model, new_id), _rows(async_services, model, ref_id)
        assert len(new) == len(ref) == expected_count
        for i, (a, b) in enumerate(zip(new, ref, strict=True)):
            assert a.keys() == b.keys()
            for col in a:
                assert _same(a[col], b[col]), (model.__tablename__, i, col, a[col], b[col])
    # Independently of the reference: the geometry of each row is its footprint's GeoJSON, ring
    # order as given (clockwise tables stay clockwise), the hole kept, ids unique.
    assets = _rows(async_services, Asset, new_id)
    for a, placed in zip(assets, result.assets, strict=True):
        assert a["geometry"] == json.loads(json.dumps(to_geojson(placed.footprint)))
    assert len(assets[-2]["geometry"]["coordinates"]) == 2  # exterior and hole
    assert assets[-1]["properties"] is None  # no properties: NULL, as before
    assert assets[-2]["properties"]["feeders"] == [1, 2, {"x": 0.5}]
    with async_services.session_factory() as s:
        ids = s.scalars(select(Asset.id).where(Asset.layout_id == new_id)).all()
        assert len(set(ids)) == len(ids) and all(isinstance(i, uuid.UUID) for i in ids)


def test_a_non_finite_property_is_stored_as_before(
    async_services: Services, api: TestClient, headers: dict[str, str], site_id: str, database_url: str
) -> None:
    """SQLite stored NaN in JSON text (json.dumps) and still does; PostgreSQL refuses it, and the
    refusal is SQLAlchemy's DataError (the job runner does not retry a data error)."""
    result = _result(5, bad_property=True)
    layout_id = uuid.UUID(submit(api, headers, site_id))
    if database_url.startswith("sqlite"):
        with async_services.write_session_factory.begin() as s:
            assert lifecycle.complete(s, layout_id=layout_id, result=result)
        props = _rows(async_services, Asset, layout_id)[-2]["properties"]
        assert math.isnan(props["loss_pct"])
    else:
        with pytest.raises(DataError), async_services.write_session_factory.begin() as s:
            lifecycle.complete(s, layout_id=layout_id, result=result)
        assert _rows(async_services, Asset, layout_id) == []


def test_geojson_texts_parse_to_to_geojson() -> None:
    shapes = [
        box(0, 0, 1, 1),
        Polygon([(0, 0, 1), (1, 0, 2), (1, 1, 3)]),  # 3D: through to_geojson
        Polygon(),
        Polygon([(0, 0), (float("inf"), 0), (1, 1)]),
        LineString([(0.1, 0.2), (0.3, 0.4)]),
    ]
    texts = mapping.geojson_texts(shapes)
    for t, g in zip(texts[:3] + texts[4:], shapes[:3] + shapes[4:], strict=True):
        assert json.loads(t) == json.loads(json.dumps(to_geojson(g)))
    # A non-finite coordinate is written as json.dumps writes it (Infinity), not as null.
    assert json.loads(texts[3])["coordinates"][0][1][0] == float("inf")
