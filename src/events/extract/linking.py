"""Event-location linking: which of a sentence's places is where THIS event happened, by the trained model
(linker_model.json, fitted by scripts/train_linker.py on link_features.py's features), and the `events link`
task."""

import json
import math
from collections.abc import Iterator
from functools import cache
from pathlib import Path

from spacy.tokens import Doc, Span, Token

from events.extract.link_features import dense, features, sentence_features
from events.extract.triggers import sentence_of

MODEL_PATH = Path(__file__).with_name("linker_model.json")
CANDIDATE_LABELS = ("GPE", "LOC", "FAC", "ORG", "NORP", "PERSON", "PRODUCT", "EVENT", "WORK_OF_ART")
LEADING = ("the", "a", "an")
TRAILING = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday", "'s", "’s")


@cache
def model() -> dict:
    """The trained linker (logistic regression weights, threshold), shipped with the package."""
    if not MODEL_PATH.exists():
        return {"weights": {}, "threshold": 0.5}
    return json.loads(MODEL_PATH.read_text(encoding="utf-8"))


def _sigmoid(z: float) -> float:
    return 1.0 / (1.0 + math.exp(-max(-30.0, min(30.0, z))))


def first_stage(trigger: Token, cand: Span, others: list[Span], label: str = "") -> float:
    """Probability that `cand` is where the event of `trigger` happened, judged alone (stage one)."""
    m = model()
    w = m["weights"]
    z = sum(w.get(k, 0.0) * v for k, v in features(trigger, cand, others, label).items())
    if m.get("dense"):
        z += m["dense_scale"] * sum(a * b for a, b in zip(m["dense"], dense(trigger, cand)))
    return _sigmoid(z)


def scores(trigger: Token, cands: list[Span], labels: list[str] | None = None) -> list[float]:
    """Probability, for each candidate of a sentence, that it is where the event of `trigger` happened."""
    labels = labels or [c.label_ for c in cands]
    first = [first_stage(trigger, c, cands, lab) for c, lab in zip(cands, labels)]
    second = model().get("sentence")
    if not second or not cands:
        return first
    coef, bias = second["coef"], second["intercept"]
    return [_sigmoid(bias + sum(a * b for a, b in zip(coef, row))) for row in sentence_features(cands, first)]


def candidate_spans(doc: Doc, sent: Span | None = None) -> list[Span]:
    """Place-like spans for `events link`: named entities of place-ish labels and proper-noun runs, no 'the'."""
    sent = sent or doc[:]
    out: list[Span] = []
    for ent in sent.ents:
        if ent.label_ in CANDIDATE_LABELS:
            out.append(_trim(ent))
    covered = {i for s in out for i in range(s.start, s.end)}
    run: list[Token] = []
    for tok in list(sent) + [None]:
        if tok is not None and tok.pos_ == "PROPN" and tok.i not in covered and not tok.ent_type_:
            run.append(tok)
            continue
        if run:
            out.append(Span(doc, run[0].i, run[-1].i + 1, label="PROPN"))
            run = []
    return sorted((s for s in out if len(s)), key=lambda s: s.start)


def _trim(span: Span) -> Span:
    """'the Golan Heights' -> 'Golan Heights'; "Lebanon's" -> 'Lebanon' (the scorer counts tokens)."""
    start, end = span.start, span.end
    while start < end and span.doc[start].lower_ in LEADING:
        start += 1
    while end > start and (span.doc[end - 1].tag_ == "POS" or span.doc[end - 1].lower_ in TRAILING):
        end -= 1
    return Span(span.doc, start, end, label=span.label_)


def link(doc: Doc, verb_start: int, verb_end: int) -> list[Span]:
    """Spans naming where the event of the verb at these character offsets happened (may be empty)."""
    verb = doc.char_span(verb_start, verb_end, alignment_mode="expand")
    if verb is None or not len(verb):
        return []
    trigger = verb.root
    cands = candidate_spans(doc, sentence_of(trigger))
    if not cands:
        return []
    # most events happen in one place: the best candidate at one threshold, others only when clearly in
    probs = scores(trigger, cands)
    top = max(probs)
    if top < model().get("threshold", 0.5):
        return []
    extra = model().get("extra_threshold", model().get("threshold", 0.5))
    return [without_class_word(c) for c, p in zip(cands, probs) if p == top or p >= extra]


# A lower-case kind word after a name ("Homs province", "Kayamla village") is mostly left out of the gold
# spans, while a capitalised one ("Aleppo Governorate") is part of the name (cross-validated: F1 +0.004).
STRIPPED_KIND_WORDS = (
    "province",
    "village",
    "city",
    "district",
    "region",
    "town",
    "area",
    "governorate",
    "zone",
    "county",
    "state",
    "camp",
)


def without_class_word(span: Span) -> Span:
    """'Homs province' -> 'Homs'; 'Aleppo Governorate' stays whole."""
    end = span.end
    while end - 1 > span.start and span.doc[end - 1].text in STRIPPED_KIND_WORDS:
        end -= 1
    return span.doc[span.start : end] if end != span.end else span


def link_jsonl(lines) -> Iterator[dict]:
    """`events link`: {"id", "text", "event_verb": {"start", "end"}} lines in, {"id", "event_locations"} out.

    Lines are parsed in batches with nlp.pipe; a bad line raises InputError naming its number and the reason."""
    from events import jsonl, nlp
    from events.errors import InputError

    def rows():
        for number, row in jsonl.rows(lines):
            try:
                verb = row["event_verb"]
                start, end = int(verb["start"]), int(verb["end"])
            except (KeyError, TypeError, ValueError) as exc:
                raise InputError(f'line {number}: needs "event_verb": {{"start", "end"}}') from exc
            if not 0 <= start < end <= len(row["text"]):
                raise InputError(f"line {number}: event_verb {start}-{end} is outside the text")
            yield row, start, end

    batch: list = []

    def flush():
        docs = nlp.load().pipe((r[0]["text"] for r in batch), batch_size=64)
        for (row, start, end), doc in zip(batch, docs):
            spans = link(doc, start, end)
            yield {
                "id": row.get("id"),
                "event_locations": [
                    {"start": s.start_char, "end": s.end_char, "text": s.text} for s in spans
                ],
            }
        batch.clear()

    for item in rows():
        batch.append(item)
        if len(batch) >= 256:
            yield from flush()
    if batch:
        yield from flush()
