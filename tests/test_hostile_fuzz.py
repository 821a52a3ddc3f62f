"""Fuzzing with Hypothesis: the date resolver, the gazetteer name normaliser and lookup, the readers, and the
whole article path never raise anything but the project's own errors, give valid output, and lose no item.

A short budget here (HOSTILE_FUZZ_EXAMPLES, default 120 per property); benchmarks/fuzz_bench.py runs the same
properties with a longer one.
"""

import io
import os
import re
from collections import Counter
from datetime import date

from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from events.errors import EventsError, InputError
from events.models import Article

EXAMPLES = int(os.environ.get("HOSTILE_FUZZ_EXAMPLES", "120"))
FUZZ = settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck), database=None)
SLOW = settings(FUZZ, max_examples=max(10, EXAMPLES // 5))  # properties that run the NLP pipeline
RAN: Counter = Counter()  # property -> examples run (read by the benchmark)

# Words the rules look for, so random text hits them often, plus places the gazetteer knows.
DATE_WORDS = [
    "on",
    "last",
    "this",
    "week",
    "month",
    "year",
    "ago",
    "earlier",
    "today",
    "yesterday",
    "weekend",
    "monday",
    "tuesday",
    "sunday",
    "jan.",
    "february",
    "may",
    "march",
    "sept",
    "dec",
    "the",
    "of",
    "in",
    "since",
    "early",
    "late",
    "mid-",
    "night",
    "31st",
    "29th",
    "2026",
    "1999",
    "0",
    "2026-02-30",
    "2026-13-45",
    "1900-01-01",
    "2099-12-31",
    "a",
    "two",
    "several",
    "days",
    "weeks",
    "years",
    "30",
    "99",
    ",",
    ".",
]
PLACE_WORDS = [
    "Seoul",
    "Paju",
    "Panmunjom",
    "DMZ",
    "Eagle Pass",
    "Rio Grande",
    "Dover",
    "Calais",
    "near",
    "crossed",
    "defected",
    "detained",
    "migrants",
    "soldiers",
    "border",
    "fired",
    "shots",
    "arrived",
]
any_date = st.dates(min_value=date(1, 1, 1), max_value=date(9999, 12, 31))
published = st.one_of(st.none(), any_date, st.dates(min_value=date(1990, 1, 1), max_value=date(2035, 12, 31)))


def phrases(words: list[str], max_size: int = 12) -> st.SearchStrategy[str]:
    """Sentences of vocabulary words and random junk, so both the rules and the edge cases are reached."""
    token = st.one_of(st.sampled_from(words), st.text(max_size=8))
    return st.lists(token, max_size=max_size).map(" ".join)


def _only_ours(call):
    """Run call(); an EventsError is an answer, anything else a bug."""
    try:
        return call()
    except EventsError as exc:
        return exc


# -- the date resolver -------------------------------------------------------------------------------------


@FUZZ
@given(text=phrases(DATE_WORDS), pub=published)
@example(text="on 2026-13-45", pub=date(2026, 1, 1))
@example(text="last month, a year ago, last week", pub=date(1, 1, 3))
@example(text="on the 31st", pub=date(2026, 3, 1))
def test_date_rules_resolve_valid_ranges(text, pub):
    from events.extract import dates

    RAN["date_rules"] += 1
    found = _only_ours(lambda: dates.in_text(text, pub, offset=7))
    if isinstance(found, EventsError):
        return
    for when in found:
        assert when.precision in ("day", "week", "month", "year")
        assert when.start is not None and when.end is not None and when.start <= when.end
        assert text[when.char_start - 7 : when.char_end - 7] == when.text
        if when.precision == "day":
            assert when.start == when.end


@FUZZ
@given(expr=phrases(DATE_WORDS, 5), pub=st.dates(min_value=date(1900, 1, 1), max_value=date(2100, 12, 31)))
def test_dateparser_fallback_never_raises(expr, pub):
    from events.extract import dates

    RAN["dateparser"] += 1
    day = _only_ours(lambda: dates._dateparser(expr, pub))
    assert day is None or isinstance(day, (date, EventsError))


@FUZZ
@given(pub=published)
def test_default_window_is_a_valid_range(pub):
    from events.extract import dates

    RAN["date_default"] += 1
    if pub is not None and not date(2, 1, 1) <= pub <= date(9998, 12, 31):
        return  # extract_events treats such dates as unknown before asking (tested end to end below)
    when = dates.default(pub)
    assert (when.start is None) == (pub is None)
    assert when.start is None or when.start <= when.end == pub


# -- the gazetteer name normaliser and lookup ----------------------------------------------------------------


@FUZZ
@given(
    name=st.one_of(st.text(), phrases(PLACE_WORDS + ["St.", "U.S.", "Mt", "ß", "Ø", "İ", "ﬆ", "ǿ", "’"], 6))
)
@example(name="ﬆ. Paul")
@example(name="İstanbul")
def test_normalise_is_idempotent_and_plain(name):
    from events.geo.gazetteer import normalize

    RAN["normalize"] += 1
    once = normalize(name)
    assert normalize(once) == once
    assert re.fullmatch(r"(?:[a-z0-9]+(?: [a-z0-9]+)*)?", once), once


@FUZZ
@given(name=st.one_of(st.text(max_size=40), phrases(PLACE_WORDS, 4)))
@example(name="x" * 10_000)
@example(name=" , ")  # found by benchmarks/fuzz_bench.py: was an IndexError
@example(name="%_'\\\";--")
def test_gazetteer_lookup_never_raises_and_gives_valid_places(name):
    from events.geo import geocode

    RAN["geocode"] += 1
    found = _only_ours(lambda: geocode(name, limit=3))
    if isinstance(found, EventsError):
        assert isinstance(found, InputError) and not name.strip()
        return
    assert len(found) <= 3
    for t in found:
        assert t.resolved and -90 <= t.lat <= 90 and -180 <= t.lon <= 180


# -- the readers: never raise, never lose an item ----------------------------------------------------------

json_scalars = st.one_of(
    st.none(), st.booleans(), st.integers(), st.floats(allow_nan=False), st.text(max_size=20)
)
json_values = st.recursive(
    json_scalars,
    lambda inner: st.one_of(
        st.lists(inner, max_size=2), st.dictionaries(st.text(max_size=6), inner, max_size=2)
    ),
    max_leaves=4,
)
rows = st.fixed_dictionaries(
    {"text": st.one_of(st.text(max_size=200), phrases(PLACE_WORDS + DATE_WORDS))},
    optional={
        "id": json_values,
        "title": json_values,
        "published": json_values,
        "url": json_values,
        "source": json_values,
    },
)


def _json_line(value) -> str:
    import json

    return json.dumps(value, ensure_ascii=False)


line_text = st.one_of(
    st.text().map(lambda s: s.replace("\n", " ").replace("\r", " ")),
    json_values.map(_json_line),
    rows.map(_json_line),
)


@FUZZ
@given(lines=st.lists(line_text, max_size=6))
@example(lines=["[" * 100_000, '{"text": ' + "[" * 50_000, '{"text": "ok"}'])
@example(lines=['{"text": "Soldiers crossed.", "published": "0001-01-01"}', "\ufeff{}", "\x00"])
def test_jsonl_reader_one_item_per_line(lines):
    from events.readers.tables import read_jsonl

    RAN["read_jsonl"] += 1
    out = list(read_jsonl(lines, "in.jsonl"))
    numbers = [n for n, line in enumerate(lines, 1) if line.strip()]
    assert len(out) == len(numbers)  # never lose an item
    for number, item in zip(numbers, out):
        assert isinstance(item, (Article, InputError))
        if isinstance(item, InputError):
            assert str(item).startswith(f"in.jsonl:{number}: ") and "\n" not in str(item)


cell = st.text(alphabet=st.characters(blacklist_characters='",\r\n\x00'), max_size=30)


@FUZZ
@given(
    header=st.lists(
        st.sampled_from(["text", "title", "published", "id", "url", "lat", "x"]),
        min_size=1,
        max_size=5,
        unique=True,
    ),
    body=st.lists(st.lists(cell, min_size=1, max_size=6), max_size=8),
)
def test_csv_reader_one_item_per_row(header, body):
    from events.readers.base import ReadOptions
    from events.readers.tables import read_csv

    RAN["read_csv"] += 1
    text = "\n".join(",".join(r) for r in [header, *body]) + "\n"
    out = list(read_csv(io.StringIO(text), "in.csv", ReadOptions(), delimiter=","))
    assert all(isinstance(i, (Article, InputError)) for i in out)
    if "text" not in header:
        assert len(out) == 1 and isinstance(out[0], InputError)
        return
    assert len(out) == sum(any(c.strip() for c in r) for r in body)  # one per non-blank row


@FUZZ
@given(text=st.text(max_size=400))
def test_csv_reader_never_raises_on_any_text(text):
    from events.readers.base import ReadOptions
    from events.readers.tables import read_csv

    RAN["read_csv_any"] += 1
    for item in read_csv(io.StringIO(text), "in.csv", ReadOptions()):
        assert isinstance(item, (Article, InputError))


@FUZZ
@given(
    data=st.one_of(
        st.binary(max_size=300),
        st.text(max_size=200).map(lambda s: s.encode("utf-16")),
        st.text(max_size=200).map(lambda s: s.encode("latin-1", errors="replace")),
    )
)
def test_decoding_and_text_articles_never_raise(data):
    from events.readers import text_article
    from events.readers.base import decode

    RAN["decode"] += 1
    text = _only_ours(lambda: decode(data, "in.txt"))
    if isinstance(text, str):
        item = _only_ours(lambda: text_article(text, "in.txt"))
        assert isinstance(item, (Article, InputError))


# -- the whole article path: parse, geoparse, extract -------------------------------------------------------


@SLOW
@given(text=phrases(PLACE_WORDS + DATE_WORDS, 25), pub=published)
@example(text="Migrants crossed the river near Eagle Pass on 2026-13-45.", pub=date(2026, 11, 26))
@example(text="Soldiers crossed the MDL near Paju last week.", pub=date(1, 1, 3))
@example(text="Soldiers crossed the MDL near Paju yesterday.", pub=date(9999, 12, 31))
def test_article_path_never_raises_and_events_are_valid(text, pub):
    from events import pipeline

    RAN["process"] += 1
    if not text.strip():
        return
    article = Article(id="fuzz", text=text, published=pub)
    events = _only_ours(lambda: pipeline.process(article))
    if isinstance(events, EventsError):
        return
    for event in events:  # Event validates itself: type, precision, coordinates, confidence
        assert 0 <= event.start <= event.end <= len(text)
        if event.date_start and event.date_end:
            assert event.date_start <= event.date_end
