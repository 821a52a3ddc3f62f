"""How a place name is normalised for look-up, how a name belongs to a gazetteer entry, and the Toponym an
entry becomes.

`normalize` folds case, accents, punctuation and common abbreviations ('St.' -> 'saint'); an `Entry` is one
row of the gazetteer with how the looked-up name matched it (its own name, a curated alias, another alternate
name, a demonym).
"""

import re
import unicodedata
from functools import lru_cache
from typing import NamedTuple

from events.models import Toponym

# How a name belongs to an entry: its own name, a curated alias, any other alternate name, a demonym.
PRIMARY, ALIAS, ALTERNATE, DEMONYM = 1, 2, 0, 3
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


def entry_toponym(entry: Entry, start: int, end: int, name: str, score: float, runner=None) -> Toponym:
    """A resolved Toponym from a gazetteer entry."""
    return Toponym(
        start,
        end,
        name,
        lat=round(entry.lat, 5),
        lon=round(entry.lon, 5),
        country=entry.country,
        kind=toponym_kind(entry),
        admin1=entry.admin1,
        gazetteer_id=entry.key,
        score=round(score, 3),
        runner_up=runner,
    )


def toponym_kind(entry: Entry) -> str:
    """The Toponym kind: a second-level region is reported as a region."""
    return "region" if entry.kind == "admin2" else entry.kind
