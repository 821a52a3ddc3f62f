"""Exports written and parsed back: CSV (provenance, formula guard), GeoJSON (RFC 7946), JSONL, HTML."""

import csv
import io
import json

import pyarrow.parquet as pq
import pytest
from conftest import XSS_IMG, XSS_SCRIPT

from events import export
from events.errors import InputError
from events.models import Actor, Article, Event, ontology
from events.store import Filters

FILTERS = Filters(start="2026-08-01", types=("arrival", "border_crossing", "detention", "talks"))


def _write(frame, fmt, filters=FILTERS) -> str:
    out = io.StringIO()
    export.export(frame, fmt, out, filters)
    return out.getvalue()


def test_csv_has_provenance_and_filter(sample_store):
    frame = sample_store.query(FILTERS)
    rows = list(csv.DictReader(io.StringIO(_write(frame, "csv"))))
    assert len(rows) == len(frame) == 7
    korea = next(r for r in rows if r["id"] == "demo-korea#0")
    assert korea["article_id"] == "demo-korea" and korea["url"] == "https://example.org/korea"
    assert korea["title"] == "Two soldiers defect across the DMZ"
    assert korea["sentence"].startswith("Two North Korean soldiers crossed")
    assert (korea["start"], korea["end"], korea["trigger"]) == ("0", str(len(korea["sentence"])), "crossed")
    assert korea["confidence"] == "0.9" and korea["geo_precision"] == "exact"
    assert korea["date_precision"] == "day" and korea["location_source"] == "sentence"
    assert korea["actors"] == "Two North Korean soldiers"
    assert json.loads(korea["filter"]) == {"start": "2026-08-01", "types": list(FILTERS.types)}
    talks = next(r for r in rows if r["type"] == "talks")
    assert talks["lat"] == "" and talks["lon"] == ""


@pytest.mark.parametrize("value", ['=HYPERLINK("http://x")', "+1+1", "-2+3", "@SUM(A1)"])
def test_csv_neutralises_formulas(db_path, value):
    from events.store import Store

    store = Store(str(db_path))
    article = Article(id="f", title=value, text=f"{value} crossed the border.", source=value)
    store.add(
        article,
        [
            Event(
                article_id="f",
                type="border_crossing",
                sentence=article.text,
                start=0,
                end=len(article.text),
                actors=(Actor(value),),
                place=value,
            )
        ],
    )
    row = next(csv.DictReader(io.StringIO(_write(store.query(), "csv", None))))
    for column in ("title", "source", "place", "actors", "sentence"):
        assert row[column].startswith("'" + value[0]), column


def test_geojson_is_rfc7946_with_filter(sample_store):
    frame = sample_store.query(FILTERS)
    doc = json.loads(_write(frame, "geojson"))
    assert doc["type"] == "FeatureCollection"
    assert doc["filter"] == {"start": "2026-08-01", "types": list(FILTERS.types)}
    features = {f["id"]: f for f in doc["features"]}
    assert len(features) == len(frame)
    dover = features["demo-channel#0"]
    assert dover["geometry"] == {"type": "Point", "coordinates": [1.313, 51.125]}  # lon, lat
    assert dover["properties"]["sentence"] == "Three small boats reached Dover on Sunday."
    assert dover["properties"]["url"] == "ftp://example.org/dover"
    assert features["demo-channel#1"]["geometry"] is None  # no coordinates: null geometry, still listed
    for f in doc["features"]:
        if f["geometry"]:
            lon, lat = f["geometry"]["coordinates"]
            assert -180 <= lon <= 180 and -90 <= lat <= 90


def test_jsonl_matches_the_event_contract(sample_store):
    from conftest import sample_articles

    frame = sample_store.query(Filters(include_background=True))
    lines = [json.loads(line) for line in _write(frame, "jsonl", None).splitlines()]
    originals = {(e.article_id, e.seq): e.to_contract() for _, events in sample_articles() for e in events}
    assert len(lines) == len(originals)
    for line in lines:
        expected = originals[(line["article_id"], line["seq"])]
        assert list(line) == [*expected, "cameo", "plover", "filter"]
        assert {k: line[k] for k in expected} == expected
        assert (line["cameo"], line["plover"]) == (
            ontology()[line["type"]]["cameo"],
            ontology()[line["type"]]["plover"],
        )
        assert line["filter"] == {}  # written without filters


def test_every_format_the_page_offers_parses_and_carries_the_filter(sample_store):
    """What page.DOWNLOADS offers: each file parses, holds the filtered events with their background flag and
    codes, and states the filter."""
    from events.page import DOWNLOADS

    frame = sample_store.query(FILTERS)
    files = {fmt: export.to_bytes(frame, fmt, FILTERS) for _, fmt, *_ in DOWNLOADS}
    assert set(files) == {"csv", "geojson", "jsonl", "parquet", "html"}
    used = {"start": "2026-08-01", "types": list(FILTERS.types)}
    rows = list(csv.DictReader(io.StringIO(files["csv"].decode())))
    assert len(rows) == 7 and {r["background"] for r in rows} == {"false"}
    assert all(json.loads(r["filter"]) == used for r in rows)
    korea = next(r for r in rows if r["id"] == "demo-korea#0")
    assert (korea["type"], korea["cameo"], korea["plover"]) == ("border_crossing", "0233", "MIGRATE")
    geo = json.loads(files["geojson"])
    assert geo["filter"] == used and len(geo["features"]) == 7
    assert all({"background", "cameo", "plover"} <= set(f["properties"]) for f in geo["features"])
    lines = [json.loads(line) for line in files["jsonl"].decode().splitlines()]
    assert len(lines) == 7 and all(line["filter"] == used for line in lines)
    table = pq.read_table(io.BytesIO(files["parquet"]))
    assert table.num_rows == 7 and {"background", "cameo", "plover"} <= set(table.column_names)
    assert json.loads(table.schema.metadata[b"border_events"])["filter"] == used
    page = files["html"].decode()
    assert "<title>Border events (start=2026-08-01; types=arrival,border_crossing" in page


def test_offsets_stay_integers_beside_nulls(sample_store):
    frame = sample_store.query()
    frame.loc[0, "trigger_start"] = None  # one null makes pandas store the column as float
    frame["trigger_start"] = frame["trigger_start"].astype(float)
    lines = [json.loads(line) for line in _write(frame, "jsonl", None).splitlines()]
    assert lines[0]["trigger_start"] is None
    assert all(isinstance(line["trigger_start"], int) for line in lines[1:])
    rows = list(csv.DictReader(io.StringIO(_write(frame, "csv", None))))
    assert rows[0]["trigger_start"] == "" and "." not in rows[1]["trigger_start"]
    props = json.loads(_write(frame, "geojson", None))["features"][1]["properties"]
    assert isinstance(props["trigger_start"], int)


def test_html_export_is_standalone(sample_store):
    page = _write(sample_store.query(), "html")
    assert "/app/static/" not in page and "<script src=" not in page and '<link rel="stylesheet"' not in page
    assert "L.markerClusterGroup" in page and "leaflet" in page.lower()
    assert XSS_SCRIPT not in page and XSS_IMG not in page
    assert "<title>Border events (start=2026-08-01; types=arrival,border_crossing" in page


def test_unknown_format_names_it(sample_store):
    with pytest.raises(InputError, match="'xml'"):
        export.export(sample_store.query(), "xml", io.StringIO())
