"""Choose one gazetteer entry per place mention, from the evidence of the whole article.

Each candidate gets a prior (population, kind of feature, how its name matched) and then, over a few rounds,
context: an explicit container right after the mention ("Paris, Texas"), the countries and regions the other
mentions resolve to, how near it lies to them, and the dateline. Mentions of the same name in one article
resolve together (one sense per article).
"""

import math
import re
from collections import defaultdict
from dataclasses import dataclass, field
from functools import lru_cache

from events.geo.distance import km
from events.geo.gazetteer import ALTERNATE, APPROX, CAPITAL, Entry, Gazetteer, normalize
from events.geo.names import entry_toponym, toponym_kind
from events.geo.priors import _ranked, prior, readings  # noqa: F401 (resolver.prior)
from events.models import Toponym

MAX_POINTS = 25  # the most certain other places are enough to tell where the story is
ROUNDS = 3

W_CONTAINER = 6.0  # "Paris, Texas": the candidate lies in what the writer named next to it
W_COUNTRY = 2.5  # the other mentions resolve to this country
W_ADMIN1 = 2.0  # ... to this first-level region
W_NEAR = 2.5  # ... to places near this one
NEAR_KM = 150.0
W_SIBLING = 2.0  # "New York" with "Manhattan": a place inside the world city says the city, not its state
WORLD_CITY = 1_000_000
SIBLING_KM = 30.0
W_DATELINE = 2.0  # how much more the dateline weighs than one mention
W_LOCAL = 3.0  # a region or country named within LOCAL_CHARS after the mention ("a town in Iowa")
LOCAL_CHARS = 120
LOCAL_MAX = 2  # only the first regions after it
_AFTER = re.compile(r"\s*,\s*((?:[A-Z][\w.'-]*)(?:\s+[A-Z][\w.'-]*){0,2})")
# "Albany is a town in Orleans County, Vermont", "Ota (also Otta) is a town in Ogun State": the regions named in
# the clause that defines a place hold it, as an explicit container does.
_DEFINED = re.compile(
    r"\s*(?:\([^()]{0,120}\)\s*|/[^/\n]{1,40}/\s*|,[^,.;:]{1,60},\s*){0,2}"
    r"(?:is|was)\s+(?:a|an|the|one)\b([^.;:]{0,80}?)\b(?:in|of|within)\b[^.;:]{0,160}"
)
# ... and may say it is a settlement: then a town of that name, not a county or province named like it
_SETTLEMENT = re.compile(
    r"\b(?:town|city|village|hamlet|community|locality|settlement|suburb|neighbou?rhood|"
    r"municipality|borough|capital)\b"
)
W_SETTLEMENT = 4.0
# "the province of Surin", "Surin province": the region, not its capital town of the same name
_REGION_BEFORE = re.compile(
    r"\b(?:province|state|region|prefecture|oblast|governorate)\s+of\s+$", re.IGNORECASE
)
_REGION_AFTER = re.compile(r"\s+(?:province|region|state|prefecture|oblast|governorate)\b", re.IGNORECASE)
W_REGION_WORD = 4.0
_CUT_NAME = re.compile(r"\s+(?:(?:de|del|da|do|di|of|la|le|el)\s+)?[A-Z]")  # "Santiago| del Estero"
_COMMA = re.compile(r"\s*,\s*")
# "Ban Tuan in Si Sa Ket province": the region a place is said to be in
_IN_REGION = re.compile(r"\s+in\s+(?:the\s+)?")
_NAME_GOES_ON = re.compile(r"[ -][A-Z]")  # "in North-Western Sydney": the region is only part of the name
# "the South Texas city of Fronton", "the Kenyan border town of Mandera": the region named before the kind
_KIND_OF = re.compile(
    r"((?:[A-Z][\w’'-]*\s+){1,3})(?:(?!(?:in|the|of|at|near|a)\s)[a-z-]+\s+){0,2}"
    r"(?:town|city|village|port|hamlet)\s+of\s+$"
)


@dataclass
class Mention:
    """A span to resolve; `weight` counts how much it says about the article's geography."""

    start: int
    end: int
    name: str
    weight: float = 1.0
    context_only: bool = False  # evidence for the others (a demonym), not a place to report
    dateline: bool = False  # where the reporter is: no vote on which sense a world name has


@dataclass
class _Group:
    norm: str  # normalised name | normalised explicit container
    name: str = ""  # normalised name
    mentions: list = field(default_factory=list)
    cands: list = field(default_factory=list)  # Entry
    prior: list = field(default_factory=list)  # float
    scores: list = field(default_factory=list)
    containers: list = field(default_factory=list)  # candidate lists of explicit containers
    said_in: list = field(default_factory=list)  # ... of 'X in Y', 'the Y city of X': no namesake abroad
    holders: list = field(default_factory=list)  # groups of the regions in the clause that defines it
    settlement: bool = False  # that clause says it is a town, village, ...
    region_word: bool = False  # "the province of X", "X province": a region, not its town
    contained: list = field(default_factory=list)  # candidate lists of what it explicitly contains
    local: list = field(default_factory=list)  # candidate lists of regions named right after it
    best: int = -1
    prob: float = 0.0
    probs: list = field(default_factory=list)
    static: list | None = None
    runner: dict | None = None  # the runner-up reported with each of its mentions
    weight: float = 0.0  # of its mentions together
    famous: bool = False  # a national capital is among its readings: the dateline's votes do not count
    twin: int = -1  # the world city of a region of its name ("New York"): the index of the city


def _inside(entry: Entry, container: Entry) -> bool:
    if container.kind == "country":
        return entry.country == container.country and entry.kind != "country"
    if container.kind == "admin1":
        return entry.admin1 == container.admin1 and entry.kind != "admin1"
    if container.admin2:  # a county, province or department: the towns GeoNames puts in it
        return entry.admin2 == container.admin2 and entry.key != container.key
    return False


def _is_container(entry: Entry) -> bool:
    """Countries, first- and second-level regions can be named as what holds a place."""
    return entry.kind in ("admin1", "country") or (entry.kind in ("admin2", "region") and bool(entry.admin2))


def _softmax(scores: list[float]) -> list[float]:
    top = max(scores)
    exps = [math.exp(s - top) for s in scores]
    total = sum(exps)
    return [e / total for e in exps]


def _container(text: str, mention: Mention, by_start: dict, gaz: Gazetteer) -> tuple[str, list]:
    """What follows a mention after a comma, if it names a region or country: 'Eagle Pass, Texas',
    'Paju, Gyeonggi Province'. Returns its normalised name and its candidates, or ('', [])."""
    nxt = by_start.get(_gap_end(text, mention.end))
    if nxt is not None:
        found = [e for e in readings(gaz, nxt.name) if _is_container(e)]
        return (normalize(nxt.name), found) if found else ("", [])
    match = _AFTER.match(text, mention.end)
    if not match:
        return "", []
    words = match.group(1).split()
    for n in range(len(words), 0, -1):  # longest capitalised run that names a region or country
        name = " ".join(words[:n])
        found = [e for e in readings(gaz, name) if _is_container(e)]
        if found:
            return normalize(name), found
    return "", []


def resolve_mentions(text: str, mentions: list[Mention], gaz: Gazetteer) -> list[Toponym]:
    """Resolve every mention of one article; returns one Toponym per mention, in the input order."""
    # "Toledo, Ohio" and a bare "Toledo" may be different places: the explicit container is part of the key
    by_start = {m.start: m for m in mentions}
    gaz.lookup_many({normalize(m.name) for m in mentions})  # one query for the article's names
    groups: dict[str, _Group] = {}
    of_mention = []
    for m in mentions:
        container_name, container = _container(text, m, by_start, gaz)
        key = normalize(m.name) + "|" + container_name
        group = groups.get(key)
        if group is None:
            group = groups[key] = _Group(key, normalize(m.name))
            found, priors = _ranked(gaz, m.name)
            group.cands, group.prior = list(found), list(priors)
            if container:
                group.containers.append(container)
            named_before = _region_before(text, m, gaz)
            if named_before:
                group.said_in.append(named_before)
        group.mentions.append(m)
        group.weight += m.weight
        before = _REGION_BEFORE.search(text, max(0, m.start - 20), m.start)
        if (before and not _CUT_NAME.match(text, m.end)) or _REGION_AFTER.match(text, m.end):
            group.region_word = True
        of_mention.append(group)
    _local_regions(text, mentions, of_mention)
    for g in groups.values():
        if len(g.mentions) > 1:
            g.said_in = []  # "Truro ... named after Truro in Cornwall": one telling does not speak for all
        g.containers += [[e for e in found if _is_container(e)] for found in g.said_in]
    group_at = {m.start: g for m, g in zip(mentions, of_mention)}
    for m, group in zip(mentions, of_mention):
        nxt = by_start.get(_gap_end(text, m.end))
        if group.containers and nxt is not None and group.cands:
            group_at[nxt.start].contained.append(group.cands)
        elif group.containers and nxt is not None and not m.context_only:
            group.holders.append(group_at[nxt.start])  # "Cellardyke, Fife": no Cellardyke, but Fife
    live = [g for g in groups.values() if g.cands]
    for g in live:
        g.scores = list(g.prior)
        g.famous = any(e.source == CAPITAL for e in g.cands)
        g.twin = _twin(g.cands)
        _choose(g)
    ambiguous = [g for g in live if len(g.cands) > 1]  # a single candidate needs no rescoring
    datelines = {normalize(m.name) for m in mentions if m.dateline}
    for _ in range(ROUNDS if ambiguous else 0):
        evidence = _evidence(live)
        for g in ambiguous:
            _rescore(g, evidence, datelines)
        for g in ambiguous:
            _choose(g)
    _place_approximate(live)
    for g in live:
        _drop_if_abroad(g)
    for g in groups.values():
        _fall_back_to_holder(g)
    return [_toponym(m, g) for m, g in zip(mentions, of_mention)]


def _region_before(text: str, m: Mention, gaz: Gazetteer) -> list[Entry]:
    """The regions of 'the South Texas city of' right before a mention (the longest name that is one)."""
    match = _KIND_OF.search(text, max(0, m.start - 80), m.start)
    if not match:
        return []
    words = match.group(1).split()
    for i in range(len(words)):  # "South Texas", then "Texas"
        found = [e for e in readings(gaz, " ".join(words[i:])) if _is_container(e)]
        if found:
            return found
    return []


def _drop_if_abroad(g: _Group) -> None:
    """A place the text puts in a region ('Fronton' after 'the South Texas city of', 'Ban Tuan in Si Sa Ket
    province') is not a namesake in another country: with no candidate in that country, it stays unresolved."""
    if not g.said_in or g.cands[g.best].kind not in ("city", "site", "island", "admin2"):
        return
    countries = {c.country for regions in g.said_in for c in regions}
    holders = [c for regions in g.said_in for c in regions if _is_container(c)]
    kept = [
        i
        for i, e in enumerate(g.cands)
        if e.country in countries and (e.match != ALTERNATE or any(_inside(e, c) for c in holders))
    ]  # "Ban Tuan in Si Sa Ket province" is not Phanom Thuan, a town of another province
    if not kept:
        g.cands, g.scores, g.prior, g.probs, g.best, g.prob = [], [], [], [], -1, 0.0
    elif g.best not in kept:
        g.best = max(kept, key=lambda i: g.scores[i])


def _fall_back_to_holder(g: _Group) -> None:
    """'Albany is a town in Orleans County, Vermont' with no Albany in that county in the gazetteer: the
    county's point is a better answer than another state's Albany, or than none."""
    holders = []
    for h in g.holders:
        regions = [(score, e) for score, e in zip(h.scores, h.cands) if _is_container(e)]
        if h.cands and h.best == h.twin:  # "a neighbourhood of the city of Rio de Janeiro": in the city
            holders.append(h.cands[h.best])
        elif h.cands and (_is_container(h.cands[h.best]) or not g.cands and regions):
            # a name the gazetteer lacks, "in Fife": the county, even where a bare "Fife" is its town
            best = h.cands[h.best]
            holders.append(best if _is_container(best) else max(regions, key=lambda t: t[0])[1])
    holders = [e for e in holders if e.kind != "country" and e.source != APPROX]
    if not holders:
        return
    finest = min(holders, key=lambda e: 0 if e.admin2 else 1)
    if not g.cands:
        g.cands, g.scores, g.best, g.prob = [finest], [0.0], 0, 0.25
        return
    best = g.cands[g.best]
    # GeoNames' county codes have changed over time (Connecticut's counties are now planning regions):
    # a candidate in the same state close to the county is taken to be in it
    close = best.admin1 == finest.admin1 and km(best.lat, best.lon, finest.lat, finest.lon) < NEAR_KM / 3
    if (
        best.kind not in ("country", "admin1", "water")
        and best.key != finest.key
        and not _inside(best, finest)
        and not close
    ):
        g.cands = [finest]  # reported at the region's point, with the region's kind
        g.scores, g.best, g.prob = [0.0], 0, g.prob * 0.5


def _place_approximate(groups: list[_Group]) -> None:
    """A county known only by its state sits at the article's most certain town in that state."""
    for g in groups:
        best = g.cands[g.best]
        if best.source != APPROX:
            continue
        towns = [
            o.cands[o.best]
            for o in groups
            if o.cands[o.best].admin1 == best.admin1 and o.cands[o.best].kind == "city"
        ]
        if towns:
            town = max(towns, key=lambda e: e.population)
            g.cands[g.best] = best._replace(lat=town.lat, lon=town.lon)


def _local_regions(text: str, mentions: list[Mention], of_mention: list[_Group]) -> None:
    """Regions and countries named just after a mention ('Aberdeen is a town in New South Wales'); those in
    the clause that defines it ('X is a village in ...') count as explicit containers."""
    ordered = sorted(zip(mentions, of_mention), key=lambda t: t[0].start)
    for i, (m, g) in enumerate(ordered):
        if m.context_only:
            continue
        defined = _DEFINED.match(text, m.end)
        clause_end = defined.end() if defined and not g.containers else -1
        if clause_end > 0 and _SETTLEMENT.search(defined.group(1)):
            g.settlement = True
        seen = {g.name}
        for other, og in ordered[i + 1 :]:
            if other.start - m.end > LOCAL_CHARS and other.start >= clause_end:
                break
            name = og.name
            if name not in seen:
                seen.add(name)
                regions = [e for e in og.cands if _is_container(e)]
                said_in = _IN_REGION.fullmatch(text, m.end, other.start) and not _NAME_GOES_ON.match(
                    text, other.end
                )
                if regions and len(seen) == 2 and said_in:
                    g.said_in.append(og.cands)  # every reading: "in North-Western Sydney" is in Australia
                elif regions and other.start < clause_end:
                    g.containers.append(regions)
                    g.holders.append(og)
                elif regions:
                    g.local.append(regions)


def _gap_end(text: str, end: int) -> int:
    """Where the next mention would start if only ', ' separates it from this one."""
    match = _COMMA.match(text, end)
    return match.end() if match else -1


def _choose(g: _Group) -> None:
    g.probs = probs = _softmax(g.scores)
    g.prob = max(probs)
    g.best = probs.index(g.prob)  # the first of equal scores


def _evidence(groups: list[_Group]) -> tuple:
    """Per name: the country and region votes and the points its current choice gives the others; and
    their totals over all names (points heaviest first), so each group subtracts only its own."""
    by_name: dict[str, tuple] = {}
    for other in groups:
        name = other.name
        votes = by_name.get(name)
        if votes is None:
            votes = by_name[name] = (defaultdict(float), defaultdict(float), [])
        countries, admins, points = votes
        best = other.cands[other.best]
        weight = min(other.weight, 3.0)
        # soft votes: 'Henry County' (ten states, all in the US) says US even before saying which state
        for entry, p in zip(other.cands, other.probs):
            if p > 0.01:
                countries[entry.country] += weight * p
                if entry.admin1:
                    admins[entry.admin1] += weight * p
        w = other.prob * weight
        if (
            best.kind not in ("country", "region", "admin2") or best.source == "curated"
        ) and best.source != APPROX:
            log_w = math.log(min(w, 1.0)) if w > 0 else -math.inf  # what nearness uses (see _nearness)
            points.append((best.lat, best.lon, w, best.country, name, log_w))
    countries, admins = defaultdict(float), defaultdict(float)
    for c, a, _p in by_name.values():
        for key, w in c.items():
            countries[key] += w
        for key, w in a.items():
            admins[key] += w
    points = sorted((p for _c, _a, ps in by_name.values() for p in ps), key=lambda t: -t[2])
    return by_name, countries, admins, points


def _twin(cands: list[Entry]) -> int:
    """The index of a city of a million or more whose first-level region has its name ('New York'), or -1."""
    regions = {e.admin1 for e in cands if e.kind == "admin1"}
    return next(
        (
            i
            for i, e in enumerate(cands)
            if e.kind == "city" and e.admin1 in regions and e.population >= WORLD_CITY
        ),
        -1,
    )


def _dateline_votes(g: _Group, by_name: dict, datelines: set) -> tuple[dict, dict, list] | None:
    """The votes to leave out, as well as its own name's, for a candidate far from the dateline where a national
    capital is among a name's readings: a London dateline says where the reporter is, not which Washington is
    meant (a Sunderland dateline still says Washington, Tyne and Wear). None when there are none to leave out."""
    names = [n for n in datelines if n != g.name and n in by_name] if g.famous else []
    if not names:
        return None
    own_c, own_a, _p = by_name.get(g.name, ({}, {}, []))
    out_c, out_a, points = defaultdict(float, own_c), defaultdict(float, own_a), []
    for name in names:
        countries, admins, found = by_name[name]
        for key, w in countries.items():
            out_c[key] += w
        for key, w in admins.items():
            out_a[key] += w
        points += found
    return out_c, out_a, points


def _near(entry: Entry, points: list[tuple]) -> bool:
    """A place within a short drive of the dateline (a third of NEAR_KM)."""
    return any(km(p[0], p[1], entry.lat, entry.lon) < NEAR_KM / 3 for p in points)


def _rescore(g: _Group, evidence: tuple, datelines: set) -> None:
    # a namesake elsewhere in the text is no evidence for this one: leave out every group of the same name
    by_name, all_countries, all_admins, all_points = evidence
    own = g.name
    own_votes = by_name.get(own, ({}, {}, []))[:2]
    far = _dateline_votes(g, by_name, datelines)
    points = [p for p in all_points if p[4] != own][:MAX_POINTS]
    if g.static is None:
        g.static = [_static(g, entry) for entry in g.cands]
    scores = []
    admins = None
    country_votes, admin_votes, saturate = all_countries.get, all_admins.get, _saturate
    for entry, base, static in zip(g.cands, g.prior, g.static):
        s = base + static
        # the votes of the other names: the total less this name's own, looked up per candidate
        country, admin1 = entry.country, entry.admin1
        own_c, own_a = own_votes if far is None or _near(entry, far[2]) else far[:2]
        if country:
            w = country_votes(country)
            s += W_COUNTRY * saturate(0.0 if w is None else w - own_c.get(country, 0.0))
        if admin1:
            w = admin_votes(admin1)
            s += W_ADMIN1 * saturate(0.0 if w is None else w - own_a.get(admin1, 0.0))
        if entry.kind == "country":
            if admins is None:
                admins = {k: w - own_a.get(k, 0.0) for k, w in all_admins.items()}
            # a country holds the regions and towns voted for inside it, as a town is near them
            s += W_ADMIN1 * _saturate(
                sum(w for a1, w in admins.items() if a1.startswith(entry.country + "."))
            )
            s += W_NEAR * min(sum(p[2] for p in points if p[3] == entry.country), 1.0)
        scores.append(s)
    if points:
        # nearness can add at most W_NEAR: a candidate that far behind stays negligible (p < e^-8) without it
        floor = max(scores) - W_NEAR - 8.0
        for i, entry in enumerate(g.cands):
            if scores[i] > floor and entry.kind != "country" and entry.source != APPROX:
                scores[i] += W_NEAR * min(_nearness(entry, points), 1.0)
        if g.twin >= 0:
            city = g.cands[g.twin]
            # another name of the city itself ("New York City") is no evidence: the writer told them apart
            inside = [p[2] for p in points if 1.0 < km(p[0], p[1], city.lat, city.lon) < SIBLING_KM]
            scores[g.twin] += W_SIBLING * min(sum(inside), 1.0)
    g.scores = scores


def _nearness(entry: Entry, points: list[tuple]) -> float:
    """The strongest min(w, 1) * exp(-km / NEAR_KM) over points sorted by weight, heaviest first.

    The weight is capped before distance counts: a name written three times must not make a town 140 km away
    as near as one 30 km away (Kaesong across the border from Paju, not Koesan in the dateline's country).
    Compared as logs, so exp runs once per candidate, not once per point."""
    best = -math.inf
    lat0, lon0 = entry.lat, entry.lon
    scale = math.cos(math.radians(lat0))
    per_degree = 111.2 / NEAR_KM
    hypot = math.hypot
    for lat, lon, _w, _cc, _name, log_w in points:
        if log_w <= best:  # no lighter point can beat it
            break
        value = log_w - per_degree * hypot(lat - lat0, (lon - lon0) * scale)
        if value > best:  # noqa: PLR1730 (a comparison is cheaper than a max() call in this hot loop)
            best = value
    return math.exp(best)


@lru_cache(maxsize=4096)
def _saturate(weight: float) -> float:
    """More mentions are more evidence, with diminishing returns."""
    return min(math.log1p(weight) / math.log(2), 2.0)


def _static(g: _Group, entry: Entry) -> float:
    """Evidence that does not change between rounds: containers and regions named right after."""
    s = W_SETTLEMENT if g.settlement and entry.kind == "city" else 0.0
    if g.region_word and entry.kind in ("admin1", "admin2"):
        s += W_REGION_WORD
    if not (g.containers or g.local or g.contained):
        return s
    for container in g.containers:
        if any(_inside(entry, c) for c in container):
            s += W_CONTAINER
    for regions in g.local[:LOCAL_MAX]:
        if any(_inside(entry, c) for c in regions):
            s += W_LOCAL
    for inner in g.contained:
        if any(_inside(c, entry) for c in inner):
            s += W_CONTAINER / 2
    return s


def _toponym(m: Mention, g: _Group) -> Toponym:
    if not g.cands:
        return Toponym(m.start, m.end, m.name)
    if len(g.cands) > 1 and g.runner is None:  # once per name, however often it is mentioned
        probs = g.probs  # the softmax of the final scores (_choose)
        second = max((i for i in range(len(probs)) if i != g.best), key=probs.__getitem__)
        e = g.cands[second]
        g.runner = {
            "name": e.name,
            "lat": e.lat,
            "lon": e.lon,
            "country": e.country,
            "kind": toponym_kind(e),
            "score": round(probs[second], 3),
        }
    runner = dict(g.runner) if len(g.cands) > 1 else None
    return entry_toponym(g.cands[g.best], m.start, m.end, m.name, g.prob, runner)
