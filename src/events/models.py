"""Plain, frozen records that flow through the pipeline, validated at construction."""

import hashlib
import json
import re
import unicodedata
from dataclasses import asdict, dataclass, field
from datetime import date
from functools import cache

from events.config import DATA_DIR
from events.errors import InputError

GEO_PRECISIONS = ("exact", "near", "region", "country", "unknown")
DATE_PRECISIONS = ("day", "week", "month", "year", "unknown")
PLACE_KINDS = ("country", "admin1", "city", "water", "island", "border", "region", "site", "")


@cache
def ontology() -> dict[str, dict]:
    """Event types from the package's data/ontology.json, keyed by type id, in file order."""
    rows = json.loads((DATA_DIR / "ontology.json").read_text(encoding="utf-8"))["types"]
    return {row["type"]: row for row in rows}


def text_id(text: str) -> str:
    """A stable id for an article that came without one: a hash of its text."""
    return "sha1:" + hashlib.sha1(text.encode("utf-8")).hexdigest()[:16]


def content_key(text: str) -> str:
    """What makes two copies one article: a hash of its words, casefolded, without spacing or punctuation, so
    the same story as a CSV row, a JSONL line and a feed entry (curly quotes, HTML spacing) has one key."""
    words = re.findall(r"\w+", unicodedata.normalize("NFKC", text).casefold())
    return hashlib.sha1(" ".join(words).encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class Article:
    """One news article; `published` may be unknown."""

    id: str
    text: str
    title: str = ""
    url: str = ""
    published: date | None = None
    source: str = ""
    language: str = "en"
    published_from: str = ""  # where `published` came from: metadata, dateline, default, unknown
    author: str = ""
    input_format: str = ""  # the reader that made it: text, html, feed, csv, jsonl, json
    origin: str = ""  # the file it alone came from ("file:/abs/path"): an edited file replaces it

    def __post_init__(self):
        if not isinstance(self.text, str) or not self.text.strip():
            raise InputError(f"article {self.id!r}: empty text")
        if not self.id:
            object.__setattr__(self, "id", text_id(self.text))


@dataclass(frozen=True)
class Toponym:
    """A place mention in an article (character offsets into the text), resolved when lat/lon are set."""

    start: int
    end: int
    name: str
    lat: float | None = None
    lon: float | None = None
    country: str = ""  # ISO 3166-1 alpha-2
    kind: str = ""  # one of PLACE_KINDS
    admin1: str = ""
    gazetteer_id: str = ""
    score: float = 0.0
    runner_up: dict | None = None  # {"name", "lat", "lon", "country", "score"} of the next-best candidate

    def __post_init__(self):
        _check_coords(self.lat, self.lon, self.name)
        if self.kind not in PLACE_KINDS:
            raise InputError(f"toponym {self.name!r}: unknown kind {self.kind!r}")

    @property
    def resolved(self) -> bool:
        return self.lat is not None and self.lon is not None


@dataclass(frozen=True)
class Actor:
    """Who took part, as written and normalised: 'two North Korean soldiers' -> 2, KP, soldier."""

    text: str
    count: int | None = None
    affiliation: str = ""  # ISO alpha-2 country code or organisation
    role: str = ""


# The `extract` contract's keys in their order (the first 16 are the stable contract, then provenance); export
# writes its JSONL in the same order.
CONTRACT = (
    "article_id",
    "type",
    "place",
    "lat",
    "lon",
    "country",
    "geo_precision",
    "date",
    "date_start",
    "date_end",
    "date_precision",
    "actors",
    "sentence",
    "start",
    "end",
    "confidence",
    "trigger",
    "trigger_start",
    "trigger_end",
    "actors_detail",
    "location_source",
    "rule",
    "seq",
    "background",
)


@dataclass(frozen=True)
class Event:
    """One event mention: what, where, when, who, from which sentence, how sure."""

    article_id: str
    type: str
    sentence: str
    start: int  # sentence offsets in the article text
    end: int
    trigger: str = ""
    trigger_start: int | None = None  # offsets of the trigger word in the article text
    trigger_end: int | None = None
    actors: tuple[Actor, ...] = ()
    place: str = ""
    lat: float | None = None
    lon: float | None = None
    country: str = ""
    geo_precision: str = "unknown"
    location_source: str = "none"  # sentence, previous_sentence, dateline, article, none
    date: str | None = None
    date_start: str | None = None
    date_end: str | None = None
    date_precision: str = "unknown"
    confidence: float = 0.5
    rule: str = ""  # which rule or model typed it
    seq: int = 0  # order of the event in its article, for routes
    background: bool = False  # history mentioned in passing, not news of the day
    extra: dict = field(default_factory=dict)

    def __post_init__(self):
        if self.type not in ontology():
            raise InputError(f"event in {self.article_id!r}: unknown type {self.type!r}")
        if self.geo_precision not in GEO_PRECISIONS:
            raise InputError(f"event in {self.article_id!r}: unknown geo_precision {self.geo_precision!r}")
        if self.date_precision not in DATE_PRECISIONS:
            raise InputError(f"event in {self.article_id!r}: unknown date_precision {self.date_precision!r}")
        if not 0.0 <= self.confidence <= 1.0:
            raise InputError(f"event in {self.article_id!r}: confidence {self.confidence!r} not in [0, 1]")
        _check_coords(self.lat, self.lon, self.place)

    def to_contract(self) -> dict:
        """The stable `extract` JSON contract, then the provenance fields, in CONTRACT's order."""
        computed = {
            "actors": [a.text for a in self.actors],
            "actors_detail": [asdict(a) for a in self.actors],
        }
        return {k: computed[k] if k in computed else getattr(self, k) for k in CONTRACT}


def _check_coords(lat, lon, name):
    if (lat is None) != (lon is None):
        raise InputError(f"{name!r}: lat and lon must both be set or both be empty")
    if lat is not None and not (-90 <= lat <= 90 and -180 <= lon <= 180):
        raise InputError(f"{name!r}: coordinates out of range: ({lat}, {lon})")


# Types the guide scores as one family: a defection is a border crossing by someone leaving their side.
FAMILY = {"defection": "crossing", "border_crossing": "crossing"}


def family(type_id: str) -> str:
    """The type family an event type belongs to (its own type for most)."""
    return FAMILY.get(type_id, type_id)
