"""Find place mentions in a parsed article: spaCy's place entities plus gazetteer phrases spaCy misses."""

import re
from functools import lru_cache
from itertools import chain, pairwise

from events.geo.gazetteer import ALIAS, DEMONYM, PRIMARY, Gazetteer, normalize
from events.geo.resolver import Mention, readings

PLACE_LABELS = {"GPE", "LOC", "FAC"}
# Kinds whose every name is worth matching as a phrase (towns are left to spaCy: 235k names, too noisy).
STRONG_KINDS = ("country", "border", "site")
PHRASE_KINDS = ("country", "admin1", "border", "site", "island", "water", "region")
# Names that are also everyday words: "the North", "the South", "Central" (Cameroon has regions so named).
GENERIC = {
    "north",
    "south",
    "east",
    "west",
    "central",
    "northern",
    "southern",
    "eastern",
    "western",
    "centre",
    "center",
    "upper",
    "lower",
    "coast",
    "capital",
    "city",
    "island",
    "islands",
    "region",
    "interior",
    "midlands",
    "mainland",
    "border",
    "littoral",
    "plateau",
    "lakes",
    "north east",
    "north west",
    "south east",
    "south west",
    "far north",
    "highlands",
    "valley",
    "delta",
    "river",
    "sea",
    "ocean",
}
# "the border town of Kaesong", "the city of Goseong": a named place whatever spaCy tagged it.
_TOWN_OF = re.compile(
    r"\b(?:town|city|village|port|county|province|island|district|hamlet|region)s?\s+of\s+"
    r"((?:[A-Z][\w'’-]+)(?:\s+[A-Z][\w'’-]+){0,2})"
)
# "the Salla checkpoint", "the Chaman border crossing": a post named after its town
_POST_OF = re.compile(
    r"\bthe\s+((?:[A-Z][\w'’-]+)(?:\s+[A-Z][\w'’-]+)?)\s+(?:border\s+)?"
    r"(?:checkpoint|check-post|crossing|crossing point|border point|port of entry|border post|border station)\b"
)
INSTITUTIONS = {
    "Police",
    "Department",
    "Council",
    "School",
    "Schools",
    "Board",
    "Fire",
    "Hospital",
    "Library",
    "Township",
    "Sheriff",
    "Chamber",
    "Commission",
    "Court",
    "Airport",
    "Mayor",
    "Municipal",
    "Authority",
    "Zoo",
    "Park",
    "Parks",
    "Utilities",
    "Housing",
    "Rescue",
}
LOCATIVE = {
    "in",
    "near",
    "at",
    "from",
    "to",
    "through",
    "across",
    "into",
    "outside",
    "around",
    "toward",
    "towards",
    "via",
    "inside",
    "between",
}
ARTICLE = re.compile(r"^(?:Al|El|Ad|Ar|As|An|Ash|At|Az)-(?=[A-Z])", re.IGNORECASE)  # "al-Tanf"
_LEADING = re.compile(r"^(?:the|The|THE)\s+")
_POSSESSIVE = re.compile(r"(?:'s|’s|'|’)$")


@lru_cache(maxsize=4)
def _matcher(gaz: Gazetteer):
    """A case-sensitive spaCy PhraseMatcher over curated, country, region and water names (built once).
    STRONG: countries, curated features and names of several words; WEAK: one-word regions and waters
    ("Van", "Rivers", "Don"), which are also people's names and words."""
    # spaCy is imported here, not at the top: `geo.resolve` (spans given) never needs it, and importing it
    # costs 0.7 s of a process's first resolve
    from spacy.matcher import PhraseMatcher

    from events import nlp as _nlp

    nlp = _nlp.load()
    matcher = PhraseMatcher(nlp.vocab, attr="ORTH")
    strong, weak = set(), set()
    for name, kind in gaz.names_of(PHRASE_KINDS):
        if not (len(name) > 2 or name.isupper()) or not (name[:1].isupper() or name[:1].isdigit()):
            continue
        if normalize(name) in GENERIC or re.fullmatch(r"[A-Z]{2}", name):
            continue
        one_word = len(name.split()) == 1 and not name.isupper() and not ARTICLE.match(name)
        names = [name, ARTICLE.sub(lambda m: m.group().lower(), name)]  # "Al-Fashqa", "al-Fashqa"
        (weak if one_word and kind not in STRONG_KINDS else strong).update(names)
    matcher.add("STRONG", [nlp.make_doc(n) for n in sorted(strong)])
    matcher.add("WEAK", [nlp.make_doc(n) for n in sorted(weak - strong)])
    return matcher


def _is_demonym(gaz: Gazetteer, text: str) -> bool:
    found = readings(gaz, text)
    return bool(found) and all(e.match == DEMONYM for e in found)


def recognize(parsed, gaz: Gazetteer) -> list[Mention]:
    """Place mentions of a parsed article (dateline excluded: it is blanked in the doc)."""
    doc = parsed.doc
    spans = []
    for ent in doc.ents:
        if ent.label_ in PLACE_LABELS or ent.label_ == "NORP":  # NORP: demonyms, kept as evidence
            spans.append((ent.start_char, ent.end_char, ent.label_))
        elif (
            ent.label_ in ("ORG", "PERSON", "NORP")
            and ent.start > 0
            and doc[ent.start - 1].lower_ in LOCATIVE
        ):
            # "through Amritsar" tagged ORG: a place when a town of that very name exists
            spans.append((ent.start_char, ent.end_char, "TOWN"))
        elif ent.label_ == "ORG" and len(ent) > 1 and any(t.text in INSTITUTIONS for t in ent[1:]):
            # "Watertown Police Department", "Greer City Council": the town the body belongs to
            for n in range(min(3, len(ent) - 1), 0, -1):
                head = ent[:n]
                if head[-1].text not in INSTITUTIONS and _town(gaz, head.text, 5_000):
                    spans.append((head.start_char, head.end_char, "TOWN"))
                    break
        elif (
            ent.label_ in ("ORG", "PERSON")
            and len(ent) == 1
            and ent[0].dep_ in ("compound", "nmod", "amod")
            and ent[0].head.pos_ == "NOUN"
            and _town(gaz, ent.text, 50_000)
        ):
            # "Alexandria police" tagged PERSON: a town's name used as a modifier
            spans.append((ent.start_char, ent.end_char, "TOWN"))
    weak = doc.vocab.strings["WEAK"]
    for match_id, start, end in _matcher(gaz)(doc):
        span = doc[start:end]
        if match_id == weak and (
            span[0].ent_type_ == "PERSON"
            or not (
                (start > 0 and doc[start - 1].lower_ in LOCATIVE | {"the"} and span[0].ent_type_ != "ORG")
                or _big_region(gaz, span.text)
            )
        ):
            continue  # "Van", "Rivers": a region's name only after "in", "the"...; "Texas" anywhere
        if match_id == weak and end < len(doc) and _name_goes_on(doc[end]):
            continue  # "the Don Tuan temple": the first word of a longer name, not the river Don
        spans.append((span.start_char, span.end_char, "GAZ"))
    for match in chain(_TOWN_OF.finditer(doc.text), _POST_OF.finditer(doc.text)):
        spans.append((match.start(1), match.end(1), "TOWN"))
    spans += _coordinated(doc, spans, gaz)
    mentions = []
    taken: list[tuple[int, int]] = []
    # longest first, so "Korean Demilitarized Zone" beats "Demilitarized Zone" and "Korean"
    for start, end, label in sorted(spans, key=lambda s: (-(s[1] - s[0]), s[0])):
        for s, e in _split(doc.text, start, end):
            if any(s < te and ts < e for ts, te in taken):
                continue
            text = doc.text[s:e]
            if (
                not (text[:1].isupper() or text[:1].isdigit() or ARTICLE.match(text))
                or normalize(text) in GENERIC
            ):
                continue
            if _is_demonym(gaz, text) or (_adjective(doc, s, e) and not _named(gaz, text)):
                # "North Korean soldiers" says which country the story is about, but names no place
                taken.append((s, e))
                mentions.append(Mention(s, e, text, weight=0.5, context_only=True))
                continue
            if label == "NORP":
                continue  # a group of people that is not a demonym: "Democrats", "Muslims"
            if label == "FAC" and not readings(gaz, text):
                continue  # buildings and roads the gazetteer cannot place
            if label == "TOWN" and not _named(gaz, text):
                continue
            taken.append((s, e))
            mentions.append(Mention(s, e, text))
    # a one-word name spaCy also tags as (part of) a person elsewhere is a surname: "Sheriff Strickland"
    people = {_surname(ent) for ent in doc.ents if ent.label_ == "PERSON" and len(ent) > 1}
    # a group's name ("Democrats") is not a place, unless spaCy tags it a place elsewhere ("Chaman")
    placed = {ent.text for ent in doc.ents if ent.label_ in PLACE_LABELS}
    people |= {ent.text for ent in doc.ents if ent.label_ == "NORP" and ent.text not in placed}
    mentions = [m for m in mentions if m.context_only or m.name not in people or _strong(gaz, m.name)]
    taken = [(m.start, m.end) for m in mentions]
    mentions += _repeats(
        doc.text, [m for m in mentions if m.name not in people and _named(gaz, m.name)], taken
    )
    return sorted(mentions, key=lambda m: m.start)


def _name_goes_on(tok) -> bool:
    return tok.pos_ == "PROPN" and tok.is_title and normalize(tok.text) not in GENERIC


def _coordinated(doc, spans: list[tuple[int, int, str]], gaz: Gazetteer) -> list[tuple[int, int, str]]:
    """Names listed with a place ('Goris, Sotk and Jermuk') or owned by one ("Spain's Melilla") are places
    when a town or region of that very name exists, whatever spaCy tagged them."""
    found = []
    for start, end, label in spans:
        span = doc.char_span(start, end, alignment_mode="expand")
        if label == "NORP" or span is None or not len(span):
            continue
        near = list(span.root.conjuncts)
        if span.end + 1 < len(doc) and doc[span.end].tag_ == "POS":  # "Spain's Melilla"
            near.append(doc[span.end + 1])
        for tok in near:
            if tok.pos_ != "PROPN" or span.start <= tok.i < span.end:
                continue
            first = min([c.i for c in tok.lefts if c.dep_ == "compound"] + [tok.i])
            name = doc[first : tok.i + 1]  # "San Luis", "Spin Boldak"
            if _named(gaz, name.text):
                found.append((name.start_char, name.end_char, "TOWN"))
    return found


def _surname(person) -> str:
    """'Tyrise M. Bell' -> 'Bell'; 'George Bush Jr' -> 'Bush'."""
    last = person[-1].text.rstrip(".")
    return person[-2].text if last in ("Jr", "Sr", "II", "III", "IV") else person[-1].text


def _town(gaz: Gazetteer, text: str, population: int) -> bool:
    """The own name of a town of at least this population."""
    return any(
        e.kind == "city" and e.match == PRIMARY and e.population >= population for e in readings(gaz, text)
    )


def _big_region(gaz: Gazetteer, text: str) -> bool:
    """'Punjab', 'Queensland': the own name of a populous first-level region."""
    return any(
        e.kind == "admin1" and e.match == PRIMARY and e.population >= 2_000_000 for e in readings(gaz, text)
    )


def _strong(gaz: Gazetteer, text: str) -> bool:
    """A country, region or curated border feature is a place even where spaCy sees a person or a group."""
    return any(
        (e.kind in STRONG_KINDS or e.kind == "admin1") and e.match in (PRIMARY, ALIAS)
        for e in readings(gaz, text)
    )


def _repeats(text: str, mentions: list[Mention], taken: list[tuple[int, int]]) -> list[Mention]:
    """A name recognised once is a place wherever else the article writes it (spaCy tags each
    occurrence on its own: 'Mansfield' may be GPE in one sentence and ORG in the next)."""
    found = []
    for name in {m.name for m in mentions if not m.context_only}:
        for match in re.finditer(rf"(?<![\w-]){re.escape(name)}(?![\w-])", text):
            s, e = match.span()
            if not any(s < te and ts < e for ts, te in taken):
                taken.append((s, e))
                found.append(Mention(s, e, name))
    return found


def _split(text: str, start: int, end: int) -> list[tuple[int, int]]:
    """Trim 'the' and possessives; split 'Eagle Pass, Texas' into its parts."""
    out = []
    for part in re.finditer(r"[^,]+", text[start:end]):
        s, e = start + part.start(), start + part.end()
        chunk = text[s:e]
        lead = len(chunk) - len(chunk.lstrip())
        s += lead
        chunk = chunk.strip()
        e = s + len(chunk)
        the = _LEADING.match(chunk)
        if the:
            s += the.end()
        poss = _POSSESSIVE.search(text[s:e])
        if poss and e - s > poss.end() - poss.start():
            e -= poss.end() - poss.start()
        if e > s:
            out.append((s, e))
    return out


def _named(gaz: Gazetteer, text: str) -> bool:
    """Is this the own name or a curated alias of some place ('Punjab' in 'Punjab authorities')?"""
    return any(e.match in (PRIMARY, ALIAS) for e in readings(gaz, text))


def _adjective(doc, start: int, end: int) -> bool:
    """'Korean' in 'Korean soldiers' is an adjective, not a place."""
    span = doc.char_span(start, end, alignment_mode="expand")
    return span is not None and len(span) == 1 and span[0].tag_ in ("JJ", "NNPS") and span[0].dep_ == "amod"


_GAP = re.compile(r"\s+(?:(?:of|de|and)\s+)?")
_WORD = re.compile(r"[A-Z][\w'’-]*(?:\.(?=[\s,]))?")


@lru_cache(maxsize=4)
def _phrase_names(gaz: Gazetteer) -> frozenset[str]:
    """The phrase matcher's names as written, and second-level regions, for a fast scan without tokenising."""
    return frozenset(
        n
        for n, _kind in gaz.names_of(PHRASE_KINDS + ("admin2",))
        if len(n) > 2 and n[:1].isupper() and normalize(n) not in GENERIC
    )


def context_mentions(text: str, gaz: Gazetteer, taken: list[tuple[int, int]]) -> list[Mention]:
    """Country, region and border names elsewhere in a text: evidence for resolving given spans, as
    'in Santa Barbara County, California' is for 'Santa Maria'. A regex scan: no tokenising, no tagging."""
    names = _phrase_names(gaz)
    words = list(_WORD.finditer(text))
    # joins[k]: words k and k+1 may belong to one name ("Gulf of Mexico", "New South Wales")
    joins = [bool(_GAP.fullmatch(text, a.end(), b.start())) for a, b in pairwise(words)]
    found = []
    i = 0
    while i < len(words):
        run = 1
        while run < 4 and i + run - 1 < len(joins) and joins[i + run - 1]:
            run += 1
        for n in range(run, 0, -1):  # longest run of capitalised words that is a name
            s, e = words[i].start(), words[i + n - 1].end()
            if text[s:e] not in names and text[s:e].endswith("."):
                e -= 1  # "Iowa, United States." ends a sentence
            if text[s:e] in names and not any(s < te and ts < e for ts, te in taken):
                taken.append((s, e))
                found.append(Mention(s, e, text[s:e], context_only=True))
                i += n - 1
                break
        i += 1
    return found
