"""Events from a parsed article: triggers -> filters -> actors and dates -> places -> happenings -> Events.

Where each step lives: triggers.py (what may be an event, and what did not happen), dates.py (when),
actors.py (who), places.py (where), happenings.py (which mentions are one happening).
"""

from dataclasses import replace
from datetime import date, timedelta

from spacy.tokens import Span

from events.extract import confidence, dates, happenings, places, triggers
from events.extract.actors import ActorTracker
from events.extract.mention import Mention
from events.models import Article, Event, Toponym
from events.nlp import Parsed

BACKGROUND_DAYS = 60  # a date this far before publication is history, not the news of the day


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
    drafts: list[Mention] = []
    sents = list(doc.sents)
    text = doc.text  # Doc.text joins every token on each call
    found = triggers.in_doc(doc)
    by_sent: dict[int, list[triggers.Trigger]] = {}
    for trig in found:
        by_sent.setdefault(triggers.sentence_of(trig.token).start, []).append(trig)
    toponyms = places.sides(doc, toponyms + places.more_places(doc, found, toponyms))
    date_ents: dict[int, list] = {}
    for ent in doc.ents:
        if ent.label_ == "DATE":
            date_ents.setdefault(triggers.sentence_of(ent[0]).start, []).append(ent)
    history: dates.When | None = None  # the date of a background paragraph, carried to its next sentences
    lead: dates.When | None = None
    all_whens = [dates.in_sentence(sent, pub, date_ents.get(sent.start, [])) for sent in sents]
    news_day = _news_day(all_whens, pub)
    for si, sent in enumerate(sents):
        if si and "\n" in text[max(0, sents[si - 1].end_char - 2) : sent.start_char]:
            history = None  # a new paragraph ends a history passage
        whens = all_whens[si]
        past = [w for w in whens if _is_past(w, news_day)] or ([] if whens else _cue_past(sent, pub))
        if past:
            history = past[0]
        elif whens:
            history = None
            lead = lead or next((w for w in whens if w.precision in ("day", "week")), None)  # not 'this year'
        if _subheading(sent):
            continue  # "CROSSING BY BOAT": a section title over the paragraph that tells it
        for trig in by_sent.get(sent.start, []):
            actors = tracker.actors_for(trig.token)
            if triggers.negated(trig.token):
                continue
            if triggers.hypothetical(trig.token, trig.type) or triggers.general(trig.token):
                continue
            when, source = _when_for(trig, whens, history)
            background = (
                history is not None and source in ("sentence", "context") and _is_past(when, news_day)
            )
            drafts.append(Mention(trig, sent, si, actors, when, source, background))
    _fill_dates(drafts, lead, pub)
    drafts = places.locate(drafts, toponyms, dateline, doc)
    title_end = _title_end(text)
    told = happenings.assemble(drafts, title_end)
    return [_event(article, h, seq, text, title_end) for seq, h in enumerate(told)]


def _subheading(sent: Span) -> bool:
    letters = [ch for ch in sent.text if ch.isalpha()]
    return len(letters) > 3 and all(ch.isupper() for ch in letters) and sent.text.strip()[-1:] not in ".!?"


def _title_end(text: str) -> int:
    """Where the headline ends: the first line, when it is followed by more and ends without a full stop."""
    end = text.find("\n")
    line = text[:end].rstrip()
    return end if end > 0 and line and line[-1] not in '.:"”' and len(line.split()) <= 25 else 0


def _news_day(all_whens: list[list[dates.When]], pub: date | None) -> date | None:
    """The day the article's news happened: its first date to the day within a year before publication (a
    feature published weeks later tells its news at that day), else the publication day."""
    if pub is None:
        return None
    for whens in all_whens:
        for w in whens:
            if w.day is not None and pub - timedelta(days=365) <= w.day <= pub:
                return w.day
    return pub


def _is_past(when: dates.When | None, pub: date | None) -> bool:
    if when is not None and when.text == "history":
        return True
    if when is None or when.end is None or pub is None:
        return False
    return when.end < pub - timedelta(days=BACKGROUND_DAYS)


def _cue_past(sent: Span, pub: date | None) -> list[dates.When]:
    """'years ago', 'in the past' with no resolvable date: history of unknown date."""
    low = " " + " ".join(t.lower_ for t in sent) + " "
    for cue in triggers.cues()["background_words"]:
        at = low.find(f" {cue} ")
        if at < 0:
            continue
        after = low[at + len(cue) + 2 :].split(" ", 1)[0]
        if cue == "in the past" and (after.isdigit() or after in RECENT_SPANS):
            continue  # "in the past 24 hours", "in the past week": the news, not history
        if cue == "once" and any(t.lower_ == "once" and t.dep_ == "mark" for t in sent):
            continue  # "once the firing started": when, not formerly
        return [dates.When(None, None, "unknown", "history")]
    return []


RECENT_SPANS = frozenset(["few", "several", "two", "three", "day", "days", "week", "weeks", "hours", "month"])


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


def _fill_dates(drafts: list[Mention], lead: dates.When | None, pub: date | None) -> None:
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


def _visible(sent: Span) -> Span:
    """The sentence without the blanked dateline and line breaks around it, so text[start:end] == sentence."""
    start, end = sent.start, sent.end
    while start < end - 1 and sent.doc[start].is_space:
        start += 1
    while end > start + 1 and sent.doc[end - 1].is_space:
        end -= 1
    return sent.doc[start:end]


def _event(article: Article, d: Mention, seq: int, text: str, title_end: int) -> Event:
    when = d.when or dates.UNKNOWN
    place = d.place
    # a country's or a continent's centre is nowhere in particular: the event keeps its place name but gets no
    # point on the map
    located = (
        place is not None and place.kind != "country" and not (place.kind == "region" and not place.country)
    )
    trig = d.trig.token
    extra = dict(
        d.extra,
        date_text=when.text,
        date_source=d.when_source,
        link_score=round(d.link_score, 3),
        place_kind=place.kind if place else "none",
        sentence_index=d.sent_index,
        place_named=text.count(place.name) if place else 0,  # how often the article names it
    )
    if d.sent.start_char < title_end:
        extra["headline"] = True
    if d.others:
        extra["mentions"] = [_provenance(m) for m in [d, *d.others]]
    sentence = _visible(d.sent)
    event = Event(
        article_id=article.id,
        type=d.type,
        sentence=sentence.text,
        start=sentence.start_char,
        end=sentence.end_char,
        trigger=d.trig.span.text,
        trigger_start=trig.idx,
        trigger_end=trig.idx + len(trig.text),
        actors=d.actors,
        place=place.name if place else "",
        lat=place.lat if located else None,
        lon=place.lon if located else None,
        country=place.country if place else "",
        geo_precision=d.geo_precision if place else "unknown",
        location_source=d.place_source if place else "none",
        date=when.day.isoformat() if when.day else None,
        date_start=when.start.isoformat() if when.start else None,
        date_end=when.end.isoformat() if when.end else None,
        date_precision=when.precision,
        rule=f"{d.type}:{d.trig.rule}",
        seq=seq,
        background=d.background,
        extra=extra,
    )
    return replace(event, confidence=confidence.confidence(event))


def _provenance(m: Mention) -> dict:
    """Where one mention of a happening stands in the article."""
    sentence, trig = _visible(m.sent), m.trig.token
    return {
        "sentence_start": sentence.start_char,
        "sentence_end": sentence.end_char,
        "trigger": m.trig.span.text,
        "trigger_start": trig.idx,
        "type": m.type,
    }
