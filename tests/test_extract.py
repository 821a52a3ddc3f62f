"""Extraction unit tests: triggers and what keeps events out, actors, dates, linking, fallbacks.

The toponyms are built here by hand (name -> coordinates), so these tests exercise extraction alone."""

import json
from datetime import date

import pytest

from events import nlp as nlp_module
from events.extract import dates, extract_events, linking
from events.extract.actors import affiliation_of, count_of
from events.models import Article, Toponym

PLACES = {
    "Panmunjom": (37.956, 126.677, "KR", "site"),
    "Seoul": (37.566, 126.978, "KR", "city"),
    "DMZ": (38.3, 127.2, "KR", "border"),
    "Military Demarcation Line": (38.32, 127.0, "KR", "border"),
    "Eagle Pass": (28.709, -100.499, "US", "city"),
    "Rio Grande": (29.0, -100.6, "US", "water"),
    "Joint Security Area": (37.956, 126.677, "KR", "site"),
    "Suwon": (37.291, 127.009, "KR", "city"),
    "Kuznica": (53.51, 23.65, "PL", "city"),
    "Belarus": (53.7, 27.95, "BY", "country"),
    "South Korea": (36.46, 127.87, "KR", "country"),
    "Paju": (37.76, 126.78, "KR", "city"),
}


def toponyms(text: str) -> list[Toponym]:
    """Every occurrence of a known name in `text`, resolved from PLACES."""
    out = []
    for name, (lat, lon, cc, kind) in PLACES.items():
        start = text.find(name)
        while start >= 0:
            whole_word = not text[start + len(name) : start + len(name) + 1].isalpha()
            if whole_word and not any(t.start <= start < t.end for t in out):
                out.append(Toponym(start, start + len(name), name, lat, lon, cc, kind, score=1.0))
            start = text.find(name, start + 1)
    return sorted(out, key=lambda t: t.start)


def run(text: str, published: date | None = date(2026, 11, 26), dateline: str | None = None):
    parsed = nlp_module.parse(text)
    line = None
    if dateline:
        lat, lon, cc, kind = PLACES[dateline]
        line = Toponym(0, len(dateline), dateline, lat, lon, cc, kind, score=1.0)
    return extract_events(Article(id="t", text=text, published=published), parsed, toponyms(text), line)


# -- what did not happen ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "The two soldiers did not cross the border near Panmunjom.",
        "No shots were fired at Panmunjom, officials said.",
        "Officials said the migrants never reached Eagle Pass.",
    ],
)
def test_negated_triggers_make_no_event(nlp, text):
    assert run(text) == []


@pytest.mark.parametrize(
    "text",
    [
        "North Korea threatened to launch missiles from near Panmunjom.",
        "The migrants plan to cross the Rio Grande near Eagle Pass next week.",
        "Officials warned that more soldiers could defect across the DMZ.",
        "Seoul may hold talks with Pyongyang at Panmunjom.",
    ],
)
def test_hypothetical_and_future_make_no_event(nlp, text):
    assert run(text) == []


def test_general_statement_makes_no_event(nlp):
    text = "Analysts suggest that such defections could indicate a growing unrest within the military."
    assert run(text) == []


def test_background_history_keeps_its_own_date(nlp):
    text = (
        "A North Korean soldier defected across the DMZ on Monday.\n"
        "In 2017, another soldier ran across the Joint Security Area and was flown to a hospital in Suwon."
    )
    events = run(text)
    news = [e for e in events if not e.background]
    history = [e for e in events if e.background]
    assert [e.type for e in news] == ["defection"] and news[0].date == "2026-11-23"
    assert {e.type for e in history} == {"border_crossing", "arrival"}
    for e in history:
        assert e.date_start == "2017-01-01" and e.date_end == "2017-12-31" and e.date is None
        assert e.date_precision == "year"
    assert {e.place for e in history} == {"Joint Security Area", "Suwon"}


# -- several events, in order, once each ------------------------------------------------------------------


def test_two_events_in_one_sentence_each_at_its_place(nlp):
    text = "Two North Korean soldiers crossed the DMZ near Panmunjom before being taken to Seoul on Tuesday."
    events = run(text)
    by_type = {e.type: e for e in events}
    assert set(by_type) == {"border_crossing", "arrival"}
    assert by_type["border_crossing"].place in ("Panmunjom", "DMZ")
    assert by_type["arrival"].place == "Seoul"
    assert by_type["arrival"].date == "2026-11-24"
    assert [e.seq for e in events] == [0, 1]
    assert by_type["border_crossing"].geo_precision in ("near", "exact")


@pytest.mark.parametrize(
    "text",
    [
        "The man is believed to have crossed the border near Eagle Pass on Monday.",
        "He is the first soldier to defect across the DMZ near Panmunjom this year.",
        "A North Korean soldier who crossed the DMZ near Panmunjom last week will be questioned in Seoul.",
    ],
)
def test_reported_and_ordinal_infinitives_did_happen(nlp, text):
    assert [e.type for e in run(text)] in (["border_crossing"], ["defection"])


def test_one_event_per_type_per_sentence(nlp):
    text = "South Korean troops fired warning shots and opened fire again as the boat crossed near Panmunjom."
    types = [e.type for e in run(text)]
    assert types.count("gunfire") == 1


def test_trigger_provenance_and_confidence(nlp):
    text = "Polish border guards detained 27 migrants near Kuznica on Wednesday."
    (event,) = run(text)
    assert event.trigger == "detained"
    assert text[event.trigger_start : event.trigger_end] == "detained"
    assert event.rule.startswith("detention:")
    assert 0.0 < event.confidence <= 1.0
    assert text[event.start : event.end] == event.sentence


def test_missile_object_makes_a_launch_not_gunfire(nlp):
    (event,) = run("North Korea fired a ballistic missile from near Panmunjom on Sunday.")
    assert event.type == "missile_launch"


@pytest.mark.parametrize(
    ("text", "kind"),
    [
        ("Guards at a post near Panmunjom came under small arms fire on Sunday.", "gunfire"),
        ("Seoul accused the North of opening fire at a guard post near Paju on Sunday.", "gunfire"),
        ("A missile strike hit a village near Paju on Sunday, officials said.", "missile_launch"),
        ("Two patrol boats intruded into waters near Paju on Sunday.", "border_crossing"),
        ("About 40 migrants turned themselves in to agents at Eagle Pass on Sunday.", "detention"),
        ("Two soldiers who crossed at Paju on Sunday were rushed to a hospital in Seoul.", "arrival"),
        ("The wounded were sent by helicopter to the Capital Hospital in Seoul on Sunday.", "arrival"),
    ],
)
def test_border_news_wordings_get_the_guide_type(nlp, text, kind):
    assert kind in {e.type for e in run(text)}


def test_sent_to_a_place_that_is_no_hospital_is_no_arrival(nlp):
    assert "arrival" not in {e.type for e in run("The smuggler was sent to prison in Seoul on Sunday.")}


# -- actors -------------------------------------------------------------------------------------------------


def test_actor_count_affiliation_role(nlp):
    (event,) = run("Two North Korean soldiers defected across the DMZ on Monday.")
    (actor,) = event.actors
    assert (actor.text, actor.count, actor.affiliation, actor.role) == (
        "Two North Korean soldiers",
        2,
        "KP",
        "soldier",
    )


def test_actor_coreference_pronoun_and_definite(nlp):
    text = (
        "Two North Korean soldiers defected across the DMZ on Monday. They were taken to Seoul.\n"
        "The soldiers were later moved to Suwon."
    )
    events = run(text)
    arrivals = [e for e in events if e.type == "arrival"]
    assert arrivals and all(
        e.actors and e.actors[0].count == 2 and e.actors[0].affiliation == "KP" for e in arrivals
    )


@pytest.mark.parametrize(
    "words,expected", [(["two"], 2), (["40"], 40), (["a"], 1), (["dozens", "of"], None), (["1,200"], 1200)]
)
def test_count_of(words, expected):
    assert count_of(words) == expected


@pytest.mark.parametrize(
    "text,code",
    [
        ("North Korean soldiers", "KP"),
        ("Mexican migrants", "MX"),
        ("a group of Syrians", "SY"),
        ("men from Honduras", "HN"),
        ("the men", ""),
    ],
)
def test_affiliation_of(text, code):
    assert affiliation_of(text) == code


# -- dates -------------------------------------------------------------------------------------------------

PUB = date(2026, 11, 26)  # a Thursday


@pytest.mark.parametrize(
    "text,start,end,precision",
    [
        ("earlier this week", "2026-11-23", "2026-11-25", "week"),
        ("last weekend", "2026-11-21", "2026-11-22", "week"),
        ("on the night of the 6th", "2026-11-06", "2026-11-06", "day"),
        ("on Monday", "2026-11-23", "2026-11-23", "day"),
        ("Nov. 3", "2026-11-03", "2026-11-03", "day"),
        ("3 November 2025", "2025-11-03", "2025-11-03", "day"),
        ("yesterday", "2026-11-25", "2026-11-25", "day"),
        ("last month", "2026-10-01", "2026-10-31", "month"),
        ("two days ago", "2026-11-24", "2026-11-24", "day"),
        ("in 2017", "2017-01-01", "2017-12-31", "year"),
        ("earlier this year", "2026-01-01", "2026-11-26", "year"),
        ("Dec. 20", "2025-12-20", "2025-12-20", "day"),  # after publication: last year's
    ],
)
def test_date_rules(text, start, end, precision):
    (when,) = dates.in_text(text, PUB)
    assert (when.start.isoformat(), when.end.isoformat(), when.precision) == (start, end, precision)


def test_relative_dates_without_publication_are_unknown():
    assert dates.in_text("earlier this week", None) == []
    assert dates.in_text("on Monday", None) == []
    assert dates.default(None).precision == "unknown"


def test_early_hours_take_the_story_date(nlp):
    text = (
        "Two North Korean soldiers defected across the DMZ earlier this week. "
        "The soldiers crossed near Panmunjom in the early hours."
    )
    for event in run(text):
        assert (event.date_start, event.date_end, event.date_precision) == (
            "2026-11-23",
            "2026-11-25",
            "week",
        )


def test_event_without_publication_date_is_not_invented(nlp):
    (event,) = run("Two North Korean soldiers defected across the DMZ near Panmunjom.", published=None)
    assert event.date is None and event.date_start is None and event.date_precision == "unknown"


# -- linking and fallbacks -----------------------------------------------------------------------------------


def test_link_picks_the_event_place_not_the_actor_origin(nlp):
    text = "Mexican migrants waded across the Rio Grande near Eagle Pass, officials in Washington said."
    doc = nlp(text)
    start = text.index("waded")
    names = [s.text for s in linking.link(doc, start, start + len("waded"))]
    assert "Eagle Pass" in names or "Rio Grande" in names
    assert "Washington" not in names and "Mexican" not in names


def test_link_jsonl_contract_and_bad_line(nlp):
    from events.errors import InputError

    text = "Gunmen attacked a hotel in Mogadishu on Friday."
    line = json.dumps({"id": "a", "text": text, "event_verb": {"start": 7, "end": 15}})
    (row,) = list(linking.link_jsonl([line]))
    assert row["id"] == "a" and [x["text"] for x in row["event_locations"]] == ["Mogadishu"]
    with pytest.raises(InputError, match="line 2"):
        list(linking.link_jsonl([line, json.dumps({"id": "b", "text": "x"})]))


def test_specific_place_beats_the_broad_one(nlp):
    (event,) = run("Migrants waded across the Rio Grande near Eagle Pass on Sunday.")
    assert event.place == "Eagle Pass" and event.geo_precision == "near"


def test_fallback_previous_sentence_then_dateline(nlp):
    text = (
        "Paju – Two North Korean soldiers defected across the DMZ near Panmunjom on Monday. "
        "They were detained by troops. South Korean officials confirmed their arrival."
    )
    events = run(text, dateline="Paju")
    by_type = {e.type: e for e in events}
    assert by_type["defection"].location_source == "sentence"
    for e in events:  # the blanked dateline is not part of the first sentence
        assert text[e.start : e.end] == e.sentence and not e.sentence.startswith(" ")
    assert by_type["detention"].location_source == "previous_sentence"
    assert by_type["detention"].place == by_type["defection"].place
    assert by_type["arrival"].location_source == "dateline" and by_type["arrival"].place == "Paju"


def test_a_capital_dateline_is_not_the_place(nlp):
    """'SEOUL -' is the news bureau: a story it carries happened elsewhere unless it says so."""
    text = "Seoul – Two North Korean soldiers were detained by troops on Monday, officials said."
    (event,) = [e for e in run(text, dateline="Seoul") if e.type == "detention"]
    assert event.location_source != "dateline" and event.place != "Seoul"


def test_border_anaphora_uses_the_article_border(nlp):
    text = (
        "Two North Korean soldiers defected across the border into South Korea on Monday. "
        "Troops near the DMZ were put on alert."
    )
    (event,) = [e for e in run(text) if e.type == "defection"]
    assert event.place == "DMZ"


def test_linker_model_ships_with_the_package():
    model = linking.model()
    assert model["weights"] and 0 < model["threshold"] < 1
    assert linking.MODEL_PATH.stat().st_size < 2_000_000


def test_crossed_place_is_not_an_actor(nlp):
    (event,) = run("More than 400 people crossed the Rio Grande near Eagle Pass on Tuesday.")
    assert [a.text for a in event.actors] == ["More than 400 people"]
    assert event.actors[0].count == 400


def test_missile_landing_is_part_of_the_launch(nlp):
    text = (
        "North Korea launched a ballistic missile from near Panmunjom on Sunday. "
        "The missile landed in the sea after flying 300 km."
    )
    assert [e.type for e in run(text)] == ["missile_launch"]
