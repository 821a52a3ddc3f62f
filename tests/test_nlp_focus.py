"""Focused parsing: sentences far from any trigger word are blanked, offsets and events stay the same."""

import json
from datetime import date

from conftest import REPO

from events import extract, geo
from events import nlp as parsing
from events.models import Article

TEXT = (
    "Seoul, South Korea – The weather was mild in the capital this week.\n"
    "Analysts said markets rose again. Prices of rice fell in Daegu.\n"
    "Officials said trade would resume. A soldier defected across the border near Paju on Monday. "
    "He is in good health.\nThe ministry gave no more details. Shops closed early."
)


def test_focus_keeps_offsets_and_the_sentences_near_a_trigger():
    focused = parsing.focus_text(parsing.blank_dateline(TEXT)[0], named=False)
    assert len(focused) == len(TEXT)
    assert [i for i, c in enumerate(focused) if c == "\n"] == [i for i, c in enumerate(TEXT) if c == "\n"]
    kept_sentences = (
        "The weather was mild",
        "Officials said trade",
        "A soldier defected",
        "He is in good health.",
    )
    for kept in kept_sentences:
        start = TEXT.index(kept)
        assert focused[start : start + len(kept)] == kept
    for gone in (
        "Analysts said markets rose",
        "Prices of rice fell",
        "The ministry gave",
        "Shops closed",
    ):
        start = TEXT.index(gone)
        assert focused[start : start + len(gone)].strip() == ""


def test_focus_keeps_a_far_sentence_that_names_a_place_by_default():
    focused = parsing.focus_text(parsing.blank_dateline(TEXT)[0])
    start = TEXT.index("Prices of rice fell in Daegu.")
    assert focused[start : start + 29] == "Prices of rice fell in Daegu."
    assert focused[TEXT.index("Shops closed") :].strip() == ""


def test_focused_parse_has_the_article_offsets(nlp):  # the session model
    parsed = parsing.parse(TEXT, focus=True)
    assert parsed.doc.text == parsing.focus_text(parsing.blank_dateline(TEXT)[0])
    assert parsed.dateline == "Seoul, South Korea"
    defected = next(t for t in parsed.doc if t.text == "defected")
    assert TEXT[defected.idx : defected.idx + len("defected")] == "defected"


def test_focus_changes_no_event_on_the_fixture_articles(nlp):
    rows = [json.loads(line) for line in (REPO / "tests/fixtures/events_gold.jsonl").open(encoding="utf-8")]
    for row in rows:
        article = Article(id=row["id"], text=row["text"], published=date.fromisoformat(row["published"]))
        found = []
        for focus in (False, True):
            parsed = parsing.parse(article.text, focus=focus)
            dateline = geo.place_of(parsed.dateline) if parsed.dateline else None
            events = extract.extract_events(article, parsed, geo.geoparse(parsed), dateline)
            found.append([e.to_contract() for e in events])
        assert found[0] == found[1], row["id"]
