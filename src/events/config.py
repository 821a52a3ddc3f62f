"""Settings as (name, default, help) rows, read from the environment."""

import os
from datetime import date
from importlib import resources
from pathlib import Path

import platformdirs

# What the program reads at run time ships inside the package (ontology, gazetteer sources, basemap).
DATA_DIR = resources.files("events") / "data"
# The date given with the seed article (data/samples/seed.txt carries none); the invented samples carry their own.
SAMPLES_PUBLISHED = date(2026, 11, 26)

SETTINGS = [
    ("EVENTS_DB", None, "Store URL or SQLite path; default: events.sqlite in the user data directory."),
    ("EVENTS_DB_WAIT", "30", "Seconds a SQLite write waits for another process's lock before giving up."),
    (
        "EVENTS_CACHE_DIR",
        None,
        "Where built files (gazetteer) are cached; default: the user cache directory.",
    ),
    ("EVENTS_GEOCODER", "local", "local (offline gazetteer) or nominatim (opt-in, online, via geopy)."),
    ("EVENTS_USER_AGENT", None, "User agent for the online geocoder and URL fetching (required online)."),
    ("EVENTS_DASK_SCHEDULER", None, "Dask scheduler address; extraction runs in-process when unset."),
    (
        "EVENTS_NO_SAMPLES",
        None,
        "Any value: the page does not ingest the bundled samples into an empty store.",
    ),
    (
        "EVENTS_TILES",
        "offline",
        "Basemap: offline (Natural Earth, bundled), osm (OpenStreetMap tiles, online), or a {z}/{x}/{y} URL.",
    ),
]


def get(name: str) -> str | None:
    """The value of a setting from the environment, or its default."""
    defaults = {row[0]: row[1] for row in SETTINGS}
    if name not in defaults:
        raise KeyError(f"unknown setting {name!r}; known: {', '.join(defaults)}")
    return os.environ.get(name) or defaults[name]


def db_url(value: str | None = None) -> str:
    """An SQLAlchemy URL from a --db value, EVENTS_DB, or the default SQLite file."""
    value = value or get("EVENTS_DB")
    if not value:
        path = Path(platformdirs.user_data_dir("border-events")) / "events.sqlite"
        path.parent.mkdir(parents=True, exist_ok=True)
        return f"sqlite:///{path}"
    if "://" in value:
        return value
    return f"sqlite:///{Path(value).expanduser().resolve()}"


def cache_dir() -> Path:
    """The folder for built, cached files; created when missing."""
    path = Path(get("EVENTS_CACHE_DIR") or platformdirs.user_cache_dir("border-events"))
    path.mkdir(parents=True, exist_ok=True)
    return path
