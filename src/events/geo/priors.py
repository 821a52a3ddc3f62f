"""What a place name means before the article is read: its candidates and their priors.

A town's log10 population is worth 1 point per tenfold; the kind of feature, how the name matched (own name,
curated alias, other alternate name), a curated border feature and a national capital add to it.
"""

import math
import re
from functools import lru_cache

from events.geo.airports import SOURCE as AIRPORTS
from events.geo.gazetteer import ALIAS, ALTERNATE, CAPITAL, DEMONYM, PRIMARY, Entry, Gazetteer, normalize

MAX_CANDIDATES = 40
KIND_PRIOR = {
    "country": 4.5,
    "admin1": 2.0,
    "admin2": 1.0,
    "region": 1.5,
    "border": 2.5,
    "site": 1.0,
    "island": 1.0,
    "water": 1.5,
    "city": 0.0,
}
MATCH_PRIOR = {ALTERNATE: -2.0, DEMONYM: 0.0}
CURATED = 2.0  # a curated border feature is what a border story means
CAPITAL_PRIOR = 2.0  # a national capital is named in the news more often than towns of its size
# an airport with an IATA code is as well known as a town of 100,000 (GeoNames gives it no population)
AIRPORT_PRIOR = 5.0
POP_WEIGHT = 1.0
UNKNOWN_POP = 1000  # GeoNames gives some towns population 0

_SUFFIXES = re.compile(r"\s+(county|parish|city|town|village|province|state|region|district|island|islands)$")


@lru_cache(maxsize=200_000)
def prior(entry: Entry) -> float:
    """How likely this entry is meant, before reading the article."""
    pop = entry.population or (UNKNOWN_POP if entry.kind == "city" else 0)
    score = (
        POP_WEIGHT * math.log10(pop + 1) + KIND_PRIOR.get(entry.kind, 0.0) + MATCH_PRIOR.get(entry.match, 0.0)
    )
    if entry.source == "curated":
        score += CURATED
    elif entry.source == CAPITAL:
        score += CAPITAL_PRIOR
    elif entry.source == AIRPORTS:
        score += AIRPORT_PRIOR
    return score


def _city_states(cands: list[Entry], priors: list[float]) -> list[float]:
    """A city that is most of its same-named region (Seoul, Busan) is meant before the region; the national
    capital (Washington) needs less local evidence to win over a region of its name than another town."""
    cities: dict[str, int] = {}  # the candidates share the name looked up: by region, its biggest such city
    capitals = set()
    for e in cands:
        if e.kind == "city" and e.match in (PRIMARY, ALIAS):
            cities[e.admin1] = max(cities.get(e.admin1, 0), e.population)
            if e.source == CAPITAL:
                capitals.add(e.country)
    out = []
    for e, p in zip(cands, priors):
        city = cities.get(e.admin1, 0) if e.kind == "admin1" else 0
        if city and city >= e.population / 2:
            p -= 3.0  # a city state is the city
        elif e.kind == "admin1" and e.country in capitals:
            p -= 1.5  # "Washington": the capital, unless the story is local to the state (Seattle, Spokane)
        out.append(p)
    return out


def _plausible(cands: tuple[Entry, ...]) -> list[Entry]:
    """A name that is a country's or a region's own name ('Chile') does not mean a town that merely lists
    it among its other alternate names (Şile, Turkey)."""
    if any(e.kind == "country" and e.match in (PRIMARY, ALIAS) for e in cands):
        return [e for e in cands if e.match != ALTERNATE]
    return list(cands)


def readings(gaz: Gazetteer, name: str) -> tuple[Entry, ...]:
    """Entries for a mention as written, then with 'the', possessives and type words dropped."""
    norm = normalize(name)
    found = gaz.lookup(norm)
    if found:
        return found
    for variant in (re.sub(r"^the ", "", norm), re.sub(r" s$", "", norm), _SUFFIXES.sub("", norm)):
        if variant and variant != norm:
            found = gaz.lookup(variant)
            if found:
                return found
    return _other_spelling(gaz, norm) or _other_spelling(gaz, _SUFFIXES.sub("", norm))  # "Yeonpyong Island"


# Letters that romanisations of one name write differently (Arabic, Persian, Pashto, Turkic, Hindi, Korean): Ruqban
# and Rukban, Naugam and Nowgam, Kunduz and Qunduz, Songnam and Seongnam (McCune-Reischauer's o-breve and the
# Revised Romanization's eo). Tried, one pair at a time, only for a name the gazetteer lacks.
SPELLINGS = (
    ("q", "k"),
    ("k", "q"),
    ("ou", "u"),
    ("u", "ou"),
    ("ow", "au"),
    ("au", "ow"),
    ("ee", "i"),
    ("o", "eo"),
)
SPELLING_MIN_LETTERS = 5  # shorter names are too easily another word


def _other_spelling(gaz: Gazetteer, norm: str) -> tuple[Entry, ...]:
    """Entries under another romanisation of a one-word name (the first pair of SPELLINGS that finds any)."""
    if " " in norm or len(norm) < SPELLING_MIN_LETTERS or not norm.isalpha():
        return ()
    variants = [v for a, b in SPELLINGS if a in norm for v in _replaced(norm, a, b)]
    found = gaz.lookup_many([v for v in variants if v != norm])
    return next((found[v] for v in variants if found.get(v)), ())


@lru_cache(maxsize=100_000)
def _ranked(gaz: Gazetteer, name: str) -> tuple[tuple[Entry, ...], tuple[float, ...]]:
    """A name's plausible candidates, most likely first, and their priors: the same in every article."""
    found = sorted(_plausible(readings(gaz, name)), key=prior, reverse=True)[:MAX_CANDIDATES]
    return tuple(found), tuple(_city_states(found, [prior(e) for e in found]))


def _replaced(norm: str, a: str, b: str) -> list[str]:
    """`norm` with every `a` written `b`, then with each one alone ('yeonpyong' -> 'yeonpyeong'); an `a` that is
    already part of a `b` ('eo' for 'o') stays."""
    inner = b.find(a)
    at = [
        i
        for i in range(len(norm))
        if norm.startswith(a, i) and not (inner >= 0 and i >= inner and norm.startswith(b, i - inner))
    ]

    def written(positions: list[int]) -> str:
        out, last = [], 0
        for i in positions:
            out += [norm[last:i], b]
            last = i + len(a)
        return "".join(out) + norm[last:]

    return [written(at)] + [written([i]) for i in at] if len(at) > 1 else [written(at)] if at else []
