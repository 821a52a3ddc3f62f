"""The world's airports with an IATA code, for the gazetteer, from the `airportsdata` package (MIT).

'London Heathrow Airport' is also found as 'Heathrow Airport' and, looked up alone, 'Heathrow' (an alternate
name, so a town called so still comes first); 'Incheon International Airport' as 'Incheon Airport'.
"""

import re
from collections.abc import Iterator
from importlib import metadata

import airportsdata

KIND = "site"
SOURCE = "airportsdata (IATA airports)"
_OWN = re.compile(r"[A-Z][a-z’'-]{3,}(?: [A-Z][a-z’'-]+)*")  # a name of its own: 'Heathrow', 'Ben Gurion'
GENERIC = frozenset(
    ["State", "National", "County", "City", "Regional", "Municipal", "Army", "Field", "Island"]
)
_TAIL = re.compile(
    r"\s+(?:International\s+|Intl\.?\s+|Regional\s+|Municipal\s+)?(?:Airport|Airfield|Aerodrome)$"
)


def version() -> str:
    return metadata.version("airportsdata")


def rows() -> Iterator[dict]:
    """key, name, country, lat, lon, aliases (phrase-matched) and alternates (look-up only) of each airport."""
    for code, a in sorted(airportsdata.load("IATA").items()):
        name = a["name"].strip()
        core = _TAIL.sub("", name)
        if core == name:
            continue  # an air base, a heliport, a field: not what a traveller arrives at
        city = a["city"].strip()
        own = core[len(city) :].strip(" -") if city and core.startswith(city + " ") else core
        if not _OWN.fullmatch(own) or own.split()[-1] in GENERIC:
            own = core  # 'Bartica A', 'Augusta State': only the whole name says which airport
        aliases = {f"{core} Airport", f"{own} Airport", f"{own} International Airport"} - {name}
        yield {
            "key": f"ap:{code}",
            "name": name,
            "country": a["country"],
            "lat": a["lat"],
            "lon": a["lon"],
            "aliases": sorted(aliases),
            "alternates": [own] if own != city and _OWN.fullmatch(own) else [],
        }
