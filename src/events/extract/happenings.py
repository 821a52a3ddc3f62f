"""From mentions to happenings: the mentions of one happening become one event that keeps them all.

A happening is told several times (the headline, the lead, a later detail, "the clash"). A mention joins the
latest happening of its article when it has the same type family, the same side (background or news), a
compatible place (the same, within a town's reach, or unknown) and a compatible date; deaths and injuries
("four seamen were killed") join the violent happening that caused them, which keeps its type, as a missile
strike keeps its type over the explosions it caused. The guide's exceptions keep two
happenings apart: fire returned by the other side, or two places.
"""

from events.extract.mention import Mention
from events.geo.distance import km
from events.models import family

SAME_PLACE_KM = 30.0  # two mentions placed this close are one place (a town and its post, an island off it)
VIOLENT = ("gunfire", "explosion", "missile_launch")
CASUALTY_WORDS = frozenset(["kill", "die", "dead", "wound", "injure", "injured", "death", "casualty"])
RETURN_WORDS = frozenset(["return", "retaliate", "respond", "counter", "answer"])
LOOK_BACK = 3  # how many recent happenings a mention may join
# Which type a merged happening keeps: the cause names it (the shelling, not the deaths; the missile, not
# the blast).
TYPE_RANK = {"other": 0, "explosion": 1, "gunfire": 1, "missile_launch": 2}


def assemble(mentions: list[Mention], title_end: int = 0) -> list[Mention]:
    """One Mention per happening, in text order; the others of each are kept in `.others`. A headline
    (the text before `title_end`) tells the story's happening again: it joins the first the body tells."""
    happenings: list[Mention] = []
    for m in mentions:
        target = next((h for h in reversed(happenings[-LOOK_BACK:]) if _same(h, m)), None)
        if target is None:
            happenings.append(m)
            continue
        _fold(target, m)
    headlines = [h for h in happenings if h.sent.start_char < title_end]
    for h in headlines:
        body = next((b for b in happenings if b.sent.start_char >= title_end and _retold(h, b)), None)
        if body is not None:
            _fold(body, h)
            happenings.remove(h)
    return happenings


def _retold(headline: Mention, m: Mention) -> bool:
    """A headline's happening told in the body: the same kind of happening, at its place or a finer one."""
    if headline.background != m.background:
        return False
    a, b = headline.place, m.place
    coarse = a is None or not a.resolved or PRECISION_RANK[headline.geo_precision] >= PRECISION_RANK["region"]
    if not coarse and (b is None or not b.resolved or km(a.lat, a.lon, b.lat, b.lon) > SAME_PLACE_KM):
        return False
    return family(headline.type) == family(m.type) or _caused(headline, m) or _caused(m, headline)


def _same(h: Mention, m: Mention) -> bool:
    if h.background != m.background or not _same_place(h, m) or not _same_day(h, m):
        return False
    if family(h.type) == family(m.type):
        return not _returned(m) or _returned(h)  # "fired ... and returned fire": two happenings
    if h.type == "other" and _casualty(m):  # more deaths told after other deaths
        return True
    # "eight were killed when troops shelled the village": a cause told after its deaths, in the same sentence
    return _caused(h, m) or (_caused(m, h) and (not _casualty(h) or h.sent.start == m.sent.start))


def _caused(cause: Mention, effect: Mention) -> bool:
    """`effect` is what `cause` did: deaths and injuries of shelling, the blasts of a missile strike."""
    if cause.type in VIOLENT and _casualty(effect):
        return True
    return cause.type == "missile_launch" and effect.type == "explosion"


def _casualty(m: Mention) -> bool:
    return m.type == "other" and m.trig.token.lemma_.lower() in CASUALTY_WORDS


def _returned(m: Mention) -> bool:
    """'returned fire', 'retaliated', 'responded with shots': the other side's fire."""
    tok = m.trig.token
    words = {tok.lemma_.lower(), tok.head.lemma_.lower()} | {c.lemma_.lower() for c in tok.children}
    return bool(words & RETURN_WORDS) or "return" in m.trig.span.text.lower()


def _same_place(h: Mention, m: Mention) -> bool:
    a, b = h.place, m.place
    if a is None or b is None or not a.resolved or not b.resolved or m.place_source != "sentence":
        return True  # a mention that names no place of its own is told about the happening before it
    return a.name == b.name or km(a.lat, a.lon, b.lat, b.lon) <= SAME_PLACE_KM


def _same_day(h: Mention, m: Mention) -> bool:
    if h.when is None or m.when is None or m.when_source != "sentence" or h.when_source != "sentence":
        return True
    return h.when.day is None or m.when.day is None or h.when.day == m.when.day


def _fold(h: Mention, m: Mention) -> None:
    """Add `m` to happening `h`: the finer place and the own date win, a casualty keeps the violent type."""
    h.others.append(m)
    if TYPE_RANK.get(m.type, 0) > TYPE_RANK.get(h.type, 0):
        h.type = m.type
    if _finer(m, h):
        h.place, h.place_source, h.geo_precision, h.link_score = (
            m.place,
            m.place_source,
            m.geo_precision,
            m.link_score,
        )
        if "place_rule" in m.extra:
            h.extra["place_rule"] = m.extra["place_rule"]
    if h.when_source != "sentence" and m.when_source == "sentence" and _finer_date(m, h):
        h.when, h.when_source = m.when, m.when_source
    if not h.actors and m.actors:
        h.actors = m.actors


DATE_RANK = {"day": 0, "week": 1, "month": 2, "year": 3, "unknown": 4}


def _finer_date(m: Mention, h: Mention) -> bool:
    """A mention's own date beats one carried from elsewhere unless it is vaguer ('this year' after a day)."""
    if h.when is None:
        return True
    return m.when is not None and DATE_RANK.get(m.when.precision, 4) <= DATE_RANK.get(h.when.precision, 4)


PRECISION_RANK = {"exact": 0, "near": 1, "region": 2, "country": 3, "unknown": 4}


def _finer(m: Mention, h: Mention) -> bool:
    if m.place is None or not m.place.resolved:
        return False
    if h.place is None or not h.place.resolved:
        return True
    return PRECISION_RANK[m.geo_precision] < PRECISION_RANK[h.geo_precision]
