"""Long lines and zones (the DMZ, the Line of Actual Control, the Rio Grande) as several points, so that an
event is placed at the part of the line its article is about: the part nearest the article's places, or the
one a compass word names ('the eastern section of the MDL', 'off the east coast').

The points are in `data/line_sections.csv` (approximate, from public maps; the project's own work).
"""

import csv
from dataclasses import replace
from functools import cache
from importlib import resources

from spacy.tokens import Span

from events.geo.distance import km
from events.models import Toponym

COMPASS = {
    "east": "east",
    "eastern": "east",
    "north-east": "east",
    "northeast": "east",
    "north-eastern": "east",
    "northeastern": "east",
    "west": "west",
    "western": "west",
    "north-west": "west",
    "northwest": "west",
    "north-western": "west",
    "northwestern": "west",
    "central": "central",
    "middle": "central",
    "north": "north",
    "northern": "north",
    "south": "south",
    "southern": "south",
}


@cache
def _sections() -> dict[str, list[tuple[str, float, float]]]:
    out: dict[str, list[tuple[str, float, float]]] = {}
    path = resources.files("events") / "data" / "line_sections.csv"
    with path.open(encoding="utf-8") as f:
        for row in csv.DictReader(f):
            out.setdefault(row["line"], []).append((row["section"], float(row["lat"]), float(row["lon"])))
    return out


def _of(line: Toponym) -> list[tuple[str, float, float]]:
    return _sections().get(line.gazetteer_id.removeprefix("bf:"), [])


def _points(line: Toponym) -> list[tuple[float, float]]:
    """A line's own point and its sections' points."""
    return [(line.lat, line.lon)] + [(lat, lon) for _, lat, lon in _of(line)]


def distance_km(t: Toponym, line: Toponym, section: Toponym | None = None) -> float:
    """How far a place lies from the nearest known point of a line, or from the one section given."""
    points = [(section.lat, section.lon)] if section else _points(line)
    return min(km(t.lat, t.lon, lat, lon) for lat, lon in points)


def by_compass(line: Toponym, sent: Span) -> Toponym | None:
    """The section a compass adjective names: in the event's sentence ('the eastern side of the military
    demarcation line'), else, when the article names one part only, where it speaks of the border ('the
    defector crossed South Korea's eastern border'). Never a word of another name ('South Korea')."""
    sections = {section: (lat, lon) for section, lat, lon in _of(line) if section}
    if not sections:
        return None
    words = [w for w in map(_compass, sent) if w in sections]
    if not words:
        article = {_compass(t) for t in sent.doc if t.head.lemma_.lower() in BORDER_NOUNS}
        words = [w for w in article if w in sections] if len(article - {""}) == 1 else []
    if not words:
        return None
    lat, lon = sections[words[0]]
    return replace(line, lat=lat, lon=lon)


BORDER_NOUNS = frozenset(["border", "side", "section", "sector", "front", "coast", "frontier", "line", "end"])


def _compass(tok) -> str:
    if tok.dep_ not in ("amod", "compound", "nmod") or (tok.is_title and tok.ent_type_):
        return ""  # "4.5 miles east of San Luis" (from a place), "South Korea" (a name)
    return COMPASS.get(tok.lower_, "")


def nearest(line: Toponym, anchor: Toponym) -> Toponym:
    """The line at its point nearest another place ('the East Sea' -> the line off the east coast)."""
    lat, lon = min(_points(line), key=lambda p: km(p[0], p[1], anchor.lat, anchor.lon))
    return replace(line, lat=lat, lon=lon)
