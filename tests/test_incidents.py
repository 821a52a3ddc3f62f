"""Incidents: reports of one happening merge; similar but distinct happenings do not."""

import random
import time
from datetime import date, timedelta

import pandas as pd

from events.incidents import assign_incidents, group_incidents

PAJU = (37.7599, 126.7802)


def event(
    article,
    type_="defection",
    lat=PAJU[0],
    lon=PAJU[1],
    day="2026-05-03",
    precision="exact",
    date_precision="day",
    source="",
    affiliation="KP",
    place="Paju",
    seq=0,
    confidence=0.8,
    published=None,
    date_end=None,
):
    """One row as Store.query returns it."""
    return {
        "id": f"{article}#{seq}",
        "article_id": article,
        "seq": seq,
        "type": type_,
        "place": place,
        "lat": lat,
        "lon": lon,
        "country": "KR",
        "geo_precision": precision,
        "location_source": "sentence",
        "date": day,
        "date_start": day,
        "date_end": date_end or day,
        "date_precision": date_precision,
        "actors": [{"text": "a soldier", "count": 1, "affiliation": affiliation, "role": "soldier"}],
        "sentence": f"sentence of {article}",
        "start": 0,
        "end": 10,
        "confidence": confidence,
        "title": f"title {article}",
        "url": f"https://{source or 'x'}.example/{article}",
        "source": source,
        "published": published or day,
    }


def test_three_outlets_one_incident():
    frame = pd.DataFrame(
        [
            event("herald-1", source="Border Herald"),
            # another outlet calls it a border crossing, places it only in the province, a day later
            event(
                "wire-7",
                type_="border_crossing",
                lat=37.60,
                lon=127.25,
                precision="region",
                place="Gyeonggi",
                day="2026-05-04",
                source="Rio Wire",
                published="2026-05-05",
            ),
            # a weekly round-up: dated to the week, placed near Paju
            event(
                "weekly-3",
                lat=37.80,
                lon=126.70,
                precision="near",
                date_precision="week",
                day="2026-05-01",
                date_end="2026-05-07",
                source="DMZ Weekly",
                published="2026-05-08",
                affiliation="",
            ),
        ]
    )
    incidents = group_incidents(frame)
    assert len(incidents) == 1
    row = incidents.iloc[0]
    assert row.n_sources == 3 and row.n_reports == 3 and row.n_events == 3
    assert row.first_report == "2026-05-03" and row.last_report == "2026-05-08"
    assert row.place == "Paju" and row.geo_precision == "exact"  # the best-placed report
    assert row.date_start == "2026-05-03" and row.date_precision == "day"  # the best-dated report
    assert [s["source"] for s in row.sources] == ["Border Herald", "Rio Wire", "DMZ Weekly"]
    assert sorted(row.event_ids) == ["herald-1#0", "weekly-3#0", "wire-7#0"]
    assigned = assign_incidents(frame)
    assert assigned["incident"].nunique() == 1 and assigned["incident"].iloc[0] == row.incident


def test_same_place_ten_days_apart_are_two_incidents():
    frame = pd.DataFrame([event("a", source="A"), event("b", source="B", day="2026-05-13")])
    assert len(group_incidents(frame)) == 2


def test_same_day_hundred_km_apart_are_two_incidents():
    goseong = (38.38, 128.47)  # about 160 km east of Paju, on the same border
    frame = pd.DataFrame([event("a", source="A"), event("b", source="B", lat=goseong[0], lon=goseong[1])])
    assert len(group_incidents(frame)) == 2


def test_different_families_and_disjoint_actors_do_not_merge():
    frame = pd.DataFrame(
        [
            event("a", source="A"),
            event("b", type_="gunfire", source="B"),
            event("c", source="C", affiliation="CN"),  # a Chinese national, not the North Korean soldier
        ]
    )
    assert len(group_incidents(frame)) == 3


def test_vague_or_unplaced_events_stay_alone():
    frame = pd.DataFrame(
        [
            event("a", source="A"),
            event("b", source="B", day="2026-01-01", date_end="2026-12-31", date_precision="year"),
            event("c", source="C", lat=None, lon=None, precision="unknown"),
        ]
    )
    incidents = group_incidents(frame)
    assert len(incidents) == 3 and set(incidents["n_sources"]) == {1}


def test_one_outlet_twice_is_one_source():
    frame = pd.DataFrame(
        [event("a", source="A"), event("b", source="A", day="2026-05-04"), event("a", seq=1, source="A")]
    )
    (row,) = group_incidents(frame).itertuples()
    assert (row.n_events, row.n_reports, row.n_sources) == (3, 2, 1)


def test_empty_frame():
    empty = pd.DataFrame(columns=list(event("a")))
    assert group_incidents(empty).empty and "incident" in assign_incidents(empty)


def test_daily_reports_at_a_busy_crossing_do_not_chain():
    """A crossing reported every day for a month is not one month-long incident."""
    frame = pd.DataFrame(
        [
            event(
                f"d{n}",
                type_="border_crossing",
                lat=28.709,
                lon=-100.499,
                day=(date(2026, 3, 1) + timedelta(days=n)).isoformat(),
                source=f"S{n % 3}",
                affiliation="",
            )
            for n in range(30)
        ]
    )
    incidents = group_incidents(frame)
    spans = pd.to_datetime(incidents["last_report"]) - pd.to_datetime(incidents["first_report"])
    assert len(incidents) >= 7 and spans.max() <= pd.Timedelta(days=3)


def test_vague_report_does_not_bridge_two_incidents():
    goseong = (38.38, 128.47)
    frame = pd.DataFrame(
        [
            event("country-wide", precision="country", lat=36.5, lon=127.9, place="South Korea", source="C"),
            event("paju", source="A"),
            event("goseong", lat=goseong[0], lon=goseong[1], place="Goseong", source="B"),
        ]
    )
    incidents = group_incidents(frame)
    assert sorted(incidents["n_events"]) == [1, 2]  # the vague report joins one of them, not both
    assert set(incidents["geo_precision"]) == {"exact"}


def test_ten_thousand_events_in_seconds():
    rng = random.Random(3)
    rows = []
    for n in range(10_000):
        lat, lon = rng.choice([PAJU, (28.71, -100.50), (53.15, 23.90), (50.95, 1.85)])
        day = (date(2025, 1, 1) + timedelta(days=rng.randrange(365))).isoformat()
        rows.append(
            event(
                f"a{n}",
                type_=rng.choice(["defection", "border_crossing", "gunfire"]),
                lat=lat + rng.uniform(-0.3, 0.3),
                lon=lon + rng.uniform(-0.3, 0.3),
                day=day,
                source=f"outlet{rng.randrange(30)}",
                affiliation=rng.choice(["", "KP", "MX"]),
            )
        )
    frame = pd.DataFrame(rows)
    began = time.perf_counter()
    incidents = group_incidents(frame)
    assert time.perf_counter() - began < 5.0
    assert incidents["n_events"].sum() == 10_000
