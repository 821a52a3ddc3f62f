"""The offline gazetteer: countries, regions, towns, waters, airports and border features in one indexed SQLite
file, read here (`gazetteer()`, `Gazetteer.candidates`); built by gazetteer_build.py when missing or stale.
"""

import sqlite3
import threading
from collections.abc import Iterable
from functools import lru_cache
from pathlib import Path

from events import config
from events.errors import GeocodingError
from events.geo import geonames_dump
from events.geo.gazetteer_build import (  # noqa: F401 (the gazetteer's facts, for its readers)
    ADMIN2,
    APPROX,
    BORDER_FEATURES,
    CAPITAL,
    FILE_NAME,
    build,
    fingerprint,
)
from events.geo.names import (  # noqa: F401
    _RANK,
    ALIAS,
    ALTERNATE,
    DEMONYM,
    PRIMARY,
    Entry,
    normalize,
)

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
    return bool(row) and row[0] == fingerprint(geonames_dump.recorded(path.parent))
