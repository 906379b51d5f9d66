"""ORM <-> engine: a stored site and layout as the engine's inputs and result, and a result as rows.

The pipeline (`app.pipeline.run`) computes; the job lifecycle (`app.jobs.lifecycle`) decides when a
result may be stored; this module only converts. Geometries are stored as WGS84 GeoJSON.
"""

from __future__ import annotations

import json
import math
import uuid
from collections.abc import Sequence
from typing import Any

import numpy as np
from shapely.geometry import MultiPoint, Point, shape
from shapely.geometry.base import BaseGeometry
from sqlalchemy import insert
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session

from app.db.models import Asset, Layout, Road, Site
from app.engine.blocks.profiles import load_profile
from app.engine.civil.road_grades import is_compliant
from app.engine.core.types import (
    ASSET_NUMBERS,
    Exclusion,
    LayoutParams,
    LayoutResult,
    PlacedAsset,
    PlacedRoad,
    SiteInput,
    asset_numbers,
)
from app.engine.core.validation import non_finite_path
from app.errors import NonFiniteResult
from app.pipeline.run import DesignInput, params_from_document
from app.sites.geometry import simple_polygon_rings, to_geojson


def params_from_layout(layout: Layout) -> LayoutParams:
    """The engine's parameters of a stored layout (its `params` JSON column)."""
    return params_from_document(layout.params)


def site_input(site: Site) -> SiteInput:
    """The engine's view of a stored site (WGS84 geometries)."""
    entry = shape(site.entry_point) if site.entry_point else None
    poi = shape(site.interconnection_point) if site.interconnection_point else None
    return SiteInput(
        boundary=shape(site.boundary),
        exclusions=tuple(
            Exclusion(geometry=shape(z.geometry), buffer_m=z.buffer_m, zone_type=z.zone_type, name=z.name)
            for z in site.exclusion_zones
        ),
        entry_point=entry if isinstance(entry, Point | MultiPoint) else None,
        interconnection_point=poi if isinstance(poi, Point) else None,
    )


def load_job_input(layout: Layout) -> DesignInput:
    """The pipeline's inputs for a stored layout (reads the layout's site and zones)."""
    return DesignInput(
        layout_id=layout.id,
        site_id=layout.site_id,
        site=site_input(layout.site),
        params=params_from_layout(layout),
    )


def result_from_rows(layout: Layout) -> LayoutResult:
    """A stored layout as the engine's result type, so every output is built by one code path."""
    # The roads table keeps each segment's max grade, not its flag: re-derive it by the engine's rule.
    limit = 0.0
    if layout.roads:
        params = params_from_layout(layout)
        limit = load_profile(params.profile, params.overrides).road.max_grade_pct
    return LayoutResult(
        assets=tuple(
            PlacedAsset(
                asset_type=a.asset_type,
                footprint=shape(a.geometry),
                rotation_deg=a.rotation_deg,
                capacity_kw=a.capacity_kw,
                storage_kwh=a.storage_kwh,
                elevation_m=a.elevation_m if a.elevation_m is not None else float("nan"),
                slope_deg=a.slope_deg if a.slope_deg is not None else float("nan"),
                pad_elevation_m=a.pad_elevation_m if a.pad_elevation_m is not None else float("nan"),
                cut_m3=a.cut_m3,
                fill_m3=a.fill_m3,
                properties=dict(a.properties or {}),
            )
            for a in layout.assets
        ),
        roads=tuple(
            PlacedRoad(
                geometry=shape(r.geometry),
                road_class=r.road_class,
                width_m=r.width_m,
                length_m=r.length_m,
                max_grade_pct=r.max_grade_pct,
                cut_m3=r.cut_m3,
                fill_m3=r.fill_m3,
                compliant=is_compliant(r.max_grade_pct, limit),
            )
            for r in layout.roads
        ),
        metrics=dict(layout.metrics or {}),
        warnings=tuple(layout.warnings or ()),
        crs=layout.crs or "",
        extras=tuple(
            {"kind": e["kind"], "geometry": shape(e["geometry"]), "properties": e.get("properties", {})}
            for e in (layout.design or {}).get("features", [])
        ),
        design={k: v for k, v in (layout.design or {}).items() if k != "features"},
    )


def design_document(result: LayoutResult) -> dict[str, Any]:
    """The layout's design document as stored: the engine's design plus its extra features
    (fences, gates, cables) as GeoJSON geometries (WGS84)."""
    return {
        **result.design,
        "features": [
            {"kind": e["kind"], "geometry": to_geojson(e["geometry"]), "properties": e.get("properties", {})}
            for e in result.extras
        ],
    }


def check_finite(result: LayoutResult) -> None:
    """`NonFiniteResult` naming the first NaN / ±Infinity figure of the metrics or the design
    document: JSON has no such numbers (PostgreSQL refuses them, SQLite stores text its own JSON
    functions call malformed), so a result carrying one fails here, by name, and is not retried."""
    for part, value in (("metrics", result.metrics), ("design", result.design)):
        bad = non_finite_path(value, part)
        if bad is not None:
            raise NonFiniteResult(
                f"{bad} is not a finite number: the inputs that feed it are out of scale; "
                "the layout was not stored"
            )


def result_columns(result: LayoutResult) -> dict[str, Any]:
    """A result's columns on the layouts row: metrics, warnings, CRS, design document and the
    headline figures (kW, count, m, m³, MWh) the lists and the status poll read."""
    m = result.metrics
    return {
        "metrics": m,
        "warnings": list(result.warnings),
        "crs": result.crs,
        "total_capacity_kw": m.get("total_capacity_kw"),
        "asset_count": m.get("asset_count"),
        "road_length_m": m.get("road_length_m"),
        "cut_volume_m3": m.get("cut_volume_m3"),
        "fill_volume_m3": m.get("fill_volume_m3"),
        "design": design_document(result),
        "annual_energy_mwh": m.get("annual_energy_mwh"),
    }


_ASSET_COLUMNS = (
    "id",
    "layout_id",
    "seq",
    "asset_type",
    "geometry",
    *ASSET_NUMBERS,
    "properties",
)
_ROAD_COLUMNS = (
    "id",
    "layout_id",
    "seq",
    "road_class",
    "geometry",
    "width_m",
    "length_m",
    "max_grade_pct",
    "cut_m3",
    "fill_m3",
)


def add_result_rows(session: Session, *, layout_id: uuid.UUID, result: LayoutResult) -> None:
    """Insert the result's assets and roads (WGS84 GeoJSON), in the result's order, in bulk.

    The rows go to the driver as tuples with their JSON columns already encoded (orjson; table
    footprints straight from one coordinate array): PostgreSQL takes them by COPY, SQLite by one
    `executemany`. The ORM bulk INSERT with SQLAlchemy's per-value `json.dumps` and parameter
    processing took 2.4 s CPU of a 1 GWac job (28k rows); see docs/benchmarks.md for this path.
    The rows and the stored JSON values are the same as before.

    Only `app.jobs.lifecycle.complete` calls this, once it holds the layout."""
    if result.assets:
        footprints = geojson_texts([a.footprint for a in result.assets])
        _bulk_insert(
            session,
            "assets",
            _ASSET_COLUMNS,
            [
                (
                    uuid.uuid4(),
                    layout_id,
                    i,
                    a.asset_type,
                    footprints[i],
                    *asset_numbers(a),
                    _json_text(a.properties) if a.properties else None,
                )
                for i, a in enumerate(result.assets)
            ],
        )
    if result.roads:
        _bulk_insert(
            session,
            "roads",
            _ROAD_COLUMNS,
            [
                (
                    uuid.uuid4(),
                    layout_id,
                    i,
                    r.road_class,
                    _json_text(to_geojson(r.geometry)),
                    r.width_m,
                    r.length_m,
                    r.max_grade_pct,
                    r.cut_m3,
                    r.fill_m3,
                )
                for i, r in enumerate(result.roads)
            ],
        )


_JSON_COLUMNS = frozenset({"geometry", "properties"})


def _bulk_insert(session: Session, table: str, columns: tuple[str, ...], rows: list[tuple[Any, ...]]) -> None:
    """Insert `rows` (values in `columns` order; UUIDs as `uuid.UUID`, JSON columns as encoded
    UTF-8 text, see `_json_text`) into `table` in the session's transaction.

    PostgreSQL (psycopg): COPY … FROM STDIN, a driver error re-raised as SQLAlchemy's so the job
    runner judges it as before (a refused value is a `DataError`, not retried). SQLite: one
    `executemany` of plain values (UUIDs as the 32-digit hex SQLAlchemy stores). Any other database:
    SQLAlchemy's Core INSERT with the column types."""
    conn = session.connection()
    dialect = conn.dialect
    json_at = [k for k, c in enumerate(columns) if c in _JSON_COLUMNS]
    uuid_at = [k for k, c in enumerate(columns) if c in ("id", "layout_id")]
    if dialect.name == "postgresql" and dialect.driver == "psycopg":
        import psycopg

        raw = conn.connection.driver_connection
        assert isinstance(raw, psycopg.Connection)
        sql = f"COPY {table} ({', '.join(columns)}) FROM STDIN"
        try:
            with raw.cursor() as cur, cur.copy(sql) as copy:
                for row in rows:
                    values = list(row)
                    for k in json_at:
                        if values[k] is not None:
                            values[k] = values[k].decode("utf-8")
                    copy.write_row(values)
        except psycopg.Error as exc:
            # As SQLAlchemy wraps driver errors (DataError, OperationalError …), for the runner.
            raise DBAPIError.instance(sql, None, exc, psycopg.Error, dialect=dialect) from exc
        return
    if dialect.name == "sqlite":
        marks = ", ".join("?" * len(columns))
        plain = []
        for row in rows:
            values = list(row)
            for k in uuid_at:
                values[k] = values[k].hex
            for k in json_at:
                if values[k] is not None:
                    values[k] = values[k].decode("utf-8")
            plain.append(tuple(values))
        # Table and column names are this module's constants, not input.
        sql = f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({marks})"  # noqa: S608
        conn.exec_driver_sql(sql, plain)
        return
    conn.execute(
        insert(Asset if table == "assets" else Road),
        [
            {
                c: (orjson_loads(v) if k in json_at and v is not None else v)
                for k, (c, v) in enumerate(zip(columns, row, strict=True))
            }
            for row in rows
        ],
    )


def orjson_loads(text: bytes) -> Any:
    """The value of JSON text."""
    import orjson

    return orjson.loads(text)


def _json_text(value: Any) -> bytes:
    """`value` as JSON text (UTF-8) for a JSON column, by orjson.

    A value holding NaN or ±Infinity is written by `json.dumps` as before (orjson would write
    null): SQLite keeps it as it always did, PostgreSQL refuses it (a data error, not retried)."""
    import orjson

    if _may_hold_non_finite(value) and non_finite_path(value, "value") is not None:
        return json.dumps(value).encode("utf-8")
    return orjson.dumps(value, option=orjson.OPT_SERIALIZE_NUMPY)


_PLAIN = (str, int, bool, type(None))


def _may_hold_non_finite(value: Any) -> bool:
    """False when `value` is a flat dict of strings, ints, bools, None and finite floats (a table's
    properties: checked here in one loop; `non_finite_path` per table cost 0.3 s at 1 GWac)."""
    if not isinstance(value, dict):
        return True
    for v in value.values():
        if type(v) is float:
            if not math.isfinite(v):
                return True
        elif not isinstance(v, _PLAIN):
            return True
    return False


def geojson_texts(geoms: Sequence[BaseGeometry]) -> list[bytes]:
    """JSON text of `to_geojson(g)` for each geometry (WGS84, coordinates as they are).

    2D polygons without holes and with finite coordinates (a plant's PV tables) are written from
    one `get_coordinates` array by orjson (its rows are views), the rest through `to_geojson`; the
    text parses to the same dict `to_geojson` gives."""
    import orjson

    out: list[bytes | None] = [None] * len(geoms)
    for k, ring in simple_polygon_rings(geoms):
        if np.isfinite(ring).all():
            out[k] = orjson.dumps(
                {"type": "Polygon", "coordinates": [ring]}, option=orjson.OPT_SERIALIZE_NUMPY
            )
    return [t if t is not None else _json_text(to_geojson(geoms[k])) for k, t in enumerate(out)]
