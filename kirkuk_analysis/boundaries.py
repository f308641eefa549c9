"""The governorate boundaries the package ships (Natural Earth admin-1, in
``kirkuk_analysis/geo/``, see SOURCE.md): their rings, and which of them holds a point.

The map draws them (:mod:`kirkuk_analysis.plots`) and the audit checks each place against
its province's (:func:`kirkuk_analysis.audit.check_places`), so both read them here. numpy
only: the audit never loads matplotlib.

>>> governorate_of(44.3922, 35.4681)   # Kirkuk city
'Kirkuk'
>>> near_governorates(44.3922, 35.4681)
['Kirkuk']
"""

from __future__ import annotations

import functools
import json

import numpy as np

from kirkuk_analysis import _paths

__all__ = [
    "KNOWN_DIFFERENCES",
    "TOLERANCE_DEG",
    "distance_to",
    "governorate_of",
    "governorate_rings",
    "near_governorates",
]

#: About 2 km: a town on a governorate's edge may sit across a coarse outline.
TOLERANCE_DEG = 0.02

#: Where the shipped (older) Natural Earth polygons and the federal de jure map differ
#: (codebook §6): (coded governorate, polygon a place of it may lie in) -> why, for places
#: within :data:`KNOWN_DIFFERENCE_DEG` of their coded governorate's polygon.
KNOWN_DIFFERENCES = {
    ("Nineveh", "Erbil"): "Makhmour district, de jure Nineveh, lies in Erbil's polygon",
    ("Baghdad", "Salahaddin"): "the Baghdad polygon covers little more than the city",
    ("Baghdad", "Anbar"): "the Baghdad polygon covers little more than the city",
    ("Baghdad", "Diyala"): "the Baghdad polygon covers little more than the city",
}
#: About 33 km: how far those places lie from their coded governorate's polygon.
KNOWN_DIFFERENCE_DEG = 0.3


@functools.cache
def governorate_rings() -> dict[str, tuple[np.ndarray, ...]]:
    """Governorate name -> the outer rings of its polygons (``(n, 2)`` lon/lat arrays,
    read-only), read once per process.

    >>> sorted(governorate_rings())[:3]
    ['Anbar', 'Babil', 'Baghdad']
    """
    path = _paths.geo_dir() / "iraq_admin1.geojson"
    rings: dict[str, tuple[np.ndarray, ...]] = {}
    for feature in json.loads(path.read_text(encoding="utf-8"))["features"]:
        geom = feature["geometry"]
        polys = [geom["coordinates"]] if geom["type"] == "Polygon" else geom["coordinates"]
        arrays = []
        for poly in polys:
            ring = np.asarray(poly[0], dtype=float)
            ring.flags.writeable = False
            arrays.append(ring)
        rings[feature["properties"]["name"]] = tuple(arrays)
    return rings


def _inside(ring: np.ndarray, lon: float, lat: float) -> bool:
    """Ray casting: an odd number of edges crossed to the east means inside."""
    x1, y1 = ring[:-1, 0], ring[:-1, 1]
    x2, y2 = ring[1:, 0], ring[1:, 1]
    crosses = (y1 > lat) != (y2 > lat)
    with np.errstate(divide="ignore", invalid="ignore"):
        x_at = x1 + (lat - y1) * (x2 - x1) / (y2 - y1)
    return bool((crosses & (lon < x_at)).sum() % 2)


def _distance(ring: np.ndarray, lon: float, lat: float) -> float:
    """Degrees from the point to the nearest edge of ``ring``."""
    x1, y1 = ring[:-1, 0], ring[:-1, 1]
    dx, dy = ring[1:, 0] - x1, ring[1:, 1] - y1
    with np.errstate(divide="ignore", invalid="ignore"):
        u = np.nan_to_num(np.clip(((lon - x1) * dx + (lat - y1) * dy) / (dx * dx + dy * dy), 0, 1))
    return float(np.hypot(x1 + u * dx - lon, y1 + u * dy - lat).min())


def governorate_of(lon: float, lat: float) -> str:
    """The governorate whose polygon holds the point, or "" when none does.

    >>> governorate_of(43.58, 35.7766)   # Makhmour: de jure Nineveh, inside Erbil's polygon
    'Erbil'
    """
    for name, rings in governorate_rings().items():
        if any(_inside(ring, lon, lat) for ring in rings):
            return name
    return ""


def near_governorates(lon: float, lat: float, tolerance: float = TOLERANCE_DEG) -> list[str]:
    """The governorates whose polygon holds the point or passes within ``tolerance``
    degrees of it (a town on a boundary may be in either), the holder first."""
    holder = governorate_of(lon, lat)
    near = [
        name
        for name, rings in governorate_rings().items()
        if name != holder and any(_distance(ring, lon, lat) <= tolerance for ring in rings)
    ]
    return [holder, *near] if holder else near


def distance_to(name: str, lon: float, lat: float) -> float:
    """Degrees from the point to governorate ``name``'s polygon (0 inside it; inf for a
    name the boundaries lack).

    >>> round(distance_to("Kirkuk", 44.3922, 35.4681), 3)
    0.0
    """
    rings = governorate_rings().get(name, ())
    if any(_inside(ring, lon, lat) for ring in rings):
        return 0.0
    return min((_distance(ring, lon, lat) for ring in rings), default=float("inf"))
