"""The store on a real SQLite file and, when EVENTS_TEST_PG_URL is set, on a real PostgreSQL server."""

from datetime import date

import pytest
import sqlalchemy as sa

from events.errors import InputError, StoreError
from events.models import Actor, Article, Event
from events.store import MIGRATIONS, Added, Filters, Store


def article(n: int, **kw) -> Article:
    fields = {
        "id": f"a{n}",
        "text": f"Article {n} text about the border.",
        "title": f"Title {n}",
        "url": f"https://example.org/{n}",
        "published": date(2024, 1, 1),
        "source": "wire",
    }
    fields.update(kw)
    return Article(**fields)


def event(article_id: str, seq: int = 0, **kw) -> Event:
    fields = {
        "article_id": article_id,
        "seq": seq,
        "type": "defection",
        "sentence": "Two soldiers defected.",
        "start": 0,
        "end": 22,
        "trigger": "defected",
        "trigger_start": 13,
        "trigger_end": 21,
        "actors": (Actor("two soldiers", 2, "KP", "soldier"),),
        "place": "Panmunjom",
        "lat": 37.956,
        "lon": 126.677,
        "country": "KR",
        "geo_precision": "exact",
        "location_source": "sentence",
        "date": "2024-01-01",
        "date_start": "2024-01-01",
        "date_end": "2024-01-01",
        "date_precision": "day",
        "confidence": 0.8,
        "rule": "test",
    }
    fields.update(kw)
    return Event(**fields)


def test_migrate_creates_schema_and_version(store, store_url):
    names = set(sa.inspect(store.engine).get_table_names())
    assert {"schema_version", "articles", "events", "places"} <= names
    assert store.migrate() == len(MIGRATIONS)
    Store(store_url).close()  # reopening applies nothing twice
    with store.engine.connect() as conn:
        versions = [
            v for (v,) in conn.execute(sa.text("SELECT version FROM schema_version ORDER BY version"))
        ]
    assert versions == list(range(1, len(MIGRATIONS) + 1))


def test_the_steps_from_nothing_give_todays_tables(store):
    """Each migration step states its own schema: run from an empty store they build today's tables."""
    from events import schema

    inspector = sa.inspect(store.engine)
    for table in schema.meta.sorted_tables:
        assert {c["name"] for c in inspector.get_columns(table.name)} == {c.name for c in table.columns}
        built = {i["name"]: tuple(i["column_names"]) for i in inspector.get_indexes(table.name)}
        for index in table.indexes:
            assert built.get(index.name) == tuple(c.name for c in index.columns), index.name
    assert "ix_events_date" not in {i["name"] for i in inspector.get_indexes("events")}


def test_a_later_step_that_adds_a_column_runs_on_a_fresh_store(tmp_path, monkeypatch):
    from events import schema
    from events import store as store_module

    def _v5(conn):
        conn.execute(sa.text("ALTER TABLE events ADD COLUMN note TEXT"))

    today = schema.events.to_metadata(sa.MetaData())  # today's table would have the new column too
    today.append_column(sa.Column("note", sa.Text))
    monkeypatch.setattr(schema, "events", today)
    monkeypatch.setattr(store_module, "MIGRATIONS", [*schema.MIGRATIONS, _v5])
    fresh = Store(f"sqlite:///{tmp_path / 'fresh.sqlite'}")
    columns = {c["name"] for c in sa.inspect(fresh.engine).get_columns("events")}
    fresh.close()
    assert "note" in columns and fresh.migrate() == len(schema.MIGRATIONS) + 1


def test_add_round_trips_every_field(store):
    stored = event("a1", 0)
    assert store.add(article(1), [stored])
    row = store.query().iloc[0]
    assert row["id"] == "a1#0" and row["start"] == 0 and row["end"] == 22 and not row["background"]
    assert row["actors"] == [{"text": "two soldiers", "count": 2, "affiliation": "KP", "role": "soldier"}]
    assert (row["title"], row["source"], row["published"]) == ("Title 1", "wire", "2024-01-01")
    assert (row["lat"], row["lon"], row["trigger_start"]) == (37.956, 126.677, 13)


def test_add_is_idempotent(store):
    found = [event("a1", 0), event("a1", 1, type="arrival", place="Seoul", lat=37.56, lon=126.97)]
    assert store.add(article(1), found).status == "stored"
    first = store.counts()
    assert store.add(article(1), found) == Added("already stored", "a1")
    assert store.counts() == first == {"articles": 1, "events": 2, "places": 2}


def test_places_are_shared_between_articles(store):
    store.add(article(1), [event("a1")])
    store.add(article(2), [event("a2")])
    assert store.counts()["places"] == 1
    assert store.query()["place_id"].nunique() == 1


def test_a_failing_event_insert_leaves_no_article(store):
    clash = [event("a1", 0), event("a1", 0)]  # the same event id twice: the second insert fails
    with pytest.raises(StoreError, match="a1"):
        store.add(article(1), clash)
    assert store.counts() == {"articles": 0, "events": 0, "places": 0}
    assert store.add(article(1), [event("a1", 0)])  # and the article can still be stored afterwards


@pytest.fixture
def filled(store):
    rows = [
        (
            article(1, source="wire"),
            [
                event(
                    "a1",
                    0,
                    date_start="2024-01-01",
                    date_end="2024-01-31",
                    date="2024-01-15",
                    date_precision="month",
                )
            ],
        ),
        (
            article(2, source="wire"),
            [
                event(
                    "a2",
                    0,
                    type="border_crossing",
                    country="US",
                    place="Eagle Pass",
                    lat=28.7,
                    lon=-100.5,
                    date_start="2024-03-05",
                    date_end="2024-03-05",
                    sentence="Migrants crossed at 50% of gate_3.",
                    confidence=0.4,
                    actors=(Actor("migrants", None, "", "migrant"),),
                )
            ],
        ),
        (
            article(3, source="paper", title="Shots 100 percent"),
            [
                event(
                    "a3",
                    0,
                    type="gunfire",
                    date_start="2024-06-10",
                    date_end="2024-06-10",
                    sentence="Warning shots were fired at 50 percent of gateX3.",
                    confidence=0.9,
                ),
                event(
                    "a3",
                    1,
                    type="defection",
                    date_start="2019-06-10",
                    date_end="2019-06-10",
                    background=True,
                    sentence="In 2019 a soldier defected.",
                ),
            ],
        ),
        (
            article(4, source="paper"),
            [
                event(
                    "a4",
                    0,
                    type="arrival",
                    date=None,
                    date_start=None,
                    date_end=None,
                    date_precision="unknown",
                    lat=None,
                    lon=None,
                    place="",
                    geo_precision="unknown",
                    country="",
                )
            ],
        ),
    ]
    for art, found in rows:
        assert store.add(art, found)
    return store


def ids(frame) -> list[str]:
    return sorted(frame["id"])


@pytest.mark.parametrize(
    "filters, expected",
    [
        (Filters(), ["a1#0", "a2#0", "a3#0", "a4#0"]),
        (Filters(include_background=True), ["a1#0", "a2#0", "a3#0", "a3#1", "a4#0"]),
        (Filters(start="2024-01-20", end="2024-01-25"), ["a1#0"]),  # inside a month-long range
        (Filters(start="2023-12-01", end="2024-01-01"), ["a1#0"]),  # touching its first day
        (Filters(start="2024-02-01", end="2024-03-04"), []),
        (Filters(start="2024-03-05"), ["a2#0", "a3#0"]),
        (Filters(end="2024-03-05"), ["a1#0", "a2#0"]),
        (Filters(types=("gunfire", "border_crossing")), ["a2#0", "a3#0"]),
        (Filters(countries=("US",)), ["a2#0"]),
        (Filters(actor="MIGRANT"), ["a2#0"]),
        (Filters(actor="soldier"), ["a1#0", "a3#0", "a4#0"]),
        (Filters(text="50%"), ["a2#0"]),  # % is literal, not a wildcard
        (Filters(text="gate_3"), ["a2#0"]),  # _ is literal: gateX3 does not match
        (Filters(text="100 percent"), ["a3#0"]),  # title text
        (Filters(min_confidence=0.5), ["a1#0", "a3#0", "a4#0"]),
        (Filters(sources=("paper",)), ["a3#0", "a4#0"]),
        (Filters(sources=("paper",), types=("defection",), include_background=True), ["a3#1"]),
    ],
)
def test_filters(filled, filters, expected):
    assert ids(filled.query(filters)) == expected


def test_query_orders_by_date_and_has_article_columns(filled):
    frame = filled.query()
    assert list(frame.columns[-4:]) == ["title", "url", "source", "published"]
    assert list(frame["id"]) == ["a1#0", "a2#0", "a3#0", "a4#0"]  # by date, undated last on both databases


def test_empty_store_queries(store):
    assert store.query().empty
    assert store.date_bounds() == (None, None)
    assert store.distinct("type") == []


def test_date_bounds_and_distinct(filled):
    assert filled.date_bounds() == ("2019-06-10", "2024-06-10")
    assert filled.distinct("type") == ["arrival", "border_crossing", "defection", "gunfire"]
    assert filled.distinct("country") == ["KR", "US"]  # the empty country is left out
    assert filled.distinct("source") == ["paper", "wire"]


def test_postgres_scheme_without_driver_uses_psycopg(store_url):
    if not store_url.startswith("postgresql"):
        pytest.skip("PostgreSQL only")
    plain = store_url.replace("postgresql+psycopg://", "postgresql://")
    opened = Store(plain)
    assert opened.engine.dialect.driver == "psycopg"
    opened.close()


def test_aggregate_counts_per_cell_and_type(filled):
    cells = filled.aggregate(Filters(include_background=True), cell_deg=1.0)
    got = {(row.type, round(row.lat, 3), round(row.lon, 3)): row.count for row in cells.itertuples()}
    # Panmunjom holds two defections (one background) and a gunfire; Eagle Pass one crossing; a4 has no place.
    assert got == {
        ("defection", 37.956, 126.677): 2,
        ("gunfire", 37.956, 126.677): 1,
        ("border_crossing", 28.7, -100.5): 1,
    }
    assert filled.aggregate(Filters(), cell_deg=1.0)["count"].sum() == 3  # background left out
    assert filled.aggregate(Filters(text="50%"), 1.0)["count"].tolist() == [1]  # a filter on the article join
    assert filled.aggregate(Filters(start="2030-01-01"), 1.0).empty


def test_aggregate_cells_split_at_the_cell_edge(store):
    for n, (lat, lon) in enumerate([(0.1, 0.1), (0.9, 0.9), (1.1, 0.1), (-0.1, -0.1)]):
        store.add(article(n), [event(f"a{n}", lat=lat, lon=lon, place=f"P{n}")])
    cells = store.aggregate(Filters(), cell_deg=1.0)
    assert sorted(cells["count"]) == [1, 1, 2]
    assert len(store.aggregate(Filters(), cell_deg=0.5)) == 4


def test_count_and_limit(filled):
    assert filled.count() == 4
    assert filled.count(Filters(include_background=True, sources=("paper",))) == 3
    assert filled.count(Filters(text="gate_3")) == 1
    assert list(filled.query(Filters(), limit=2)["id"]) == ["a1#0", "a2#0"]


def test_windows_find_long_ranges_stored_later(store):
    # A store holding only day-precise events, then one year-long range: windows late in that year find it.
    store.add(article(1), [event("a1", date_start="2024-03-01", date_end="2024-03-01")])
    assert store.query(Filters(start="2024-11-01", end="2024-11-30")).empty
    store.add(
        article(2), [event("a2", date_start="2024-01-01", date_end="2024-12-31", date_precision="year")]
    )
    assert ids(store.query(Filters(start="2024-11-01", end="2024-11-30"))) == ["a2#0"]
    assert store.count(Filters(start="2024-12-31")) == 1
    assert ids(store.query(Filters(start="2024-03-01", end="2024-03-01"))) == ["a1#0", "a2#0"]


def test_a_bad_date_filter_is_named(store):
    with pytest.raises(InputError, match="2024-13-01"):
        store.query(Filters(start="2024-13-01"))


def test_summary_histogram_and_bounds_agree_with_the_rows(filled):
    for filters in (
        Filters(),
        Filters(include_background=True),
        Filters(types=("gunfire",)),
        Filters(text="50%"),
    ):
        rows = filled.query(filters)
        got = filled.summary(filters)
        assert got["events"] == len(rows)
        assert got["articles"] == rows["article_id"].nunique()
        assert got["countries"] == rows["country"].replace("", None).nunique()
        assert got["mapped"] == rows["lat"].notna().sum()
        hist = filled.histogram(filters)
        dated = rows.dropna(subset=["date_start"])
        assert hist["count"].sum() == len(dated)
        assert set(zip(hist["day"], hist["type"])) == set(zip(dated["date_start"], dated["type"]))
    assert filled.date_bounds(include_background=False) == ("2024-01-01", "2024-06-10")
    assert filled.date_bounds(include_background=True) == ("2019-06-10", "2024-06-10")
