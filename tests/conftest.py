"""Shared fixtures: the NLP model once per session, temp stores, the repo's paths."""

import os
import shutil
import tempfile
import threading
import uuid
from contextlib import contextmanager
from http.server import ThreadingHTTPServer
from pathlib import Path

import pytest
import sqlalchemy as sa

REPO = Path(__file__).resolve().parents[1]
SAMPLES = REPO / "data" / "samples"

# One cache (the built gazetteer) for the whole session and the processes it starts, never the user's own.
_OWN_CACHE = None if os.environ.get("EVENTS_CACHE_DIR") else tempfile.mkdtemp(prefix="events-test-cache-")
if _OWN_CACHE:
    os.environ["EVENTS_CACHE_DIR"] = _OWN_CACHE


def pytest_sessionfinish(session, exitstatus):
    if _OWN_CACHE:
        shutil.rmtree(_OWN_CACHE, ignore_errors=True)


@pytest.fixture(scope="session")
def nlp():
    """The spaCy pipeline, loaded once for the whole test session."""
    from events import nlp as nlp_module

    return nlp_module.load()


@contextmanager
def local_server(handler):
    """An HTTP server on 127.0.0.1 in a thread, for tests of anything online; yields "127.0.0.1:PORT"."""
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    httpd.daemon_threads = True
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    try:
        yield f"127.0.0.1:{httpd.server_address[1]}"
    finally:
        httpd.shutdown()
        httpd.server_close()


@pytest.fixture
def db_path(tmp_path):
    """A fresh SQLite file path."""
    return tmp_path / "events.sqlite"


# -- map, export and dashboard tests: a small store written directly, no extraction needed --------------

XSS_SCRIPT = "<script>alert(1)</script>"
XSS_IMG = "<img src=x onerror=alert(1)>"


def sample_articles():
    """(Article, [Event]) pairs like the bundled samples, plus one hostile article; dates span four months."""
    from datetime import date

    from events.models import Actor, Article, Event

    def ev(article, seq, kind, sentence, trigger, place, lat, lon, country, day, **kw):
        start = article.text.index(sentence)
        t = sentence.index(trigger) + start
        return Event(
            article_id=article.id,
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
            country=country,
            geo_precision=kw.pop("geo_precision", "exact"),
            location_source="sentence",
            date=day,
            date_start=day,
            date_end=day,
            date_precision="day",
            seq=seq,
            **kw,
        )

    korea = Article(
        id="demo-korea",
        title="Two soldiers defect across the DMZ",
        url="https://example.org/korea",
        published=date(2026, 11, 26),
        source="Demo Wire",
        text="Two North Korean soldiers crossed the Military Demarcation Line near Panmunjom on Monday. "
        "They were detained by South Korean troops. They arrived in Seoul on Tuesday.",
    )
    korea_events = [
        ev(
            korea,
            0,
            "border_crossing",
            "Two North Korean soldiers crossed the Military Demarcation Line near Panmunjom on Monday.",
            "crossed",
            "Panmunjom",
            37.956,
            126.677,
            "KR",
            "2026-11-23",
            actors=(Actor("Two North Korean soldiers", 2, "KP", "soldier"),),
            confidence=0.9,
        ),
        ev(
            korea,
            1,
            "detention",
            "They were detained by South Korean troops.",
            "detained",
            "Paju",
            37.76,
            126.78,
            "KR",
            "2026-11-23",
            confidence=0.7,
        ),
        ev(
            korea,
            2,
            "arrival",
            "They arrived in Seoul on Tuesday.",
            "arrived",
            "Seoul",
            37.566,
            126.978,
            "KR",
            "2026-11-24",
            confidence=0.8,
        ),
    ]
    texas = Article(
        id="demo-texas",
        title="Migrants cross the Rio Grande",
        url="https://example.org/texas",
        published=date(2026, 8, 10),
        source="Demo Border Desk",
        text="About 40 migrants waded across the Rio Grande near Eagle Pass. "
        "Border agents detained them near the river.",
    )
    texas_events = [
        ev(
            texas,
            0,
            "border_crossing",
            "About 40 migrants waded across the Rio Grande near Eagle Pass.",
            "waded",
            "Eagle Pass",
            28.709,
            -100.499,
            "US",
            "2026-08-09",
            geo_precision="near",
            actors=(Actor("About 40 migrants", 40, "", "migrant"),),
            confidence=0.75,
        ),
        ev(
            texas,
            1,
            "detention",
            "Border agents detained them near the river.",
            "detained",
            "Texas",
            31.0,
            -99.0,
            "US",
            "2026-08-09",
            geo_precision="region",
            confidence=0.5,
        ),
    ]
    channel = Article(
        id="demo-channel",
        title="Small boats reach Dover",
        url="ftp://example.org/dover",
        published=date(2026, 9, 15),
        source="Demo Wire",
        text="Three small boats reached Dover on Sunday. Talks were held in Calais.",
    )
    channel_events = [
        ev(
            channel,
            0,
            "arrival",
            "Three small boats reached Dover on Sunday.",
            "reached",
            "Dover",
            51.125,
            1.313,
            "GB",
            "2026-09-13",
            confidence=0.85,
        ),
        ev(
            channel,
            1,
            "talks",
            "Talks were held in Calais.",
            "Talks",
            "",
            None,
            None,
            "",
            "2026-09-14",
            geo_precision="unknown",
            confidence=0.4,
        ),
    ]
    hostile = Article(
        id="demo-hostile",
        title=f"Gunfire {XSS_IMG}",
        url="javascript:alert(1)",
        published=date(2026, 7, 2),
        source="Demo <b>Source</b>",
        text=f"Guards fired warning shots near Kuznica {XSS_SCRIPT} and {XSS_IMG} on Tuesday.",
    )
    hostile_events = [
        ev(
            hostile,
            0,
            "gunfire",
            hostile.text,
            "fired",
            f"Kuznica {XSS_IMG}",
            53.50,
            23.65,
            "PL",
            "2026-07-01",
            actors=(Actor(f"Guards {XSS_SCRIPT}"),),
            confidence=0.6,
        ),
    ]
    return [
        (korea, korea_events),
        (texas, texas_events),
        (channel, channel_events),
        (hostile, hostile_events),
    ]


@pytest.fixture
def sample_store(db_path):
    """A temp SQLite store holding sample_articles(): 8 events, 7 with coordinates, dated July-November 2026."""
    from events.store import Store

    store = Store(str(db_path))
    for article, found in sample_articles():
        store.add(article, found)
    return store


@pytest.fixture(scope="module")
def hostile_store(tmp_path_factory):
    """A store holding the injection tests' hostile articles (tests/hostile.py)."""
    from hostile import hostile_articles

    from events.store import Store

    store = Store(str(tmp_path_factory.mktemp("hostile") / "events.sqlite"))
    for article, found in hostile_articles():
        assert store.add(article, found)
    return store


PG_URL = os.environ.get("EVENTS_TEST_PG_URL")


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def store_url(request, tmp_path):
    """An empty store URL: a temp SQLite file, or a freshly created PostgreSQL database dropped afterwards."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'events.sqlite'}"
        return
    if not PG_URL:
        pytest.skip("EVENTS_TEST_PG_URL is not set")
    name = f"events_test_{uuid.uuid4().hex[:12]}"
    admin = sa.create_engine(PG_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    try:
        yield sa.engine.make_url(PG_URL).set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.fixture
def store(store_url):
    from events.store import Store

    opened = Store(store_url)
    yield opened
    opened.close()
