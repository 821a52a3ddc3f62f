"""EVENTS_TILES: the offline basemap by default, OpenStreetMap or a user's tile server on request."""

import json
import re

import pytest

from events import mapview
from events.errors import ConfigError


def _tiles(frame) -> dict | None:
    page = mapview.build_map(frame).get_root().render()
    return json.loads(re.search(r"var cfg = (\{.*?\});\n", page, re.DOTALL).group(1))["tiles"]


def test_offline_by_default_and_tiles_on_request(sample_store, monkeypatch):
    frame = sample_store.query()
    monkeypatch.delenv("EVENTS_TILES", raising=False)
    assert _tiles(frame) is None  # nothing for a browser to fetch from outside
    monkeypatch.setenv("EVENTS_TILES", "osm")
    assert _tiles(frame)["url"] == mapview.OSM_TILES and "OpenStreetMap" in _tiles(frame)["attribution"]
    own = "https://tiles.example.org/{z}/{x}/{y}.png"
    monkeypatch.setenv("EVENTS_TILES", own)
    assert _tiles(frame) == {"name": "Tiles", "url": own, "attribution": ""}


@pytest.mark.parametrize("bad", ["google", "https://tiles.example.org/map.png", "file:///{z}/{x}/{y}.png"])
def test_a_setting_that_is_no_tile_source_is_refused(bad):
    with pytest.raises(ConfigError, match=re.escape(f"EVENTS_TILES={bad!r}")):
        mapview.tile_layer(bad)
