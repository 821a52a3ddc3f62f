"""Build the bundled offline basemap (src/events/data/basemap/*.geojson) from Natural Earth GeoJSON (CC0).

Run once by a maintainer: python scripts/build_basemap.py [../shared/geo/naturalearth]
"""

import json
import sys
from itertools import pairwise
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "src" / "events" / "data" / "basemap"


def _dp(points: list, tol: float) -> list:
    """Douglas-Peucker simplification of a list of [lon, lat] points."""
    if len(points) < 3:
        return points
    keep = [False] * len(points)
    keep[0] = keep[-1] = True
    stack = [(0, len(points) - 1)]
    while stack:
        a, b = stack.pop()
        (x1, y1), (x2, y2) = points[a][:2], points[b][:2]
        dx, dy = x2 - x1, y2 - y1
        norm = (dx * dx + dy * dy) ** 0.5
        best, idx = 0.0, -1
        for i in range(a + 1, b):
            x, y = points[i][:2]
            if norm < 1e-12:  # closed ring: distance to the shared end point
                d = ((x - x1) ** 2 + (y - y1) ** 2) ** 0.5
            else:
                d = abs(dy * x - dx * y + x2 * y1 - y2 * x1) / norm
            if d > best:
                best, idx = d, i
        if best > tol and idx > 0:
            keep[idx] = True
            stack += [(a, idx), (idx, b)]
    return [p for p, k in zip(points, keep) if k]


def _line(coords: list, tol: float, digits: int, ring: bool) -> list | None:
    out = [[round(x, digits), round(y, digits)] for x, y, *_ in _dp(coords, tol)]
    out = [p for i, p in enumerate(out) if i == 0 or p != out[i - 1]]
    if ring and len(out) < 4:
        return None
    return out


def _area(ring: list) -> float:
    """Planar area of a ring in square degrees (shoelace)."""
    return abs(sum(x1 * y2 - x2 * y1 for (x1, y1), (x2, y2) in pairwise(ring))) / 2


def _geometry(geom: dict, tol: float, digits: int, min_area: float = 0.0) -> dict | None:
    kind, coords = geom["type"], geom["coordinates"]
    if kind == "LineString":
        coords = _line(coords, tol, digits, False)
    elif kind == "MultiLineString":
        coords = [_line(c, tol, digits, False) for c in coords]
    elif kind == "Polygon":
        coords = [r for r in (_line(c, tol, digits, True) for c in coords) if r]
    elif kind == "MultiPolygon":
        polys = [[r for r in (_line(c, tol, digits, True) for c in poly) if r] for poly in coords]
        coords = [p for p in polys if p and _area(p[0]) >= min_area]  # drop specks of islands
    return {"type": kind, "coordinates": coords} if coords else None


def build(
    src: Path, name: str, out: str, keep: list[str], tol: float, digits: int, min_area: float = 0.0
) -> int:
    """Simplify one Natural Earth file into src/events/data/basemap/<out>; returns its size in bytes."""
    data = json.loads((src / name).read_text(encoding="utf-8"))
    features = []
    for feat in data["features"]:
        geom = _geometry(feat["geometry"], tol, digits, min_area) if feat.get("geometry") else None
        if geom:
            props = {k.lower(): feat["properties"].get(k) for k in keep if k in feat["properties"]}
            features.append({"type": "Feature", "properties": props, "geometry": geom})
    text = json.dumps({"type": "FeatureCollection", "features": features}, separators=(",", ":"))
    (OUT / out).write_text(text, encoding="utf-8")
    return len(text)


def main(src: Path) -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    sizes = {
        "countries.geojson": build(
            src, "50m/ne_50m_admin_0_countries.json", "countries.geojson", ["NAME", "ISO_A2"], 0.02, 2, 0.01
        ),
        "korea_dmz_mdl.geojson": build(
            src,
            "10m/korea_dmz_mdl.geojson",
            "korea_dmz_mdl.geojson",
            ["name", "NAME", "featurecla"],
            0.0005,
            4,
        ),
    }
    for out, size in sizes.items():
        print(f"{out}: {size / 1024:.0f} KiB")


if __name__ == "__main__":
    main(Path(sys.argv[1] if len(sys.argv) > 1 else ROOT.parent / "shared" / "geo" / "naturalearth"))
