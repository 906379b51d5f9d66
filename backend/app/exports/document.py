"""The export document: everything an exporter needs, in one frozen value.

Every writer in `app.exports` is a pure function `ExportDocument -> bytes`. The document wraps the
layout GeoJSON FeatureCollection (WGS84, EPSG:4326) that the engine writes
(`app.engine.core.geojson.layout_feature_collection`) with the context a report needs: the site's UTM
CRS, names, parameters, warnings and optional terrain data.

FeatureCollection contract: a top-level "metrics" member (total_capacity_kw, storage_kwh,
asset_count, counts_by_type, road_length_m, cut_volume_m3, fill_volume_m3, buildable_area_ha,
capacity_density_kw_per_ha, target_capacity_kw) and features whose properties.kind is one of
boundary | exclusion | entry | asset | road | fence | gate | cable | trench | gen_tie | collector_tie.
PV tables and trackers
are assets of type pv_table / tracker with properties dc_kwp, block (inverter block id) etc.; cables
carry circuit, level (dc | lv | mv), conductor, length_m, current_a; trenches level and length_m;
the gen-tie (the line from the interconnection point to the substation) length_m, voltage_kv and
straight_m (the part drawn straight beyond the terrain grid); a collector tie (a collector
substation's line to the main substation) collector, length_m, outside_parcel_m, ac_kw,
voltage_kv and reason.
Features without those newer properties are still exported (missing numbers are blank).

The optional design document (`LayoutResult.design`: "pv", "electrical", "bom", "energy", "cost")
feeds the bill of quantities, MV single-line, energy and cost outputs; gas and BESS layouts have
none of it, and every exporter then simply leaves those parts out.
"""

from __future__ import annotations

import math
import re
import unicodedata
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import cached_property
from typing import Any, Literal, get_args

import numpy as np
import shapely
from pyproj import CRS
from shapely.geometry import LineString, MultiLineString, MultiPolygon, Point, Polygon, shape
from shapely.geometry.base import BaseGeometry
from shapely.ops import unary_union

from app.engine.core.crs import WGS84, reproject_many, to_utm
from app.engine.core.document import LayoutMetrics

Kind = Literal[
    "boundary",
    "exclusion",
    "entry",
    "asset",
    "road",
    "fence",
    "gate",
    "cable",
    "trench",
    "gen_tie",
    "collector_tie",
]
KINDS: tuple[Kind, ...] = get_args(Kind)
# Cable levels in drawing order (the GeoJSON `level` of a cable feature).
CABLE_LEVELS: tuple[str, ...] = ("dc", "lv", "mv")
# Asset types placed one per PV table or tracker (issue 11); the rest is equipment.
TABLE_TYPES = frozenset({"pv_table", "tracker"})
ROAD_CLASS_ORDER: tuple[str, ...] = ("spine", "secondary", "spur")

# Metrics keys the FeatureCollection carries (see the module docstring).
METRIC_KEYS: tuple[str, ...] = (
    "total_capacity_kw",
    "storage_kwh",
    "asset_count",
    "counts_by_type",
    "road_length_m",
    "cut_volume_m3",
    "fill_volume_m3",
    "buildable_area_ha",
    "capacity_density_kw_per_ha",
    "target_capacity_kw",
)


def _shapes(geometries: list[dict[str, Any]]) -> list[BaseGeometry]:
    """Shapely geometries of GeoJSON geometry objects. 2D LineStrings and one-ring Polygons (a
    plant's cables and PV tables) are built by type and length in vectorised shapely calls — one
    `shape()` each took seconds at 1 GWac —; any other geometry with `shape()`."""
    out: list[BaseGeometry | None] = [None] * len(geometries)
    groups: dict[tuple[str, int], list[int]] = {}
    for k, g in enumerate(geometries):
        kind, coords = g.get("type"), g.get("coordinates")
        if kind == "Polygon" and coords and len(coords) == 1 and len(coords[0]) >= 4:
            groups.setdefault(("Polygon", len(coords[0])), []).append(k)
        elif kind == "LineString" and coords and len(coords) >= 2:
            groups.setdefault(("LineString", len(coords)), []).append(k)
    for (kind, _), group in groups.items():
        ring = kind == "Polygon"
        try:
            xy = np.array(
                [geometries[k]["coordinates"][0] if ring else geometries[k]["coordinates"] for k in group],
                dtype=float,
            )
        except ValueError:  # ragged: 2D and 3D positions together
            continue
        if xy.ndim != 3 or xy.shape[2] != 2:
            continue
        built = shapely.polygons(shapely.linearrings(xy)) if ring else shapely.linestrings(xy)
        for k, geometry in zip(group, built, strict=True):
            out[k] = geometry
    return [g if g is not None else shape(geometries[k]) for k, g in enumerate(out)]


def num(value: Any) -> float | None:
    """`value` as a finite float, or None (missing, NaN, infinite or not a number)."""
    if value is None or isinstance(value, bool):
        return None
    try:
        f = float(value)
    except (TypeError, ValueError):
        return None
    return f if math.isfinite(f) else None


@dataclass(frozen=True, kw_only=True)
class Item:
    """One feature of the layout. geometry: WGS84 shapely geometry; properties as in the GeoJSON."""

    id: str
    kind: str
    geometry: BaseGeometry
    properties: Mapping[str, Any]

    def value(self, key: str) -> float | None:
        """A numeric property as a finite float, or None."""
        return num(self.properties.get(key))

    def text(self, key: str, default: str = "") -> str:
        v = self.properties.get(key)
        return default if v is None else str(v)

    # Cached (the properties never change): exports group and test tens of thousands of tables
    # by type and block several times each; reading them anew took seconds at 1 GWac.
    @cached_property
    def asset_type(self) -> str:
        return self.text("asset_type", "asset") or "asset"

    @property
    def road_class(self) -> str:
        return self.text("road_class", "road") or "road"

    @cached_property
    def block(self) -> int | None:
        """The inverter block id (property `block`), or None."""
        v = num(self.properties.get("block"))
        return int(v) if v is not None and v == int(v) else None

    @property
    def compliant(self) -> bool:
        """False for a road flagged `compliant: false` (steeper than trucks can climb)."""
        return self.properties.get("compliant") is not False


@dataclass(frozen=True, kw_only=True)
class ExportDocument:
    """A layout ready to export.

    feature_collection: the layout GeoJSON FeatureCollection, WGS84 (EPSG:4326) lon/lat [degrees].
    crs: the site's UTM CRS ("EPSG:326zz" / "EPSG:327zz"); the DXF and the PDF map are drawn in it [m].
    site_name: free text, any Unicode; never trusted as a file name (see `safe_filename_stem`).
    params: the layout parameters as submitted (LayoutParams fields), shown in the PDF.
    warnings: the engine's warnings, shown in the PDF and the KMZ.
    terrain_summary: optional flat mapping of terrain statistics (keys carry their unit, e.g.
        "elevation_min_m", "mean_slope_deg"); shown in the PDF.
    contours: optional contour lines, WGS84 LineStrings (or MultiLineStrings) whose z coordinate,
        when present, is the contour elevation [m]. Drawn on the DXF CONTOURS layer and the PDF map.
    created_at: when the layout was generated (UTC), printed on every output.
    design: the plant design document (see the module docstring); empty for gas / BESS layouts.
    geojson_ready: the features need no re-orienting, rounding or cleaning (see the field).
    """

    feature_collection: dict[str, Any]
    crs: str
    site_name: str
    layout_id: str
    params: dict[str, Any] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)
    terrain_summary: dict[str, Any] | None = None
    contours: list[LineString] | None = None
    created_at: datetime = field(default_factory=lambda: datetime.now(UTC))
    design: dict[str, Any] = field(default_factory=dict)
    # True when the features are RFC 7946 as written (right-hand rule, coordinates rounded to
    # 1e-7°, JSON-safe properties): the stored layout document. The GeoJSON writer copies them.
    geojson_ready: bool = False

    # -- features --------------------------------------------------------------------------------

    @cached_property
    def _items(self) -> dict[str, list[Item]]:
        by_kind: dict[str, list[Item]] = {k: [] for k in KINDS}
        counters: Counter[str] = Counter()
        features = [
            f
            for f in self.feature_collection.get("features") or []
            if f.get("geometry") and str((f.get("properties") or {}).get("kind") or "") in by_kind
        ]
        built = _shapes([f["geometry"] for f in features])
        for feature, geometry in zip(features, built, strict=True):
            props = feature.get("properties") or {}
            kind = str(props.get("kind") or "")
            if geometry.is_empty:
                continue
            counters[kind] += 1
            fid = feature.get("id") or props.get("id") or f"{kind}-{counters[kind]}"
            by_kind[kind].append(Item(id=str(fid), kind=kind, geometry=geometry, properties=props))
        return by_kind

    def items(self, kind: Kind) -> list[Item]:
        """The features of one kind, in document order."""
        return self._items[kind]

    @property
    def assets(self) -> list[Item]:
        return self._items["asset"]

    @property
    def roads(self) -> list[Item]:
        return self._items["road"]

    @property
    def exclusions(self) -> list[Item]:
        return self._items["exclusion"]

    @property
    def fences(self) -> list[Item]:
        return self._items["fence"]

    @property
    def gates(self) -> list[Item]:
        return self._items["gate"]

    @property
    def cables(self) -> list[Item]:
        return self._items["cable"]

    @property
    def trenches(self) -> list[Item]:
        return self._items["trench"]

    @property
    def gen_ties(self) -> list[Item]:
        """The gen-tie line(s) from the interconnection point to the substation (kind "gen_tie")."""
        return self._items["gen_tie"]

    @property
    def collector_ties(self) -> list[Item]:
        """The tie lines from collector substations to the main substation (kind "collector_tie")."""
        return self._items["collector_tie"]

    @cached_property
    def cables_by_level(self) -> dict[str, list[Item]]:
        """Cables by `level`, in CABLE_LEVELS order then any other level alphabetically."""
        out: dict[str, list[Item]] = {}
        for c in self.cables:
            out.setdefault(c.text("level", "other") or "other", []).append(c)
        order = {lv: k for k, lv in enumerate(CABLE_LEVELS)}
        return dict(sorted(out.items(), key=lambda kv: (order.get(kv[0], len(order)), kv[0])))

    def section(self, name: str) -> dict[str, Any]:
        """One section of the design document ("bom", "electrical", "energy", "cost"), or {}."""
        value = self.design.get(name) if isinstance(self.design, dict) else None
        return value if isinstance(value, dict) else {}

    @cached_property
    def tables(self) -> list[Item]:
        """PV tables and trackers (assets of a TABLE_TYPES type), in document order."""
        return [a for a in self.assets if a.asset_type in TABLE_TYPES]

    @cached_property
    def equipment(self) -> list[Item]:
        """Every asset that is not a PV table or tracker."""
        return [a for a in self.assets if a.asset_type not in TABLE_TYPES]

    @cached_property
    def tables_utm(self) -> dict[int, BaseGeometry]:
        """Each table's footprint in the UTM CRS [m], keyed by `id(item)` (feature ids need not be
        unique), reprojected with one pyproj call for them all; see `table_utm`."""
        utm = reproject_many([t.geometry for t in self.tables], WGS84, self.crs)
        return {id(t): g for t, g in zip(self.tables, utm, strict=True)}

    def table_utm(self, item: Item) -> BaseGeometry:
        """A table's footprint in the UTM CRS [m] (from `tables_utm`, else reprojected alone)."""
        found = self.tables_utm.get(id(item))
        return found if found is not None else self.to_utm(item.geometry)

    @cached_property
    def blocks(self) -> dict[int | None, list[Item]]:
        """PV tables and trackers by inverter block id (None: no block property), ids ascending."""
        out: dict[int | None, list[Item]] = {}
        for t in self.tables:
            out.setdefault(t.block, []).append(t)
        return dict(sorted(out.items(), key=lambda kv: (kv[0] is None, kv[0] or 0)))

    @property
    def terrain_assessed(self) -> bool:
        """Whether the layout used terrain (metrics `terrain_assessed`, else params `use_terrain`)."""
        given = self.typed_metrics.terrain_assessed
        if given is not None:
            return given
        return self.params.get("use_terrain", True) is not False

    @cached_property
    def boundary(self) -> Polygon | MultiPolygon | None:
        """The site boundary, WGS84; None when the collection has no boundary feature."""
        parts = [
            i.geometry for i in self._items["boundary"] if isinstance(i.geometry, Polygon | MultiPolygon)
        ]
        if not parts:
            return None
        merged = parts[0] if len(parts) == 1 else unary_union(parts)
        return merged if isinstance(merged, Polygon | MultiPolygon) else None

    @property
    def entry_point(self) -> Point | None:
        pts = [i.geometry for i in self._items["entry"] if isinstance(i.geometry, Point)]
        return pts[0] if pts else None

    @cached_property
    def asset_types(self) -> list[str]:
        """Asset types present, in order of first appearance."""
        return list(dict.fromkeys(a.asset_type for a in self.assets))

    def extent_wgs84(self) -> tuple[float, float, float, float] | None:
        """(min lon, min lat, max lon, max lat) of all features [degrees], or None when empty."""
        return self._extent_wgs84

    @cached_property
    def _extent_wgs84(self) -> tuple[float, float, float, float] | None:
        # The bounds of the union are the bounds of the parts: no union needed (at 1 GWac a union of
        # ~47k geometries took seconds; `total_bounds` reads the coordinates once, in C).
        geoms = [i.geometry for items in self._items.values() for i in items]
        if not geoms:
            return None
        b = shapely.total_bounds(np.asarray(geoms, dtype=object))
        if not np.isfinite(b).all():
            return None
        return (float(b[0]), float(b[1]), float(b[2]), float(b[3]))

    # -- numbers ---------------------------------------------------------------------------------

    @cached_property
    def metrics(self) -> dict[str, Any]:
        """The collection's "metrics", with any missing key computed from the features."""
        given = dict(self.feature_collection.get("metrics") or {})
        computed: dict[str, Any] = {
            "total_capacity_kw": sum(a.value("capacity_kw") or 0.0 for a in self.assets),
            "storage_kwh": sum(a.value("storage_kwh") or 0.0 for a in self.assets),
            "asset_count": len(self.assets),
            "counts_by_type": dict(Counter(a.asset_type for a in self.assets)),
            "road_length_m": sum(r.value("length_m") or 0.0 for r in self.roads),
            "cut_volume_m3": sum(i.value("cut_m3") or 0.0 for i in [*self.assets, *self.roads]),
            "fill_volume_m3": sum(i.value("fill_m3") or 0.0 for i in [*self.assets, *self.roads]),
            "target_capacity_kw": num(self.params.get("target_capacity_kw")),
        }
        for key, value in computed.items():
            if given.get(key) is None:
                given[key] = value
        for key in ("buildable_area_ha", "capacity_density_kw_per_ha"):
            given.setdefault(key, None)
        return given

    def metric(self, key: str) -> float | None:
        return num(self.metrics.get(key))

    @cached_property
    def typed_metrics(self) -> LayoutMetrics:
        """`metrics` as the typed result document (app/engine/core/document.py), for attribute
        access with units; a key it does not declare (a collection from elsewhere) is left out."""
        return LayoutMetrics.from_stored(self.metrics, where="export metrics") or LayoutMetrics()

    # -- CRS -------------------------------------------------------------------------------------

    def to_utm(self, geometry: BaseGeometry) -> BaseGeometry:
        """A WGS84 geometry in the document's UTM CRS [m]."""
        return to_utm(geometry, self.crs)

    def contours_utm(self) -> list[tuple[LineString, float | None]]:
        """Each contour line in the UTM CRS [m], 2D, with its elevation [m] (None without z)."""
        out: list[tuple[LineString, float | None]] = []
        for contour in self.contours or []:
            parts = contour.geoms if isinstance(contour, MultiLineString) else [contour]
            for part in parts:
                if not isinstance(part, LineString) or part.is_empty:
                    continue
                z = float(part.coords[0][2]) if part.has_z else None
                utm = to_utm(part, self.crs)
                if isinstance(utm, LineString) and len(utm.coords) >= 2:
                    out.append((utm, z))
        return out

    @cached_property
    def crs_name(self) -> str:
        """A human name for `crs`, e.g. "WGS 84 / UTM zone 14N (EPSG:32614)"."""
        try:
            name = CRS.from_user_input(self.crs).name
        except Exception:  # pyproj raises CRSError, but never let a label break an export
            return self.crs
        return f"{name} ({self.crs})"

    @property
    def created_at_utc(self) -> datetime:
        c = self.created_at
        return c.replace(tzinfo=UTC) if c.tzinfo is None else c.astimezone(UTC)

    @property
    def display_name(self) -> str:
        """The site name for titles: stripped, control characters removed, never empty."""
        name = "".join(ch for ch in self.site_name if unicodedata.category(ch)[0] != "C").strip()
        return name or "Untitled site"


_UNSAFE_FILENAME = re.compile(r'[\\/:*?"<>|\x00-\x1f\x7f]+')
_NON_ASCII_SAFE = re.compile(r"[^A-Za-z0-9._-]+")


def safe_filename_stem(name: str, *, ascii_only: bool = False, max_len: int = 80) -> str:
    """`name` as a file-name stem: no path separators, quotes or control characters.

    ascii_only: transliterate (NFKD, drop marks) and keep [A-Za-z0-9._-]; used for the plain
    `filename=` of Content-Disposition. Returns "site" when nothing usable is left.
    """
    if ascii_only:
        folded = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode("ascii")
        stem = _NON_ASCII_SAFE.sub("-", folded)
    else:
        stem = _UNSAFE_FILENAME.sub("-", unicodedata.normalize("NFC", name))
        stem = re.sub(r"\s+", " ", stem)
    stem = stem.strip(" .-_")[:max_len].strip(" .-_")
    return stem or "site"
