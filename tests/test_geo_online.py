"""The opt-in Nominatim fallback, against a local HTTP server that speaks Nominatim's JSON (no internet)."""

import json
from http.server import BaseHTTPRequestHandler
from typing import ClassVar
from urllib.parse import parse_qs, urlparse

import pytest
from conftest import local_server

from events.errors import ConfigError, GeocodingError
from events.geo import api, online
from events.models import Toponym

PLACES = {
    "dorasan observatory": {
        "place_id": 1,
        "osm_type": "node",
        "osm_id": 42,
        "lat": "37.9103",
        "lon": "126.7003",
        "display_name": "Dorasan Observatory, Paju, Gyeonggi-do, South Korea",
        "class": "tourism",
        "type": "viewpoint",
        "addresstype": "tourism",
        "importance": 0.41,
        "address": {"country_code": "kr"},
    },
}


class _Nominatim(BaseHTTPRequestHandler):
    requests: ClassVar[list] = []
    fail_next = 0

    def do_GET(self):
        url = urlparse(self.path)
        query = parse_qs(url.query)
        type(self).requests.append((url.path, query, self.headers.get("User-Agent")))
        if type(self).fail_next:
            type(self).fail_next -= 1
            self.send_response(503)
            self.end_headers()
            return
        hit = PLACES.get(query.get("q", [""])[0].lower())
        body = json.dumps([hit] if hit else []).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


@pytest.fixture
def server():
    """A Nominatim look-alike on 127.0.0.1, stopped after the test."""
    _Nominatim.requests = []
    _Nominatim.fail_next = 0
    with local_server(_Nominatim) as address:
        yield address


@pytest.fixture
def client(server, tmp_path):
    return online.Online(
        user_agent="border-events-tests/0.1 (tests@example.org)",
        domain=server,
        scheme="http",
        cache_path=tmp_path / "cache.sqlite",
        min_delay=0.05,
    )


def test_user_agent_is_required(monkeypatch, tmp_path):
    monkeypatch.delenv("EVENTS_USER_AGENT", raising=False)
    with pytest.raises(ConfigError, match="EVENTS_USER_AGENT"):
        online.Online(cache_path=tmp_path / "c.sqlite")


def test_lookup_parses_nominatim_json_and_caches_hits_and_misses(client, tmp_path):
    found = client.lookup("Dorasan Observatory")
    assert isinstance(found, Toponym)
    assert (found.lat, found.lon, found.country) == (37.9103, 126.7003, "KR")
    assert found.gazetteer_id == "nominatim:node42"
    path, query, agent = _Nominatim.requests[0]
    assert path == "/search" and query["format"] == ["json"] and agent.startswith("border-events-tests")
    assert client.lookup("Nowhere Special") is None
    assert len(_Nominatim.requests) == 2
    # asked again, even from a new client on the same cache file: no request goes out
    again = online.Online(
        user_agent="border-events-tests/0.1",
        domain="127.0.0.1:9",
        scheme="http",
        cache_path=tmp_path / "cache.sqlite",
        min_delay=0.05,
    )
    assert again.lookup("dorasan observatory").lat == 37.9103
    assert again.lookup("Nowhere Special") is None
    assert len(_Nominatim.requests) == 2


def test_server_errors_are_retried_then_reported(client):
    _Nominatim.fail_next = 1
    assert client.lookup("Dorasan Observatory").country == "KR"  # one retry got through
    assert len(_Nominatim.requests) == 2
    _Nominatim.fail_next = 10
    with pytest.raises(GeocodingError, match="online geocoder failed"):
        client.lookup("Somewhere Else")
    assert len(_Nominatim.requests) == 2 + 1 + online.MAX_RETRIES


def test_off_by_default_and_used_only_for_names_the_gazetteer_lacks(server, tmp_path, monkeypatch):
    unresolved = [Toponym(0, 19, "Dorasan Observatory"), Toponym(20, 25, "Seoul", lat=37.57, lon=126.98)]
    monkeypatch.delenv("EVENTS_GEOCODER", raising=False)
    assert api._fill_online(unresolved) == unresolved
    assert _Nominatim.requests == []
    monkeypatch.setenv("EVENTS_GEOCODER", "nominatim")
    online.configure(
        user_agent="border-events-tests/0.1",
        domain=server,
        scheme="http",
        cache_path=tmp_path / "shared.sqlite",
        min_delay=0.05,
    )
    try:
        filled = api._fill_online(unresolved)
    finally:
        online._client = None
    assert filled[0].resolved and (filled[0].start, filled[0].end) == (0, 19)
    assert filled[1] == unresolved[1]
    assert len(_Nominatim.requests) == 1
    monkeypatch.setenv("EVENTS_GEOCODER", "bing")
    with pytest.raises(ConfigError, match="local, nominatim"):
        api._fill_online(unresolved)
