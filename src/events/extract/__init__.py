"""Events from a parsed article: triggers -> filters -> actors, dates, places -> one Event per happening."""

from dataclasses import dataclass, field, replace
from datetime import date, timedelta

from spacy.tokens import Span

from events.extract import dates, linking, triggers
from events.extract.actors import ActorTracker
from events.models import Actor, Article, Event, Toponym
from events.nlp import Parsed

FAMILY = {"defection": "crossing", "border_crossing": "crossing"}
BACKGROUND_DAYS = 60  # a date this far before publication is history, not the news of the day
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


@dataclass
class _Draft:
    """An event being assembled (mutable until it becomes a frozen Event)."""

    trig: triggers.Trigger
    sent: Span
    sent_index: int
    actors: tuple[Actor, ...]
    when: dates.When
    when_source: str  # sentence, context (history passage), previous, lead, default
    background: bool
    place: Toponym | None = None
    place_source: str = "none"
    geo_precision: str = "unknown"
    link_score: float = 0.0
    extra: dict = field(default_factory=dict)


def family(type_id: str) -> str:
    return FAMILY.get(type_id, type_id)


def extract_events(
    article: Article, parsed: Parsed, toponyms: list[Toponym], dateline: Toponym | None
) -> list[Event]:
    """All events an article reports, in text order (seq), each located, dated and with its actors."""
    doc = parsed.doc
    pub = article.published
    if pub and not date(2, 1, 1) <= pub <= date(9998, 12, 31):
        pub = None  # year 1 or 9999: date arithmetic would overflow
    # the dateline is where the reporter sat, not where anything happened: only a fallback
    toponyms = [
        t
        for t in toponyms
        if not (t.start < parsed.dateline_end and parsed.dateline_start < t.end) or not parsed.dateline
    ]
    tracker = ActorTracker()
    drafts: list[_Draft] = []
    sents = list(doc.sents)
    text = doc.text  # Doc.text joins every token on each call
    found = triggers.find(doc)
    by_sent: dict[int, list[triggers.Trigger]] = {}
    for trig in found:
        by_sent.setdefault(triggers.sentence_of(trig.token).start, []).append(trig)
    toponyms = toponyms + _more_places(doc, found, toponyms)
    date_ents: dict[int, list] = {}
    for ent in doc.ents:
        if ent.label_ == "DATE":
            date_ents.setdefault(triggers.sentence_of(ent[0]).start, []).append(ent)
    history: dates.When | None = None  # the date of a background paragraph, carried to its next sentences
    lead: dates.When | None = None
    for si, sent in enumerate(sents):
        if si and "\n" in text[max(0, sents[si - 1].end_char - 2) : sent.start_char]:
            history = None  # a new paragraph ends a history passage
        whens = dates.in_sentence(sent, pub, date_ents.get(sent.start, []))
        past = [w for w in whens if _is_past(w, pub)] or ([] if whens else _cue_past(sent, pub))
        if past:
            history = past[0]
        elif whens:
            history = None
            lead = lead or whens[0]
        for trig in by_sent.get(sent.start, []):
            actors = tracker.actors_for(trig.token)
            if triggers.negated(trig.token):
                continue
            if triggers.hypothetical(trig.token) or triggers.general(trig.token):
                continue
            when, source = _when_for(trig, whens, history)
            background = history is not None and source in ("sentence", "context") and _is_past(when, pub)
            drafts.append(_Draft(trig, sent, si, actors, when, source, background))
    _fill_dates(drafts, lead, pub)
    _locate(drafts, toponyms, dateline, doc)
    drafts = _dedupe(drafts)
    return [_event(article, d, seq) for seq, d in enumerate(drafts)]


LOCATIVE = ("in", "at", "near", "into", "to", "across", "from", "outside", "through", "off", "along")


def _more_places(doc, found: list[triggers.Trigger], toponyms: list[Toponym]) -> list[Toponym]:
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

    found = []
    for start, end in spans:  # a plain gazetteer lookup, best candidate first (resolve() is slower)
        cands = [c for c in geo.geocode(doc.text[start:end], 1) if c.resolved]
        if cands:
            found.append(replace(cands[0], start=start, end=end, name=doc.text[start:end]))
    return found


def _is_past(when: dates.When | None, pub: date | None) -> bool:
    if when is not None and when.text == "history":
        return True
    if when is None or when.end is None or pub is None:
        return False
    return when.end < pub - timedelta(days=BACKGROUND_DAYS)


def _cue_past(sent: Span, pub: date | None) -> list[dates.When]:
    """'years ago', 'in the past' with no resolvable date: history of unknown date."""
    low = sent.text.lower()
    if any(cue in low for cue in triggers.cues()["background_words"]):
        return [dates.When(None, None, "unknown", "history")]
    return []


def _when_for(
    trig: triggers.Trigger, whens: list[dates.When], history: dates.When | None
) -> tuple[dates.When | None, str]:
    """The sentence's date nearest the trigger (one in its own clause first), else the history passage's."""
    if whens:
        subtree = {t.idx for t in trig.token.subtree}
        own = [w for w in whens if any(w.char_start <= i < w.char_end for i in subtree)]
        pool = own or whens
        return min(pool, key=lambda w: abs(w.char_start - trig.token.idx)), "sentence"
    if history is not None:
        return history, "context"
    return None, "none"


def _fill_dates(drafts: list[_Draft], lead: dates.When | None, pub: date | None) -> None:
    """Events with no date of their own take the latest earlier news date, then the article's lead date."""
    last: dates.When | None = None
    for d in drafts:
        if d.when is not None:
            if not d.background:
                last = d.when
            continue
        d.when, d.when_source = (
            (last, "previous") if last else (lead, "lead") if lead else (dates.default(pub), "default")
        )


def _locate(drafts: list[_Draft], toponyms: list[Toponym], dateline: Toponym | None, doc) -> None:
    """Place each draft: its sentence, then the same event earlier, the dateline, the article's main place."""
    border = next((t for t in toponyms if t.kind == "border" and t.resolved), None)
    main = _main_place(toponyms)
    for i, d in enumerate(drafts):
        picked = linking.pick_in_sentence(d.trig.token, toponyms, doc, d.trig.type)
        if picked:
            top, score, near = picked
            d.place, d.place_source, d.link_score = top, "sentence", score
            d.geo_precision = linking.precision_of(top, near)
            if family(d.trig.type) == "crossing" and top.kind == "country" and border and _mentions_border(d):
                d.place, d.geo_precision = border, "exact"  # "across the border into South Korea"
                d.extra["place_rule"] = "border-anaphora"
            continue
        if family(d.trig.type) == "crossing" and border and _mentions_border(d):
            d.place, d.place_source, d.geo_precision = border, "sentence", "exact"
            d.extra["place_rule"] = "border-anaphora"
            continue
        prev = _previous_same_event(drafts, i)
        if prev is not None:
            d.place, d.place_source, d.geo_precision = prev.place, "previous_sentence", prev.geo_precision
        elif dateline is not None and dateline.resolved and not d.background:
            d.place, d.place_source = dateline, "dateline"
            d.geo_precision = linking.precision_of(dateline)
        elif main is not None:
            d.place, d.place_source = main, "article"
            d.geo_precision = linking.precision_of(main)


def _mentions_border(d: _Draft) -> bool:
    """The sentence speaks of 'the border', 'the frontier', the DMZ or the MDL."""
    return any(t.lemma_.lower() in ("border", "frontier", "dmz", "mdl") for t in d.sent)


def _previous_same_event(drafts: list[_Draft], i: int) -> _Draft | None:
    """The nearest earlier located draft of the story: same family, or any for types that stay where they were.

    An arrival is by nature somewhere else than what came before, so it follows only an earlier arrival."""
    d = drafts[i]
    for prev in reversed(drafts[:i]):
        if (
            prev.place is None
            or prev.background != d.background
            or prev.place_source in ("dateline", "article")
        ):
            continue
        if family(prev.trig.type) == family(d.trig.type) or d.trig.type in CHAIN_PLACE_TYPES:
            return prev
    return None


def _main_place(toponyms: list[Toponym]) -> Toponym | None:
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


def _dedupe(drafts: list[_Draft]) -> list[_Draft]:
    """One event per type family and place per sentence; a later nominal re-mention of a known event goes."""
    kept: list[_Draft] = []
    for d in drafts:
        key_place = d.place.name if d.place else ""
        same_sentence = [
            k
            for k in kept
            if k.sent_index == d.sent_index
            and family(k.trig.type) == family(d.trig.type)
            and ((k.place.name if k.place else "") == key_place or d.trig.rule == "noun")
        ]
        if same_sentence:
            continue
        if (d.place_source != "sentence" or _anaphoric(d)) and not d.background:
            # "the soldiers' defection comes amid...", "crossed over in the early hours": the same happening again
            earlier = [k for k in kept if family(k.trig.type) == family(d.trig.type) and not k.background]
            if earlier:
                continue
        kept.append(d)
    return kept


def _anaphoric(d: _Draft) -> bool:
    """A definite nominal ('the soldiers' defection', 'this crossing') points back to an event already told."""
    tok = d.trig.token
    if d.trig.rule == "override:missile-landed":
        return True  # "the missiles landed in the sea": the launch already told
    return d.trig.rule == "noun" and any(
        c.dep_ == "poss" or (c.dep_ == "det" and c.lower_ in ("the", "this", "that", "their", "its"))
        for c in tok.children
    )


# Confidence per (rule, location source): measured on tests/fixtures (see tests/test_extract_fixtures.py).
CONFIDENCE = {
    ("verb", "sentence"): 0.9,
    ("phrase", "sentence"): 0.9,
    ("override", "sentence"): 0.9,
    ("noun", "sentence"): 0.8,
    ("verb", "previous_sentence"): 0.8,
    ("phrase", "previous_sentence"): 0.8,
    ("noun", "previous_sentence"): 0.7,
    ("verb", "dateline"): 0.7,
    ("phrase", "dateline"): 0.7,
    ("noun", "dateline"): 0.6,
    ("verb", "article"): 0.55,
    ("phrase", "article"): 0.55,
    ("noun", "article"): 0.45,
}


def _visible(sent: Span) -> Span:
    """The sentence without the blanked dateline and line breaks around it, so text[start:end] == sentence."""
    start, end = sent.start, sent.end
    while start < end - 1 and sent.doc[start].is_space:
        start += 1
    while end > start + 1 and sent.doc[end - 1].is_space:
        end -= 1
    return sent.doc[start:end]


def _event(article: Article, d: _Draft, seq: int) -> Event:
    rule = d.trig.rule.split(":")[0]
    confidence = CONFIDENCE.get((rule, d.place_source), 0.3)
    if d.when_source == "default":
        confidence -= 0.05
    if d.place_source == "sentence" and d.link_score < 0:
        confidence -= 0.1  # the parse rules argued against the only place the sentence offered
    if d.geo_precision == "country":
        confidence -= 0.1  # a country is a weak answer to "where"
    when = d.when or dates.UNKNOWN
    place = d.place
    trig = d.trig.token
    extra = dict(d.extra, date_text=when.text, date_source=d.when_source, link_score=round(d.link_score, 3))
    sentence = _visible(d.sent)
    return Event(
        article_id=article.id,
        type=d.trig.type,
        sentence=sentence.text,
        start=sentence.start_char,
        end=sentence.end_char,
        trigger=d.trig.span.text,
        trigger_start=trig.idx,
        trigger_end=trig.idx + len(trig.text),
        actors=d.actors,
        place=place.name if place else "",
        lat=place.lat if place else None,
        lon=place.lon if place else None,
        country=place.country if place else "",
        geo_precision=d.geo_precision if place else "unknown",
        location_source=d.place_source if place else "none",
        date=when.day.isoformat() if when.day else None,
        date_start=when.start.isoformat() if when.start else None,
        date_end=when.end.isoformat() if when.end else None,
        date_precision=when.precision,
        confidence=round(max(0.05, min(1.0, confidence)), 2),
        rule=f"{d.trig.type}:{d.trig.rule}",
        seq=seq,
        background=d.background,
        extra=extra,
    )
