"""Rules for real news, on invented articles: one event per happening, at the most specific place, only news."""

import json
from datetime import date

from click.testing import CliRunner

from events import nlp as parsing
from events.cli import main
from events.models import Article
from events.pipeline import process

PUBLISHED = date(2026, 11, 26)  # a Thursday


def run(text: str, published: date | None = PUBLISHED):
    return process(Article(id="t", text=text, published=published))


def located(events):
    return [e for e in events if e.lat is not None]


def test_one_happening_told_three_times_is_one_event(nlp):
    text = (
        "Soldiers exchange fire at border post\n\n"
        "Thai and Cambodian soldiers exchanged fire near Aranyaprathet on Tuesday, the army said.\n\n"
        "The gunfire lasted about twenty minutes, officials said.\n\n"
        "Witnesses said the shooting near Aranyaprathet stopped before noon."
    )
    events = [e for e in run(text) if e.type == "gunfire"]
    assert len(events) == 1
    (event,) = events
    assert event.place == "Aranyaprathet" and event.date == "2026-11-24"
    mentions = event.extra["mentions"]
    assert len(mentions) >= 3  # every telling kept as provenance
    assert all(text[m["sentence_start"] : m["sentence_end"]] for m in mentions)


def test_returned_fire_is_a_second_happening(nlp):
    text = (
        "Guards from the north fired at a patrol near Aranyaprathet on Tuesday. "
        "The patrol returned fire near Aranyaprathet, the army said."
    )
    assert len([e for e in run(text) if e.type == "gunfire"]) == 2


def test_the_town_named_elsewhere_beats_the_country(nlp):
    text = (
        "Border crossing shut after skirmish\n\n"
        "Troops of Pakistan and Afghanistan exchanged fire on Wednesday, officials said.\n\n"
        "Shops stayed closed in the border town of Chaman, where residents heard heavy firing through the night."
    )
    (event,) = [e for e in run(text) if e.type == "gunfire"]
    assert event.place == "Chaman" and event.extra["place_rule"] == "place-in-country"
    assert event.geo_precision == "near"


def test_a_country_alone_gives_no_point(nlp):
    (event,) = run("Troops of Pakistan and Afghanistan exchanged fire on Wednesday, officials said.")
    assert event.type == "gunfire" and event.country in ("PK", "AF")
    assert event.lat is None and event.lon is None and event.geo_precision == "country"


def test_a_line_is_placed_at_the_article_place_beside_it(nlp):
    text = (
        "Fishermen from Yeonpyeong Island watched the patrol boats leave the harbour.\n\n"
        "A North Korean patrol boat crossed the Northern Limit Line on Monday, the military said."
    )
    (event,) = [e for e in run(text) if e.type == "border_crossing"]
    assert event.place == "Yeonpyeong Island" and event.extra["place_rule"] == "place-on-line"


def test_listed_places_give_one_event_each(nlp):
    text = "Artillery shelled Kupiansk, Izium and Balakliia on Friday, regional officials said."
    places = sorted(e.place for e in run(text) if e.type == "gunfire")
    assert places == ["Balakliia", "Izium", "Kupiansk"]


def test_a_capital_that_speaks_is_no_place(nlp):
    text = "Pyongyang declared on Monday that its troops fired warning shots, and Seoul condemned it."
    assert located(run(text)) == []


def test_statistics_plans_and_an_earlier_incident_give_no_event(nlp):
    statistic = "More than 34,000 North Koreans have defected to the South since 1953, the ministry said."
    plan = "The government will deport the migrants to Guatemala next month, officials said."
    earlier = "In 2015, two soldiers were wounded by a landmine near Paju."
    assert run(statistic) == [] or all(e.background for e in run(statistic))
    assert run(plan) == []
    assert all(e.background for e in run(earlier))


def test_a_negative_article_gives_no_event(nlp):
    text = (
        "PAJU, South Korea - A book festival will open near the Demilitarized Zone next month.\n\n"
        "Organisers said visitors could walk along the fence and visit Imjingak park, where a concert "
        "is planned for the weekend."
    )
    assert run(text) == []


def test_dateline_after_a_headline_is_where_the_reporter_sat():
    text = "Migrants cross river\n\nSEOUL (Reuters) - North Korea fired shells on Monday."
    place, start, end = parsing.split_dateline(text)
    assert place == "SEOUL" and text[start:end] == "SEOUL"
    assert parsing.split_dateline("Source: Delfi, as reported")[0] == ""
    assert parsing.split_dateline("Title\n\nNew Delhi: Defence minister Singh spoke.")[0] == "New Delhi"


def test_a_blank_line_ends_a_sentence(nlp):
    parsed = parsing.parse("Four killed in sea battle\n\nPatrol boats exchanged fire on Saturday.")
    assert [s.text.strip() for s in parsed.doc.sents] == [
        "Four killed in sea battle",
        "Patrol boats exchanged fire on Saturday.",
    ]


def test_extract_leaves_background_out_unless_asked(tmp_path):
    path = tmp_path / "a.txt"
    path.write_text(
        "Defection at the border\n"
        "A North Korean soldier defected across the DMZ on Monday.\n"
        "In 2017, another soldier ran across the Joint Security Area.\n",
        encoding="utf-8",
    )
    runner = CliRunner()
    args = ["extract", str(path), "--published", "2026-11-26"]
    plain = [json.loads(line) for line in runner.invoke(main, args).output.splitlines()]
    full = [
        json.loads(line) for line in runner.invoke(main, [*args, "--with-background"]).output.splitlines()
    ]
    assert plain and not any(e["background"] for e in plain)
    assert any(e["background"] for e in full) and len(full) > len(plain)


# -- places spaCy mislabels, and border places no city list has ----------------------------------------------


def test_a_town_listed_with_a_place_is_a_place_whatever_spacy_tagged_it(nlp):
    text = (
        "Troops fired artillery at Armenian positions in the direction of Goris, Sotk and Jermuk on Tuesday."
    )
    places = {e.place for e in located(run(text)) if e.type == "gunfire"}
    assert {"Goris", "Sotk", "Jermuk"} <= places


def test_a_town_owned_by_its_country_is_a_place(nlp):
    text = "Hundreds of migrants tried to cross into Spain's Melilla from Morocco on Friday, officials said."
    (event,) = [e for e in located(run(text)) if e.type == "border_crossing"]
    assert event.place == "Melilla"


def test_a_checkpoint_named_after_its_town_is_at_the_town(nlp):
    text = "On Tuesday, 30 asylum seekers arrived at the Salla checkpoint, the Finnish Border Guard said."
    (event,) = [e for e in located(run(text)) if e.type == "arrival"]
    assert event.place == "Salla" and event.country == "FI"


def test_a_curated_crossing_beats_the_country(nlp):
    text = (
        "Guards exchange fire at Torkham\n\n"
        "Afghan and Pakistani border guards exchanged fire at the Torkham border crossing on Wednesday, "
        "officials in Pakistan said."
    )
    (event,) = [e for e in run(text) if e.type == "gunfire"]
    assert event.place.startswith("Torkham") and abs(event.lat - 34.1) < 0.1 and abs(event.lon - 71.09) < 0.1


def test_an_arabic_article_name_and_a_river_that_shares_a_town_name(nlp):
    text = "Sudanese troops crossed the Atbara river in the al-Fashqa area on Saturday, an official said."
    (event,) = [e for e in located(run(text)) if e.type == "border_crossing"]
    assert event.place == "al-Fashqa" and event.country == "SD"


# -- types and happenings ------------------------------------------------------------------------------------


def test_a_shell_that_landed_is_gunfire_not_an_arrival(nlp):
    text = "Two villagers were hurt in Uri on Monday where shells landed near their homes, police said."
    types = {e.type for e in run(text)}
    assert "arrival" not in types and "gunfire" in types


def test_deaths_told_before_their_cause_are_one_happening_of_the_cause(nlp):
    text = (
        "Three civilians were killed in Uri on Monday when Pakistani troops shelled the village, police said."
    )
    events = [e for e in run(text) if e.lat is not None]
    assert [e.type for e in events] == ["gunfire"]


def test_blasts_from_a_missile_strike_are_one_missile_launch(nlp):
    text = (
        "Several explosions were heard in Panjgur on Tuesday night. "
        "Officials said the explosions were caused by missiles fired from across the border at Panjgur."
    )
    events = [e for e in run(text) if e.lat is not None]
    assert [e.type for e in events] == ["missile_launch"]


def test_what_happens_every_day_is_no_event(nlp):
    text = "Thousands of traders cross the border between Chaman and Spin Boldak every day."
    assert run(text) == []


def test_tear_gas_fired_at_migrants_is_other_not_gunfire(nlp):
    text = "Polish police fired tear gas at migrants near Kuznica on Tuesday, officials said."
    types = {e.type for e in run(text)}
    assert "other" in types and "gunfire" not in types


def test_a_shell_that_kills_is_gunfire(nlp):
    text = "A shell killed five people in Akcakale on Wednesday, officials said."
    assert [e.type for e in run(text)] == ["gunfire"]


def test_a_closed_crossing_is_a_place_not_a_crossing(nlp):
    text = "Pakistan closed the Torkham border crossing on Wednesday after the clash, officials said."
    assert "border_crossing" not in {e.type for e in run(text)}


def test_people_described_by_a_participle_are_not_a_second_event(nlp):
    text = "Dozens of defectors detained in Jilin were deported to North Korea on Monday, activists said."
    assert [e.type for e in run(text)] == ["repatriation"]


def test_a_headline_is_the_same_happening_as_the_body(nlp):
    text = (
        "Thai guards fire warning shots at border\n\n"
        "A Cambodian patrol crossed the border near Aranyaprathet on Tuesday. "
        "Two of its soldiers were detained by Thai troops. "
        "Commanders of both sides held talks at the crossing the same day. "
        "Thai guards had fired warning shots near Aranyaprathet as the patrol approached, the army said."
    )
    gunfire = [e for e in run(text) if e.type == "gunfire"]
    assert len(gunfire) == 1 and gunfire[0].place == "Aranyaprathet"
    assert len(gunfire[0].extra["mentions"]) == 2  # the headline kept as provenance


# -- actors on real text -------------------------------------------------------------------------------------


def test_actors_from_forces_relative_clauses_and_attempts(nlp):
    cases = {
        "Azerbaijani forces opened fire at Armenian positions near Sotk on Tuesday.": "forces",
        "Police found 34 migrants who had crossed the border near Kuznica on Monday.": "34 migrants",
        "Riot police used tear gas against refugees trying to cross the border near Roszke on Tuesday.": (
            "refugees"
        ),
        "The South returned fire near Yeonpyeong Island on Monday, officials said.": "South",
    }
    for text, who in cases.items():
        actors = [a.text for e in run(text) for a in e.actors]
        assert any(who in a for a in actors), (text, actors)


def test_a_section_title_in_capitals_is_no_event(nlp):
    text = "CROSSING BY BOAT\n\nThe fishermen were questioned in Incheon on Monday, officials said."
    assert "border_crossing" not in {e.type for e in run(text)}


def test_a_vague_first_date_is_not_the_lead_date(nlp):
    text = (
        "More than 300 ceasefire violations have been reported this year, officials said.\n\n"
        "Two soldiers were wounded near Uri when troops fired across the line, the army said."
    )
    (event,) = [e for e in run(text) if e.type == "gunfire"]
    assert event.date_start >= "2026-11-20" and event.date_end <= "2026-11-26"  # the publication week


def test_counted_events_are_a_statistic(nlp):
    for text in (
        "More than 300 ceasefire violations were recorded along the Line of Control near Uri, officials said.",
        "Hundreds of illegal crossings were reported near Eagle Pass, officials said.",
    ):
        assert [e for e in run(text) if not e.background] == [], text


def test_a_sea_is_placed_at_the_line_the_article_names_in_it(nlp):
    text = (
        "Navy ships of the two Koreas exchanged fire in the Yellow Sea on Tuesday, the military said.\n\n"
        "The clash was the first in years along the Northern Limit Line, the disputed maritime border."
    )
    (event,) = [e for e in run(text) if e.type == "gunfire"]
    assert event.lat is not None and abs(event.lat - 37.7) < 1.0 and abs(event.lon - 125.4) < 1.0


# -- the other happenings of border news (the guide's `other`) -----------------------------------------------


def test_a_closure_a_body_found_and_a_fence_built_are_other_events(nlp):
    cases = [
        "The main trade route, the Friendship Gate crossing, was closed on Tuesday after the clash near Chaman.",
        "A body was found in the river near Eagle Pass on Tuesday, officials said.",
        "Border guards began building a fence at the checkpoint near Salla on Monday.",
    ]
    for text in cases:
        assert [e.type for e in run(text)] == ["other"], text


def test_a_state_of_things_and_an_offer_of_talks_are_no_event(nlp):
    for text in (
        "The roads between the two countries have long been shut near Kaesong, officials said.",
        "Merchants in Dandong will take the opportunity to develop trade negotiations next year.",
    ):
        assert run(text) == [], text


def test_once_the_firing_started_is_the_news_not_history(nlp):
    text = (
        "Troops exchanged fire at the crossing near Chaman on Wednesday, officials said.\n\n"
        "Residents of Chaman said families fled once the firing started."
    )
    assert all(not e.background for e in run(text))


def test_a_town_inside_a_big_state_beats_the_state(nlp):
    text = (
        "Migrants crossed the Rio Grande at El Paso on Monday, officials said.\n\n"
        "A body was found in Texas on Tuesday, the sheriff said."
    )
    found = [e for e in run(text) if e.type == "other"]
    assert [e.place for e in found] == ["El Paso"]


# -- long lines: the part the article is about ---------------------------------------------------------------


def test_a_compass_word_places_a_line_at_that_part(nlp):
    text = (
        "Officials said the two fishermen were captured near the Northern Limit Line off South Korea's east "
        "coast on Saturday. Separately, talks were held at Panmunjom on Monday."
    )
    (event,) = [e for e in run(text) if e.type == "detention"]
    assert abs(event.lat - 38.6) < 0.5 and abs(event.lon - 128.7) < 0.5  # the East Sea, not the Yellow Sea
    assert event.extra["place_rule"] == "line-section"
    text = "A North Korean soldier crossed the eastern section of the Military Demarcation Line on Friday."
    (event,) = [e for e in run(text) if e.type == "border_crossing"]
    assert event.lon > 128.0


def test_a_long_line_is_placed_at_the_town_the_article_names_along_it(nlp):
    text = (
        "Indian and Chinese troops clashed along the Line of Actual Control on Friday, the army said.\n\n"
        "The clash took place in the Tawang sector of Arunachal Pradesh."
    )
    (event,) = [e for e in run(text) if e.type == "other"]
    assert event.place.startswith("Tawang")


def test_the_article_names_the_part_of_the_line_once_and_the_speakers_city_is_not_the_place(nlp):
    text = (
        "A North Korean soldier fled across the Military Demarcation Line on Saturday, the military in Seoul "
        "said.\n\nSouth Korean troops found him south of the eastern side of the border, officials said."
    )
    (event,) = [e for e in run(text) if e.type == "defection"]
    assert event.place != "Seoul" and event.lon > 128.0  # the eastern front, not the capital


def test_a_soldier_who_asked_for_asylum_at_a_guard_post_defected(nlp):
    text = "A North Korean soldier travelled across the border and asked for asylum at a guard post near Goseong."
    assert {e.type for e in run(text)} & {"defection", "border_crossing"}


def test_a_post_in_a_town_is_the_post(nlp):
    text = "The pilot returned to India through the Wagah border post in Amritsar on Friday, officials said."
    (event,) = [e for e in run(text) if e.type in ("repatriation", "border_crossing")]
    assert event.place.startswith("Wagah")


def test_a_place_of_another_happening_or_a_capital_is_not_the_place(nlp):
    text = (
        "BEIRUT (AP) - Hezbollah fired missiles at an Israeli border post on Sunday in what it called payback "
        "for a drone strike in the Beirut suburbs.\n\nIsrael is pushing back against Iranian aggression."
    )
    events = run(text)
    assert all(e.place != "Beirut" for e in events if e.type == "missile_launch")
    assert "repatriation" not in {e.type for e in events}


def test_what_will_happen_what_happens_sometimes_and_press_talk_are_no_events(nlp):
    for text in (
        "The pilot will be questioned by officials before he is taken to Lahore, officials said.",
        "Border agents sometimes rescue migrants near Eagle Pass, officials said.",
        "Migrants are detained more and more often near Kuznica, officials said.",
        "The customs chief was talking to reporters during a visit to Torkham on Tuesday.",
        "The two delegations have held several rounds of talks in recent years near Isfara.",
    ):
        assert [e for e in run(text) if not e.background] == [], text


def test_near_the_border_with_a_country_is_the_town_on_either_side(nlp):
    text = (
        "Rice farmers in Chiang Saen were told to keep out of the fields by the river.\n\n"
        "A farmer was hurt on Saturday when a mine exploded near the border with Laos, police said."
    )
    (blast,) = [e for e in located(run(text)) if e.type == "explosion"]
    assert blast.place == "Chiang Saen" and blast.country == "TH"  # Thailand borders Laos; not Laos' centre


def test_handed_back_armed_clashes_and_agents_encountering_migrants(nlp):
    handed = run(
        "A Chinese soldier held since Friday was handed back to China at Wagah on Monday, the army said."
    )
    assert "repatriation" in {e.type for e in handed}
    clashes = run("Armed clashes erupted on Monday in the border town of Ras Jedir, the ministry said.")
    assert [e.type for e in located(clashes)] == ["gunfire"]
    met = run("Border Patrol agents encountered 168 migrants near Roma, Texas, on Tuesday.")
    assert [e.type for e in located(met)] == ["detention"]
    assert not run("Travellers encountered long delays at the crossing on Tuesday.")
    found = run("Soldiers found 17 more mines near the river at Yeoncheon on Sunday, the army said.")
    assert [e.type for e in located(found)] == ["other"]
    stones = run("Villagers threw stones at border guards near Kuznica on Monday, police said.")
    assert [e.type for e in located(stones)] == ["other"]


def test_birds_the_wounded_the_fray_and_where_a_speaker_sat_are_no_events_or_places(nlp):
    assert not run("Some two thousand cranes have arrived near Cheorwon this winter, bird watchers said.")
    assert not run("Many of the wounded are coming from villages around Sittwe, aid workers said on Monday.")
    assert not run("Police and soldiers quickly entered the fray at the market in Mae Sot on Monday.")
    text = (
        "In Washington, an official said on Monday that two men were detained after they crossed the border."
    )
    assert [e.type for e in run(text)] and all(e.place != "Washington" for e in run(text))
    reported = run(
        "Explosions were reported on Tuesday night in Panjgur, near the Iranian border, police said."
    )
    assert [(e.type, e.place) for e in located(reported)] == [("explosion", "Panjgur")]  # not who spoke


def test_a_line_is_placed_at_a_place_on_it_before_a_town_inland_named_nearer(nlp):
    text = (
        "Two North Korean patrol boats crossed the Northern Limit Line west of Yeonpyeong Island on Saturday.\n\n"
        "The wounded were flown to a military hospital in Seongnam.\n\n"
        "South Korean warships fired warning shots across the NLL, the JCS added."
    )
    (shots,) = [e for e in run(text) if e.type == "gunfire"]
    assert shots.place == "Yeonpyeong Island"  # on the line, not Seongnam, 130 km inland
