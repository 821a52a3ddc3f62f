"""Opt-in online fallback (EVENTS_GEOCODER=nominatim): geopy's Nominatim for names the gazetteer lacks.

Never used unless asked for. Requests go through geopy's RateLimiter (the service allows 1 request per
second), with a custom user agent (EVENTS_USER_AGENT, required), a timeout, bounded retries and a
persistent SQLite cache in the cache dir, so a name is asked for at most once.
"""

import json
import sqlite3
import threading
import time
from pathlib import Path

from geopy.adapters import URLLibAdapter
from geopy.exc import GeopyError
from geopy.extra.rate_limiter import RateLimiter
from geopy.geocoders import Nominatim

from events import config
from events.errors import ConfigError, GeocodingError
from events.geo.gazetteer import normalize
from events.models import Toponym

TIMEOUT_SECONDS = 10
MAX_RETRIES = 2
MIN_DELAY_SECONDS = 1.0  # the public service's usage policy

# Nominatim's addresstype/class -> our kinds
KINDS = {
    "country": "country",
    "state": "admin1",
    "province": "admin1",
    "region": "admin1",
    "city": "city",
    "town": "city",
    "village": "city",
    "hamlet": "city",
    "municipality": "city",
    "suburb": "city",
    "river": "water",
    "water": "water",
    "sea": "water",
    "bay": "water",
    "strait": "water",
    "island": "island",
    "islet": "island",
    "county": "region",
    "waterway": "water",
    "natural": "region",
}


class Online:
    """A rate-limited, cached Nominatim client."""

    def __init__(
        self,
        user_agent: str | None = None,
        domain: str | None = None,
        scheme: str = "https",
        cache_path: Path | None = None,
        min_delay: float = MIN_DELAY_SECONDS,
    ):
        user_agent = user_agent or config.get("EVENTS_USER_AGENT")
        if not user_agent:
            raise ConfigError(
                "EVENTS_GEOCODER=nominatim needs a contact user agent: set EVENTS_USER_AGENT, "
                "e.g. 'border-events/0.1 (you@example.org)'"
            )
        kwargs = {"domain": domain} if domain else {}
        # URLLibAdapter: the requests adapter retries on its own and sleeps out any Retry-After (even an hour),
        # so the RateLimiter below would not be the only, bounded, retry loop.
        self.geocoder = Nominatim(
            user_agent=user_agent,
            scheme=scheme,
            timeout=TIMEOUT_SECONDS,
            adapter_factory=URLLibAdapter,
            **kwargs,
        )
        self.geocode = RateLimiter(
            self.geocoder.geocode,
            min_delay_seconds=min_delay,
            max_retries=MAX_RETRIES,
            error_wait_seconds=min_delay * 2,
            swallow_exceptions=False,
        )
        self.cache_path = Path(cache_path or config.cache_dir() / "nominatim-cache.sqlite")
        self._lock = threading.Lock()
        with self._connect() as conn:
            conn.execute(
                "CREATE TABLE IF NOT EXISTS cache (query TEXT PRIMARY KEY, result TEXT, fetched REAL)"
            )

    def _connect(self) -> sqlite3.Connection:
        return sqlite3.connect(self.cache_path, timeout=10)

    def lookup(self, name: str) -> Toponym | None:
        """The service's best place for `name` (cached, misses included), or None."""
        query = normalize(name)
        if not query:
            return None
        with self._lock:
            with self._connect() as conn:
                row = conn.execute("SELECT result FROM cache WHERE query = ?", (query,)).fetchone()
            if row is None:
                try:
                    location = self.geocode(name, exactly_one=True, addressdetails=True)
                except GeopyError as exc:
                    reason = " ".join(str(exc).split())  # one line: geopy's messages may quote the body
                    raise GeocodingError(f"{name!r}: online geocoder failed: {reason}") from exc
                raw = location.raw if location else None
                with self._connect() as conn:
                    conn.execute(
                        "INSERT OR REPLACE INTO cache VALUES (?, ?, ?)",
                        (query, json.dumps(raw) if raw else None, time.time()),
                    )
            else:
                raw = json.loads(row[0]) if row[0] else None
        return _toponym(name, raw) if raw else None


def _toponym(name: str, raw: dict) -> Toponym:
    kind = KINDS.get(raw.get("addresstype") or raw.get("type") or "", KINDS.get(raw.get("class", ""), "site"))
    country = (raw.get("address") or {}).get("country_code", "").upper()
    return Toponym(
        0,
        len(name),
        name,
        lat=float(raw["lat"]),
        lon=float(raw["lon"]),
        country=country,
        kind=kind,
        gazetteer_id=f"nominatim:{raw.get('osm_type', '')}{raw.get('osm_id', '')}",
        score=float(raw.get("importance") or 0.5),
    )


_client: Online | None = None


def configure(**kwargs) -> Online:
    """Set up the shared client (user agent, domain, scheme, cache path); returns it."""
    global _client
    _client = Online(**kwargs)
    return _client


def lookup(name: str) -> Toponym | None:
    """Look a name up with the shared client, configured from the environment on first use."""
    return (_client or configure()).lookup(name)
