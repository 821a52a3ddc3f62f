"""The hostile articles of the injection tests (test_hostile_injection*.py): payloads, a store holding them, and
the checks that a fragment of HTML is inert."""

import json
import re
from datetime import date
from html.parser import HTMLParser
from pathlib import Path

from events.models import Actor, Article, Event

REPO = Path(__file__).resolve().parents[1]
PAGE = str(REPO / "dashboard.py")

# Each payload sets window.__pwned if anything ever runs it; the browser test checks the flag stays unset.
SCRIPT = "<script>window.__pwned=1</script>"
IMG = '<img src=x onerror="window.__pwned=1">'
SVG = "<svg/onload=window.__pwned=1>"
BREAKOUT = '"><iframe srcdoc="<script>parent.__pwned=1</script>"></iframe>'
CLOSE = "</script><script>window.__pwned=1</script>"
MARKDOWN = "[click me](javascript:window.__pwned=1) **bold** ![x](http://10.0.0.1/t.png)"
TAGGED = (SCRIPT, IMG, SVG, BREAKOUT, CLOSE)
JS_URL = "javascript:window.__pwned=1"
LONG = "A" * 120_000  # longer than any popup should be, shorter than the article limit

# Tags the map's own templates use; anything else in a popup came from an article.
OWN_TAGS = {"div", "span", "b", "blockquote", "mark", "a", "svg", "path", "i", "br", "ul", "li"}


def hostile_articles() -> list[tuple[Article, list[Event]]]:
    """Two articles whose every field an attacker controls carries a payload; events point into the text."""
    sentences = [
        f"Guards {SCRIPT} fired warning shots near Kuznica on Tuesday.",
        f"Two soldiers {IMG} crossed the line {SVG} near Panmunjom.",
        f"Migrants {BREAKOUT} waded across the river {CLOSE} at dawn.",
        f'=HYPERLINK("http://evil.example/","x") {MARKDOWN} arrived in Seoul.',
        f"Talks about {LONG} were held.",
    ]
    text = " ".join(sentences)
    art = Article(
        id=f"evil-{SCRIPT}",
        text=text,
        title=f"=cmd|' /C calc'!A0 {SCRIPT}",
        url=JS_URL,
        published=date(2026, 7, 2),
        source=f"@SUM(1+1) {IMG}",
    )
    kinds = ["gunfire", "border_crossing", "border_crossing", "arrival", "talks"]
    places = [f"Kuznica {IMG}", f"+Panmunjom {SVG}", f"-Eagle Pass {BREAKOUT}", f"@Seoul {MARKDOWN}", LONG]
    coords = [(53.50, 23.65), (37.956, 126.677), (28.709, -100.499), (37.566, 126.978), (38.0, 127.0)]
    found = []
    for seq, (sentence, kind, place, (lat, lon)) in enumerate(zip(sentences, kinds, places, coords)):
        start = text.index(sentence)
        trigger = sentence.split()[2]
        t = start + sentence.index(trigger)
        found.append(
            Event(
                article_id=art.id,
                type=kind,
                sentence=sentence,
                start=start,
                end=start + len(sentence),
                trigger=trigger,
                trigger_start=t,
                trigger_end=t + len(trigger),
                place=place,
                lat=lat,
                lon=lon,
                country="KR",
                geo_precision="exact",
                location_source="sentence",
                date="2026-07-01",
                date_start="2026-07-01",
                date_end="2026-07-01",
                date_precision="day",
                seq=seq,
                confidence=0.7,
                actors=(Actor(f"-{LONG[:50]} {SCRIPT}", 2, "KP", "soldier"), Actor(f"={IMG}")),
            )
        )
    # A second article with a data: URL and a tab-led title (another spreadsheet trick).
    art2 = Article(
        id="evil-2",
        text=f"Border police detained {SVG} smugglers.",
        title=f"\t=1+1 {SVG}",
        url="data:text/html,<script>window.__pwned=1</script>",
        published=date(2026, 7, 3),
        source="Wire",
    )
    sentence = art2.text
    found2 = [
        Event(
            article_id=art2.id,
            type="detention",
            sentence=sentence,
            start=0,
            end=len(sentence),
            trigger="detained",
            trigger_start=14,
            trigger_end=22,
            place="Kuznica",
            lat=53.5,
            lon=23.7,
            country="PL",
            date="2026-07-02",
            date_start="2026-07-02",
            date_end="2026-07-02",
            date_precision="day",
            seq=0,
            confidence=0.6,
        )
    ]
    return [(art, found), (art2, found2)]


class _Fragment(HTMLParser):
    """Collects tags, attributes and text of an HTML fragment as a browser would parse it."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.tags, self.attrs, self.text = [], [], []

    def handle_starttag(self, tag, attrs):
        self.tags.append(tag)
        self.attrs += [(tag, k, v or "") for k, v in attrs]

    def handle_data(self, data):
        self.text.append(data)


def _parse(fragment: str) -> _Fragment:
    parser = _Fragment()
    parser.feed(fragment)
    parser.close()
    return parser


def _assert_inert(fragment: str) -> str:
    """Only the map's own tags, no event handlers, links only http(s); returns the visible text."""
    parsed = _parse(fragment)
    assert set(parsed.tags) <= OWN_TAGS, set(parsed.tags) - OWN_TAGS
    for tag, name, value in parsed.attrs:
        assert not name.startswith("on"), (tag, name, value)
        assert "__pwned" not in value, (tag, name, value)
        if name in ("href", "src", "srcdoc", "action", "formaction"):
            assert re.match(r"(?i)https?://", value), (tag, name, value)
    return "".join(parsed.text)


def _config(page: str) -> dict:
    found = re.search(r"var cfg = (\{.*?\});\n", page, re.DOTALL)
    assert found, "no event data in the page"
    return json.loads(found.group(1))
