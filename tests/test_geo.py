"""The offline geoparser: gazetteer build, recognition, resolution of ambiguous names, commands."""

import json
import math
import os
import sqlite3
import time

import pytest
from click.testing import CliRunner

from events import geo, nlp
from events.errors import InputError
from events.geo import gazetteer as gz

SEED = (
    "Seoul, South Korea – In a dramatic turn of events, two North Korean soldiers have reportedly defected "
    "across the heavily fortified border into South Korea. The incident has prompted discussions among South "
    "Koreans, particularly in communities near the Demilitarized Zone (DMZ). The defection comes amid ongoing "
    "tensions on the Korean Peninsula, as North Korea continues to grapple with sanctions."
)


def km(a, b) -> float:
    (lat1, lon1), (lat2, lon2) = a, b
    p1, p2 = math.radians(lat1), math.radians(lat2)
    h = (
        math.sin((p2 - p1) / 2) ** 2
        + math.cos(p1) * math.cos(p2) * math.sin(math.radians(lon2 - lon1) / 2) ** 2
    )
    return 2 * 6371 * math.asin(math.sqrt(h))


@pytest.fixture(scope="session")
def built(tmp_path_factory):
    """A gazetteer built once into a temp cache dir, used by every geo test of the session."""
    cache = tmp_path_factory.mktemp("cache")
    before = os.environ.get("EVENTS_CACHE_DIR")
    os.environ["EVENTS_CACHE_DIR"] = str(cache)
    stats = gz.build()
    yield stats
    if before is None:
        os.environ.pop("EVENTS_CACHE_DIR", None)
    else:
        os.environ["EVENTS_CACHE_DIR"] = before


def places(text: str) -> dict[str, object]:
    """Surface text -> Toponym of an end-to-end geoparse (last mention wins)."""
    return {text[t.start : t.end]: t for t in geo.geoparse(nlp.parse(text))}


def test_build_writes_an_indexed_file_with_every_source(built):
    assert built["entries"] > 230_000 and built["names"] > built["entries"]
    conn = sqlite3.connect(built["path"])
    kinds = dict(conn.execute("SELECT kind, COUNT(*) FROM entries GROUP BY kind"))
    indexes = {row[0] for row in conn.execute("SELECT name FROM sqlite_master WHERE type = 'index'")}
    fingerprint = conn.execute("SELECT value FROM meta WHERE key = 'fingerprint'").fetchone()[0]
    conn.close()
    assert kinds["country"] > 200 and kinds["admin1"] > 3000 and kinds["city"] > 200_000
    assert kinds["water"] > 100 and kinds["border"] >= 5 and kinds["island"] >= 2
    assert "names_norm" in indexes
    assert fingerprint == gz.fingerprint()


def test_ready_fast_after_build_and_stale_file_detected(built, tmp_path):
    started = time.perf_counter()
    fresh = gz.Gazetteer(built["path"])
    assert fresh.candidates("Panmunjom")[0].key == "bf:kr-jsa"
    assert time.perf_counter() - started < 1.0
    assert gz._fresh(gz.Path(built["path"]))
    stale = tmp_path / "old.sqlite"
    conn = sqlite3.connect(stale)
    conn.executescript(
        "CREATE TABLE meta (key TEXT, value TEXT); INSERT INTO meta VALUES ('fingerprint', 'old');"
    )
    conn.close()
    assert not gz._fresh(stale)


def test_normalize_folds_accents_case_punctuation_and_abbreviations():
    assert gz.normalize("Kuźnica") == "kuznica"
    assert gz.normalize("St. Louis") == gz.normalize("Saint Louis") == "saint louis"
    assert gz.normalize("U.S.") == "us"
    assert gz.normalize("Gyeonggi-do") == "gyeonggi do"
    # accents on decomposed and composed letters alike; letters with no decomposition folded by the table
    assert gz.normalize("Sa\u0303o Paulo") == gz.normalize("São Paulo") == "sao paulo"
    assert gz.normalize("Ærøskøbing") == "aeroskobing" and gz.normalize("Łódź") == "lodz"


def test_batched_lookup_gives_the_same_candidates_as_one_name_at_a_time(built):
    conn = sqlite3.connect(built["path"])
    # names with many entries and several kinds of match, across the 500-name chunks of one query
    norms = [
        row[0]
        for row in conn.execute(
            "SELECT norm FROM names GROUP BY norm HAVING COUNT(*) > 2 ORDER BY COUNT(*) DESC LIMIT 1200"
        )
    ]
    conn.close()
    norms += ["paris", "georgia", "punjab", "no such place at all"]
    one_by_one = gz.Gazetteer(built["path"])
    single = {norm: one_by_one.lookup_many([norm])[norm] for norm in norms}
    batched = gz.Gazetteer(built["path"]).lookup_many(norms)
    assert batched == single  # the same entries, in the same order, with the same kind of match
    assert len(single["paris"]) > 5 and single["no such place at all"] == ()
    assert {e.match for norm in norms for e in single[norm]} >= {gz.PRIMARY, gz.ALIAS, gz.ALTERNATE}
    assert one_by_one.lookup("paris") is single["paris"]  # cached, not fetched again


def test_curated_border_features_and_aliases(built):
    g = gz.gazetteer()
    assert {"bf:kr-dmz"} <= {e.key for e in g.candidates("Demilitarized Zone")}
    assert {"bf:kr-dmz"} <= {e.key for e in g.candidates("DMZ")}
    assert "bf:kr-jsa" in {e.key for e in g.candidates("Joint Security Area")}
    assert "bf:kr-jsa" in {e.key for e in g.candidates("truce village")}
    assert "a1:KR.13" in {e.key for e in g.candidates("Gyeonggi Province")}
    assert "cc:US" in {e.key for e in g.candidates("U.S.")}


def test_paris_texas_vs_paris(built):
    texas = geo.resolve("He grew up in Paris, Texas.", [(14, 19), (21, 26)])
    assert (texas[0].country, texas[0].admin1) == ("US", "US.TX")
    assert texas[0].runner_up and texas[0].runner_up["country"] == "FR"
    france = geo.resolve("She moved to Paris last year.", [(13, 18)])
    assert france[0].country == "FR"


def test_another_romanisation_of_a_name_the_gazetteer_lacks(built):
    text = "A truck bomb hit the army post at Ruqban; troops in Bakubah and in Naugam were on alert."
    spans = [(text.index(n), text.index(n) + len(n)) for n in ("Ruqban", "Bakubah", "Naugam")]
    ruqban, bakubah, naugam = geo.resolve(text, spans)
    assert ruqban.country == "JO" and km((ruqban.lat, ruqban.lon), (33.31, 38.70)) < 10  # GeoNames: Rukban
    assert bakubah.country == "IQ"  # GeoNames: Baqubah
    assert naugam.lat is None  # Nowgam is not in the gazetteer under any spelling: nothing is guessed
    assert geo.resolve("Met in Quom.", [(7, 11)])[0].lat is None  # short names are not respelt
    # Korean names in McCune-Reischauer (o for eo), one vowel at a time and before a type word
    text = "The wounded were flown from Yeonpyong Island to a hospital in Songnam."
    spans = [(text.index(n), text.index(n) + len(n)) for n in ("Yeonpyong Island", "Songnam")]
    island, town = geo.resolve(text, spans)
    assert island.kind == "island" and km((island.lat, island.lon), (37.67, 125.70)) < 10
    assert town.country == "KR" and km((town.lat, town.lon), (37.42, 127.13)) < 15  # Seongnam


def test_goseong_follows_the_dmz_and_the_province(built):
    north = places("Soldiers in Goseong, near the DMZ, heard gunfire from across the border.")
    assert north["Goseong"].admin1 == "KR.06"
    assert km((north["Goseong"].lat, north["Goseong"].lon), (38.38, 128.47)) < 20
    south = places("Fishermen in Goseong, South Gyeongsang Province, landed a record catch near Tongyeong.")
    assert south["Goseong"].admin1 == "KR.20"


def test_a_town_across_the_border_is_the_near_one_not_a_namesake_in_the_reporting_country(built):
    # A Paju-datelined story full of South Korean mentions: "Kaesong" is also an alternate name of Koesan
    # (KR, 140 km away); the town 30 km across the border is the one meant.
    text = (
        "PAJU, South Korea – North Korea blew up a road linking it to the South near Kaesong on Monday, "
        "the South Korean military said. South Korean troops fired warning shots, officials in Paju said."
    )
    kaesong = places(text)["Kaesong"]
    assert kaesong.country == "KP" and km((kaesong.lat, kaesong.lon), (37.97, 126.55)) < 20


def test_georgia_country_or_state_by_the_other_places(built):
    tbilisi = places("Protesters marched in Tbilisi on Sunday. Georgia has asked for talks with Russia.")
    assert tbilisi["Georgia"].kind == "country" and tbilisi["Georgia"].country == "GE"
    atlanta = places("Storms hit Atlanta on Sunday. Georgia officials opened shelters in Savannah and Macon.")
    assert atlanta["Georgia"].kind == "admin1" and atlanta["Georgia"].admin1 == "US.GA"


def test_punjab_in_pakistan_or_india(built):
    lahore = places("Floods swept through Lahore. Punjab authorities evacuated villages along the river.")
    assert lahore["Punjab"].country == "PK"
    amritsar = places("Floods swept through Amritsar. Punjab authorities evacuated villages along the river.")
    assert amritsar["Punjab"].country == "IN"


def test_recognition_finds_places_spacy_misses_and_drops_demonyms(built):
    found = places(
        "Police in Paju, Gyeonggi Province, said two North Korean soldiers crossed the DMZ "
        "near Panmunjom and walked toward the border town of Kaesong."
    )
    assert {"Paju", "Gyeonggi Province", "DMZ", "Panmunjom", "Kaesong"} <= set(found)
    assert "North Korean" not in found and "Korean" not in found
    assert found["Panmunjom"].kind == "site" and found["DMZ"].kind == "border"
    assert found["Paju"].admin1 == "KR.13"
    texas = places("Migrants waded across the Rio Grande near Eagle Pass, Texas, on Tuesday.")
    assert texas["Eagle Pass"].admin1 == "US.TX" and texas["Texas"].kind == "admin1"
    assert texas["Rio Grande"].kind == "water"


def test_seed_article_geoparses_the_korean_places(built):
    found = places(SEED)
    assert (
        found["Seoul"].kind == "city" and km((found["Seoul"].lat, found["Seoul"].lon), (37.57, 126.98)) < 20
    )
    assert found["South Korea"].country == "KR" and found["North Korea"].country == "KP"
    dmz = found["Demilitarized Zone"]
    assert dmz.kind == "border" and km((dmz.lat, dmz.lon), (38.3, 127.2)) < 50
    assert found["DMZ"].gazetteer_id == dmz.gazetteer_id
    assert found["Korean Peninsula"].country == "KR"
    assert all(t.score > 0.5 for t in found.values())
    assert not {"South", "North", "North Korean", "South Koreans"} & set(found)
    with_demonyms = geo.geoparse(nlp.parse(SEED), demonyms=True)
    assert any(SEED[t.start : t.end] == "North Korean" and t.country == "KP" for t in with_demonyms)


def test_place_of_dateline_and_geocode_candidates(built):
    seoul = geo.place_of("Seoul, South Korea")
    assert seoul.country == "KR" and km((seoul.lat, seoul.lon), (37.57, 126.98)) < 20
    eagle = geo.place_of("EAGLE PASS, Texas")
    assert eagle.admin1 == "US.TX"
    assert geo.place_of("Nowhere-in-particular-xyz") is None
    ranked = geo.geocode("Paris, Texas", limit=3)
    assert ranked[0].admin1 == "US.TX" and len(ranked) == 3
    assert ranked[0].score >= ranked[1].score >= ranked[2].score
    with pytest.raises(InputError):
        geo.geocode("  ")


def test_resolve_rejects_spans_outside_the_text(built):
    with pytest.raises(InputError, match="not inside"):
        geo.resolve("Seoul", [(0, 50)])


def test_cli_geocode_geoparse_and_resolve(built, tmp_path):
    from events.cli import main

    runner = CliRunner()
    result = runner.invoke(main, ["geocode", "Panmunjom"])
    assert result.exit_code == 0, result.output
    first = result.output.splitlines()[0].split()
    assert first[-2:] == ["bf:kr-jsa", "Panmunjom"] and abs(float(first[1]) - 37.96) < 0.1
    missing = runner.invoke(main, ["geocode", "Qqqxyzzy"])
    assert missing.exit_code == 1 and "no place" in missing.output

    source = tmp_path / "in.jsonl"
    source.write_text(json.dumps({"id": "a", "text": "Shots were fired near Panmunjom, in the DMZ."}) + "\n")
    result = runner.invoke(main, ["geoparse", str(source), "--format", "jsonl"])
    assert result.exit_code == 0, result.output
    row = json.loads(result.output)
    assert row["id"] == "a" and {t["name"] for t in row["toponyms"]} == {"Panmunjom", "DMZ"}
    assert set(row["toponyms"][0]) == {"start", "end", "name", "lat", "lon", "country", "kind", "score"}

    source.write_text(
        json.dumps({"id": "b", "text": "Paris, Texas", "toponyms": [{"start": 0, "end": 5}]})
        + "\n"
        + "{broken\n"
    )
    result = runner.invoke(main, ["resolve", str(source), "--format", "jsonl"])
    assert result.exit_code == 1
    row = json.loads(result.output.splitlines()[0])
    assert row["toponyms"][0]["country"] == "US" and row["toponyms"][0]["lat"] is not None
    assert "line 2: not JSON" in result.output


def test_second_level_regions_hold_their_towns(built):
    suffolk = [e for e in gz.gazetteer().candidates("Suffolk") if e.kind == "admin2"]
    assert suffolk and suffolk[0].country == "GB" and suffolk[0].admin1 == "GB.ENG"
    assert km((suffolk[0].lat, suffolk[0].lon), (52.19, 1.0)) < 60  # the county, not the Virginia city
    text = "Hogs were culled at a farm in Pandi, Bulacan, north of Manila."
    pandi, bulacan = geo.resolve(text, [(30, 35), (37, 44)])
    assert pandi.country == "PH" and km((pandi.lat, pandi.lon), (14.87, 120.95)) < 20
    assert bulacan.country == "PH" and km((bulacan.lat, bulacan.lon), (14.9, 120.96)) < 40  # town or province
    province = [e for e in gz.gazetteer().candidates("Bulacan") if e.kind == "admin2"]
    assert province and province[0].admin1 == "PH.03"


def test_the_clause_that_defines_a_place_names_its_containers(built):
    text = "Salem is a town in New London County, Connecticut, United States. Salem was settled in 1700."
    salem = geo.resolve(text, [(0, 5), (66, 71)])
    assert all(t.admin1 == "US.CT" and km((t.lat, t.lon), (41.49, -72.28)) < 20 for t in salem)
    # no Albany of Vermont in the gazetteer: the county named is a better answer than New York's Albany
    albany = geo.resolve("Albany is a town in Orleans County, Vermont, United States.", [(0, 6)])[0]
    assert albany.admin1 == "US.VT" and albany.kind == "region"
    assert km((albany.lat, albany.lon), (44.73, -72.38)) < 50
    assert albany.score < 0.5  # reported with doubt: the town itself was not found


def test_counties_by_their_bare_name_and_countries_before_alternate_names(built):
    text = "Flooding closed roads in Clarke and Oconee counties on Monday, Georgia officials said."
    clarke, oconee = geo.resolve(text, [(25, 31), (36, 42)])
    assert (clarke.kind, clarke.admin1) == ("region", "US.GA") and (oconee.kind, oconee.admin1) == (
        "region",
        "US.GA",
    )
    chile = geo.resolve("Cases were confirmed in Chile, and in Istanbul, Turkey.", [(24, 29)])[0]
    assert chile.kind == "country" and chile.country == "CL"  # not Şile, whose other names include Chile


def test_defining_clause_after_an_aside_and_settlement_words(built):
    # the town of Perth, not Perth County (which lies 250 km west): "a town" says which
    perth = geo.resolve("Perth /pɜːrθ/ is a town in Eastern Ontario, Canada.", [(0, 5)])[0]
    assert perth.kind == "city" and km((perth.lat, perth.lon), (44.90, -76.25)) < 20
    text = "The dead birds were found at Cellardyke, Fife, on the east coast of Scotland."
    cellardyke = geo.resolve(text, [(29, 39)])[0]  # not in the gazetteer: placed in its county, with doubt
    assert cellardyke.admin1 == "GB.SCT" and cellardyke.kind == "region" and cellardyke.score < 0.5


def test_surnames_after_a_suffix_are_not_places(nlp):
    from events.geo.recognize import _surname

    doc = nlp("Ties soured under the administration of George Bush Jr, officials said.")
    person = next(ent for ent in doc.ents if ent.label_ == "PERSON")
    assert person.text == "George Bush Jr" and _surname(person) == "Bush"


def test_a_county_or_province_yields_to_its_seat_town_and_curated_features(built):
    found = places("Turkish gendarmes caught 18 migrants trying to cross into Greece near Edirne on Friday.")
    assert (
        found["Edirne"].kind == "city" and km((found["Edirne"].lat, found["Edirne"].lon), (41.68, 26.56)) < 10
    )
    text = "Greek authorities returned 30 migrants to Turkey across the Evros on Sunday."
    evros = geo.resolve(text, [(text.index("Evros"), text.index("Evros") + 5)])[0]
    assert evros.kind == "water"  # the border river, not the Greek regional unit named after it


def test_airports_from_the_airportsdata_package(built):
    text = "The defectors landed at Incheon International Airport on Tuesday."
    (airport,) = geo.resolve(text, [(24, 53)])
    assert (
        airport.kind == "site"
        and airport.country == "KR"
        and km((airport.lat, airport.lon), (37.47, 126.45)) < 5
    )
    (heathrow,) = geo.resolve("Flights left Heathrow Airport late.", [(13, 29)])
    assert heathrow.country == "GB" and km((heathrow.lat, heathrow.lon), (51.47, -0.46)) < 5
    assert places(text)["Incheon International Airport"].kind == "site"


def test_a_place_said_to_be_in_a_region_has_no_namesake_abroad(built):
    def one(text, name):
        start = text.index(name)
        return geo.resolve(text, [(start, start + len(name))])[0]

    # no Fronton in Texas in the gazetteer: unresolved, not the French town of that name
    fronton = one("Gunmen fired at agents near the South Texas city of Fronton on Friday.", "Fronton")
    assert fronton.country != "FR"
    # "Ban Tuan" is an other name of Phanom Thuan, a town of another province: not it
    ban_tuan = one("A rocket struck an area near Ban Tuan in Si Sa Ket province, Thailand.", "Ban Tuan")
    assert ban_tuan.admin1 in ("", "TH.30")
    # "the Don Tuan temple": the first word of a longer name is not the river or the French town Don
    assert "Don" not in places("Rockets hit the Don Tuan temple ruins in Si Sa Ket province, Thailand.")


def test_the_province_of_a_name_is_the_province_not_its_town(built):
    text = "Troops fired at a base in the northeastern province of Surin on Thursday."
    start = text.index("Surin")
    (surin,) = geo.resolve(text, [(start, start + 5)])
    assert surin.kind == "admin1" and surin.country == "TH"


def test_the_famous_reading_of_a_name_wins_without_local_evidence(built):
    def one(text, name):
        start = text.index(name)
        return geo.resolve(text, [(start, start + len(name))])[0]

    china = one("China raised tariffs on soybeans, its trade ministry said on Monday.", "China")
    assert china.kind == "country" and china.country == "CN"
    town = one("A barn burned down in China, Maine, on Tuesday night.", "China")
    assert town.kind == "city" and town.admin1 == "US.ME"  # the explicit container is local evidence
    eu = one("The EU agreed new sanctions on Tuesday.", "EU")
    assert eu.name == "EU" and eu.country == "" and eu.kind == "region"  # the Union, not Eu in Normandy
    washington = one("In Washington, a State Department official said the talks would go on.", "Washington")
    assert washington.admin1 == "US.DC"  # the capital, not the state
    text = "Seattle and Spokane lie in Washington, which voted on Tuesday."
    spans = [(text.index(n), text.index(n) + len(n)) for n in ("Seattle", "Spokane", "Washington")]
    state = geo.resolve(text, spans)[2]
    assert state.kind == "admin1" and state.admin1 == "US.WA"  # local evidence still wins
    heathrow = one("Flights left Heathrow late on Friday.", "Heathrow")
    assert heathrow.country == "GB" and heathrow.kind == "site"  # the airport, not the Florida village


def test_a_dateline_abroad_and_a_list_of_states_do_not_decide_a_world_name(built):
    # the reporter in London writes about the US capital, not about Washington, Tyne and Wear
    found = places("LONDON, March 3 - Officials in Washington said the talks at the White House would go on.")
    assert found["Washington"].admin1 == "US.DC"
    # ... while a dateline next door is local evidence for the homonym
    found = places("SUNDERLAND, England - Police in Washington said a car was stolen on Tuesday.")
    assert found["Washington"].country == "GB"
    # a place inside the world city says the city; a list of states says the state
    city = places("Police in New York said a man was arrested in Manhattan after the parade.")["New York"]
    assert city.kind == "city" and km((city.lat, city.lon), (40.71, -74.01)) < 10
    state = places("The governors of New York, California and Texas met on Monday.")["New York"]
    assert state.kind == "admin1" and state.admin1 == "US.NY"


def test_macro_regions_and_demonyms_given_as_spans_resolve(built):
    def one(name):
        return geo.resolve(name, [(0, len(name))])[0]

    north_africa, sahel, west_coast = one("North Africa"), one("the Sahel"), one("the West Coast")
    assert north_africa.kind == "region" and 20 < north_africa.lat < 35 and 0 < north_africa.lon < 25
    assert sahel.kind == "region" and 10 < sahel.lat < 20  # the belt, not Burkina Faso's Sahel region
    assert west_coast.country == "US" and west_coast.lon < -115  # the US Pacific states, not New Zealand
    assert one("Canadian").country == "CA" and one("Kurdish").kind == "region"
    assert one("European").gazetteer_id == "ct:EU" and one("Central American").kind == "region"
