"""The public geo functions: geoparse, resolve, geocode, place_of, and their JSONL forms for the CLI."""

import logging
import re
from collections.abc import Iterable, Iterator
from dataclasses import replace

from events import config, jsonl
from events.errors import ConfigError, GeocodingError, InputError
from events.geo import resolver
from events.geo.gazetteer import gazetteer
from events.geo.resolver import Mention
from events.models import Toponym

GEOCODERS = ("local", "nominatim")


def _online() -> bool:
    name = (config.get("EVENTS_GEOCODER") or "local").lower()
    if name not in GEOCODERS:
        raise ConfigError(f"EVENTS_GEOCODER={name!r} is not a geocoder; use one of: {', '.join(GEOCODERS)}")
    return name == "nominatim"


def _fill_online(toponyms: list[Toponym]) -> list[Toponym]:
    """Names the gazetteer lacks, looked up online when EVENTS_GEOCODER=nominatim (opt-in)."""
    if not _online() or all(t.resolved for t in toponyms):
        return toponyms
    from events.geo import online

    out, down = [], False
    for t in toponyms:
        try:
            hit = None if t.resolved or down else online.lookup(t.name)
        except GeocodingError as exc:  # an outage must not stop the batch: the name stays unresolved
            logging.getLogger(__name__).warning("%s; not asking again for this article", exc)
            hit, down = None, True
        out.append(replace(hit, start=t.start, end=t.end, name=t.name) if hit else t)
    return out


def _resolved(text: str, mentions: list[Mention]) -> list[Toponym]:
    """Resolve mentions (spans with weights) against the gazetteer, then online if enabled."""
    return _fill_online(resolver.resolve_mentions(text, mentions, gazetteer()))


def resolve(text: str, spans: list[tuple[int, int]]) -> list[Toponym]:
    """Coordinates for given toponym spans of one text, using the whole text as context."""
    mentions = []
    for start, end in spans:
        if not (isinstance(start, int) and isinstance(end, int) and 0 <= start < end <= len(text)):
            raise InputError(f"span ({start!r}, {end!r}): not inside a text of {len(text)} characters")
        mentions.append(Mention(start, end, text[start:end]))
    from events.geo.recognize import context_mentions

    context = context_mentions(text, gazetteer(), [(m.start, m.end) for m in mentions])
    found = _resolved(text, mentions + context)
    return found[: len(mentions)]


def geoparse(parsed, demonyms: bool = False) -> list[Toponym]:
    """Recognise and resolve every place mention of a parsed article, the dateline included, in text order.
    Demonyms ('North Korean') inform the resolution but are reported only with demonyms=True; names that
    neither the gazetteer nor the (opt-in) online geocoder can place are left out."""
    from events.geo.recognize import recognize

    mentions = recognize(parsed, gazetteer())
    text = parsed.doc.text
    if parsed.dateline:
        text = text[: parsed.dateline_start] + parsed.dateline + text[parsed.dateline_end :]
        for start, end in _parts(parsed.dateline, parsed.dateline_start):
            mentions.append(
                Mention(start, end, text[start:end], weight=1.0 + resolver.W_DATELINE, dateline=True)
            )
    mentions.sort(key=lambda m: m.start)
    found = _resolved(text, mentions)
    # a name no gazetteer knows is more often a person or an organisation than a place
    return [
        t
        for t, m in zip(found, mentions)
        if t.resolved and (not m.context_only or (demonyms and m.weight < 1.0 and t.kind == "country"))
    ]


def _parts(place: str, offset: int = 0) -> list[tuple[int, int]]:
    """Offsets of the comma-separated parts of a place string: 'Seoul, South Korea' -> two spans."""
    out = []
    for part in re.finditer(r"[^,]+", place):
        inner = re.search(r"\S(?:.*\S)?", part.group())
        if inner:
            out.append((offset + part.start() + inner.start(), offset + part.start() + inner.end()))
    return out


def place_of(name: str) -> Toponym | None:
    """The place a string such as a dateline names ('Seoul, South Korea', 'EAGLE PASS, Texas'), or None."""
    spans = _parts(name.strip())
    if not spans:
        return None
    text = name.strip()
    toponyms = _resolved(text, [Mention(s, e, text[s:e]) for s, e in spans])
    best = next((t for t in toponyms if t.resolved), None)
    return replace(best, start=0, end=len(text), name=text) if best else None


def geocode(name: str, limit: int = 5) -> list[Toponym]:
    """Candidate places for a name, best first ('Paris, Texas' ranks Texan Paris first)."""
    text = name.strip()
    if not text:
        raise InputError("geocode: empty name")
    spans = _parts(text)
    if not spans:  # only punctuation (",", " , "): no name to look up
        return []
    first = text[spans[0][0] : spans[0][1]]
    gaz = gazetteer()
    cands = list(resolver.readings(gaz, first))
    if not cands:
        hit = _fill_online([Toponym(0, len(text), text)])[0]
        return [hit] if hit.resolved else []
    context = [resolver.readings(gaz, text[s:e]) for s, e in spans[1:]]
    scored = []
    for entry in cands:
        score = resolver.prior(entry)
        score += sum(resolver.W_CONTAINER for c in context if any(resolver._inside(entry, x) for x in c))
        scored.append((score, entry))
    scored.sort(key=lambda t: -t[0])
    probs = resolver._softmax([s for s, _ in scored])
    return [resolver.entry_toponym(e, 0, len(text), text, p) for p, (_, e) in zip(probs, scored[:limit])]


def entry_name(gazetteer_id: str) -> str:
    """The gazetteer's own name for an entry id ('gn:4717560' -> 'Paris'), or ''."""
    entry = gazetteer().get(gazetteer_id)
    return entry.name if entry else ""


def _row(t: Toponym) -> dict:
    return {
        "start": t.start,
        "end": t.end,
        "name": t.name,
        "lat": t.lat,
        "lon": t.lon,
        "country": t.country,
        "kind": t.kind,
        "score": t.score,
    }


def geoparse_jsonl(lines: Iterable[str]) -> Iterator[dict]:
    """`events geoparse`: {"id", "text"} lines in, {"id", "toponyms": [...]} out."""
    from events import nlp

    for _number, row in jsonl.rows(lines):
        yield {"id": row.get("id"), "toponyms": [_row(t) for t in geoparse(nlp.parse(row["text"]))]}


def resolve_jsonl(lines: Iterable[str]) -> Iterator[dict]:
    """`events resolve`: lines with toponym spans in, the same lines with coordinates filled in out."""
    for number, row in jsonl.rows(lines):
        try:
            spans = [(int(t["start"]), int(t["end"])) for t in row.get("toponyms", [])]
        except (KeyError, TypeError, ValueError) as exc:
            raise InputError(f"line {number}: each toponym needs integer start and end") from exc
        try:
            found = resolve(row["text"], spans)
        except InputError as exc:
            raise InputError(f"line {number}: {exc}") from exc
        out = dict(row)
        out["toponyms"] = [{**orig, **_row(t)} for orig, t in zip(row.get("toponyms", []), found)]
        yield out
