"""Network, opted in: URL fetching and the online geocoder against a local server that misbehaves on purpose
(hangs, trickles, 429, 5xx, resets, speaks garbage); each failure is one line naming the URL or the name,
retries are bounded, and a batch goes on past them.
"""

import json
import socket
import time
from http.server import BaseHTTPRequestHandler
from typing import ClassVar
from urllib.parse import parse_qs, urlparse

import pytest
from click.testing import CliRunner
from conftest import local_server

from events.cli import main
from events.errors import EventsError, GeocodingError, InputError
from events.readers import ReadOptions, read_paths
from events.readers import fetch as fetch_module

AGENT = "border-events-hostile-tests/0.1 (tests@example.org)"
PAGE = (
    b"<html><head><title>Soldier defects</title></head><body><article><h1>Soldier defects</h1>"
    b"<p>PAJU, South Korea - A North Korean soldier crossed the Military Demarcation Line near Paju on "
    b"Monday and was taken into custody by South Korean troops, the Joint Chiefs of Staff said.</p>"
    b"<p>It was the second defection across the border this year, officials said on Tuesday.</p>"
    b"</article></body></html>"
)


class Misbehaving(BaseHTTPRequestHandler):
    """Each path misbehaves one way; /search speaks Nominatim's JSON, or fails as `search_mode` says."""

    hits: ClassVar[dict] = {}
    search_mode = "ok"
    protocol_version = "HTTP/1.1"

    def do_GET(self):
        path = urlparse(self.path).path
        type(self).hits[path] = type(self).hits.get(path, 0) + 1
        handler = getattr(self, "_" + path.strip("/").replace("/", "_").replace(".", "_"), None)
        (handler or self._missing)()

    def _send(self, status, body=b"", content_type="text/plain", headers=()):
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        for name, value in headers:
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(body)

    def _missing(self):
        self._send(404, b"no")

    def _robots_txt(self):
        self._send(200, b"User-agent: *\nDisallow: /private\n")

    def _good(self):
        self._send(200, PAGE, "text/html; charset=utf-8")

    def _hang(self):  # says nothing for longer than any test timeout
        time.sleep(3)
        self._send(200, PAGE, "text/html")

    def _trickle(self):  # headers at once, then a byte every 0.1 s: no single read times out
        self.send_response(200)
        self.send_header("Content-Type", "text/plain")
        self.send_header("Content-Length", "400")
        self.end_headers()
        try:
            for _ in range(400):
                self.wfile.write(b"x")
                self.wfile.flush()
                time.sleep(0.1)
        except OSError:
            pass  # the client gave up: good

    def _busy(self):
        self._send(429, b"slow down", headers=[("Retry-After", "1")])

    def _down(self):
        self._send(503, b"down")

    def _reset(self):  # closes the connection without answering
        self.connection.shutdown(socket.SHUT_RDWR)
        self.close_connection = True

    def _garbage(self):  # not HTTP at all
        self.wfile.write(b"HELLO THERE\r\n\r\n")
        self.close_connection = True

    def _short(self):  # promises 5000 bytes, sends 10, hangs up
        self.send_response(200)
        self.send_header("Content-Type", "text/html")
        self.send_header("Content-Length", "5000")
        self.end_headers()
        self.wfile.write(b"<html><bod")
        self.close_connection = True

    def _search(self):
        mode = type(self).search_mode
        if mode == "hang":
            time.sleep(2)
        if mode in ("429", "503"):
            return self._send(int(mode), b"[]", "application/json", headers=[("Retry-After", "1")])
        if mode == "garbage":
            return self._send(200, b"<html>not json", "application/json")
        hit = {
            "place_id": 1,
            "osm_type": "node",
            "osm_id": 7,
            "lat": "37.91",
            "lon": "126.70",
            "display_name": "Dorasan Observatory",
            "class": "tourism",
            "type": "viewpoint",
            "addresstype": "tourism",
            "importance": 0.4,
            "address": {"country_code": "kr"},
        }
        query = parse_qs(urlparse(self.path).query).get("q", [""])[0]
        self._send(200, json.dumps([hit] if "dorasan" in query.lower() else []).encode(), "application/json")

    def log_message(self, *args):
        pass


@pytest.fixture
def server():
    Misbehaving.hits = {}
    Misbehaving.search_mode = "ok"
    with local_server(Misbehaving) as address:
        yield f"http://{address}"


@pytest.fixture
def slept(monkeypatch):
    """fetch's backoff recorded instead of waited; robots.txt rules forgotten between tests."""
    waits = []
    monkeypatch.setattr(fetch_module, "_sleep", waits.append)
    monkeypatch.setattr(fetch_module, "_robots", {})
    monkeypatch.setenv("EVENTS_USER_AGENT", AGENT)
    return waits


ONLINE = ReadOptions(fetch=True, timeout=0.25)  # per read; more than the trickle's 0.1 s between bytes


@pytest.mark.parametrize(
    "path, reason",
    [
        ("hang", "timed out"),
        ("busy", "HTTP 429"),
        ("down", "HTTP 503"),
        ("reset", "cannot fetch"),
        ("garbage", "cannot fetch"),
        ("short", "cannot fetch"),
        ("trickle", "timed out"),
    ],
)
def test_each_misbehaviour_is_one_line_naming_the_url(server, slept, path, reason):
    url = f"{server}/{path}"
    started = time.monotonic()
    items = list(read_paths([url], options=ONLINE))
    elapsed = time.monotonic() - started
    assert len(items) == 1 and isinstance(items[0], InputError), items
    message = str(items[0])
    assert message.startswith(url + ": ") and "\n" not in message and reason in message, message
    assert Misbehaving.hits.get(f"/{path}", 0) <= 1 + fetch_module.RETRIES  # bounded retries
    assert elapsed < 8, f"{path} held the fetch for {elapsed:.1f} s"  # a slow server cannot stall a batch


def test_backoff_grows_and_is_bounded(server, slept):
    list(read_paths([f"{server}/down", f"{server}/busy"], options=ONLINE))
    assert Misbehaving.hits["/down"] == Misbehaving.hits["/busy"] == 1 + fetch_module.RETRIES
    assert slept[:2] == sorted(slept[:2]) and slept[0] < slept[1]  # exponential backoff for 503
    assert slept[2:] == [1.0, 1.0]  # Retry-After honoured for 429
    assert all(w <= fetch_module.MAX_WAIT for w in slept)


def test_batch_of_urls_through_the_command_goes_on(server, slept, tmp_path):
    db = tmp_path / "events.sqlite"
    urls = [f"{server}/{p}" for p in ("down", "good", "garbage", "reset", "busy")]
    result = CliRunner().invoke(
        main,
        ["ingest", *urls, "--fetch", "--db", str(db), "--published", "2026-11-26"],
        catch_exceptions=False,
    )
    assert result.exit_code == 1, result.output
    errors = [line for line in result.output.splitlines() if line.startswith("error: ")]
    assert [e.split(": ", 2)[1] for e in errors] == [urls[0], urls[2], urls[3], urls[4]]
    from events.store import Store

    assert Store(str(db)).counts()["articles"] == 1  # the good page is stored


# -- the online geocoder (geopy Nominatim, opt-in) ---------------------------------------------------------


@pytest.fixture
def geocoder(server, tmp_path, monkeypatch):
    online = pytest.importorskip("events.geo.online")
    monkeypatch.setattr(online, "TIMEOUT_SECONDS", 0.2)
    client = online.Online(
        user_agent=AGENT,
        domain=server.removeprefix("http://"),
        scheme="http",
        cache_path=tmp_path / "nominatim.sqlite",
        min_delay=0.01,
    )
    waits = []
    client.geocode._sleep = waits.append  # geopy's RateLimiter waits through this method
    client.waits = waits
    return client


@pytest.mark.parametrize("mode", ["hang", "429", "503", "garbage"])
def test_online_geocoder_failures_are_bounded_geocoding_errors(geocoder, mode):
    Misbehaving.search_mode = mode
    started = time.monotonic()
    with pytest.raises(GeocodingError) as caught:
        geocoder.lookup("Dorasan Observatory")
    assert "Dorasan Observatory" in str(caught.value) and "\n" not in str(caught.value)
    from events.geo import online

    assert Misbehaving.hits["/search"] <= 1 + online.MAX_RETRIES
    assert time.monotonic() - started < 8


def test_online_geocoder_recovers_and_caches(geocoder):
    Misbehaving.search_mode = "503"
    with pytest.raises(GeocodingError):
        geocoder.lookup("Dorasan Observatory")
    Misbehaving.search_mode = "ok"
    assert geocoder.lookup("Dorasan Observatory").country == "KR"  # a failure is not cached as a miss
    hits = Misbehaving.hits["/search"]
    assert geocoder.lookup("dorasan observatory").lat == 37.91
    assert Misbehaving.hits["/search"] == hits


def test_geocoder_outage_does_not_stop_geoparsing(geocoder, monkeypatch):
    """With EVENTS_GEOCODER=nominatim and the service down, names stay unresolved; nothing raises."""
    from events.geo import api, online
    from events.models import Toponym

    Misbehaving.search_mode = "503"
    monkeypatch.setenv("EVENTS_GEOCODER", "nominatim")
    monkeypatch.setattr(online, "_client", geocoder)
    unresolved = [Toponym(0, 19, "Dorasan Observatory"), Toponym(20, 25, "Seoul", lat=37.57, lon=126.98)]
    try:
        filled = api._fill_online(unresolved)
    except EventsError as exc:  # pragma: no cover - the failure this test exists to catch
        pytest.fail(f"a geocoder outage stopped geoparsing: {exc}")
    assert filled[0].name == "Dorasan Observatory" and not filled[0].resolved
    assert filled[1] == unresolved[1]
