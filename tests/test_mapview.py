"""build_map rendered to HTML: markers, popups, legend, escaping, routes, offline assets, aggregation."""

import json
import re

import pandas as pd
import pytest
from conftest import XSS_IMG, XSS_SCRIPT

from events import assets, grid, mapview, popups
from events.models import ontology


def _config(page: str) -> dict:
    """The JSON document build_map hands to mapview.js."""
    found = re.search(r"var cfg = (\{.*?\});\n", page, re.DOTALL)
    assert found, "no event data in the page"
    return json.loads(found.group(1))


@pytest.fixture
def frame(sample_store):
    return sample_store.query()


@pytest.fixture
def page(frame):
    return mapview.build_map(frame).get_root().render()


def test_markers_popups_and_legend(frame, page):
    cfg = _config(page)
    mapped = frame[frame["lat"].notna()]
    assert len(cfg["events"]) == len(mapped) == 7
    assert {e["id"] for e in cfg["events"]} == set(mapped["id"])
    korea = next(e for e in cfg["events"] if e["id"] == "demo-korea#0")
    assert (korea["lat"], korea["lon"]) == (37.956, 126.677)
    popup = korea["popup"]
    for text in (
        "Border crossing",
        "2026-11-23",
        "Panmunjom",
        "exact",
        "Two North Korean soldiers",
        "<mark>crossed</mark>",
        "Confidence 0.90",
        'href="https://example.org/korea"',
    ):
        assert text in popup
    assert set(cfg["types"]) == set(ontology())
    assert cfg["types"]["defection"]["colour"] == ontology()["defection"]["colour"]
    assert cfg["types"]["arrival"]["svg"].startswith("<svg")
    assert "ev-legend" in page and "L.markerClusterGroup" in page


def test_hostile_text_is_escaped(page):
    assert XSS_SCRIPT not in page and XSS_IMG not in page
    assert "<img src=x" not in page
    cfg = _config(page)
    hostile = next(e for e in cfg["events"] if e["article"] == "demo-hostile")
    popup = hostile["popup"]
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in popup
    assert "&lt;img src=x onerror=alert(1)&gt;" in popup
    assert "<mark>fired</mark>" in popup  # escaped first, then the trigger wrapped by its offsets
    assert 'href="javascript' not in popup
    assert "Demo &lt;b&gt;Source&lt;/b&gt;" in popup
    assert "<script>" not in hostile["tip"] and "<img" not in hostile["story"]


def test_links_only_http():
    assert popups.source_link("t", "javascript:alert(1)") == "<span>t</span>"
    assert popups.source_link("t", "data:text/html,x") == "<span>t</span>"
    assert popups.source_link("t", " HTTPS://a.org/x?a=1&b=2").startswith(
        '<a href="HTTPS://a.org/x?a=1&amp;b=2"'
    )


def test_routes_join_an_articles_events_in_order(page):
    routes = _config(page)["routes"]
    korea = next(r for r in routes if "defect across" in r["tip"])
    assert korea["points"] == [[37.956, 126.677], [37.76, 126.78], [37.566, 126.978]]
    assert len(korea["arrows"]) == 2
    # Panmunjom -> Paju runs south-east: on screen that is down and right, an angle in (0, 90)
    assert 0 < korea["arrows"][0]["angle"] < 90


def test_assets_are_local_and_copied(page, tmp_path):
    links = re.findall(r'(?:src|href)="([^"]+)"', page)
    assert links and all(link.startswith("/app/static/") for link in links), links
    assert "cdn" not in page.lower().split("var cfg")[0]
    dest = assets.ensure_static(tmp_path / "static")
    for link in links:
        assert (dest / link[len("/app/static/") :]).is_file()
    before = {p: p.stat().st_mtime_ns for p in dest.rglob("*") if p.is_file()}
    assets.ensure_static(dest)  # idempotent: nothing rewritten
    assert before == {p: p.stat().st_mtime_ns for p in dest.rglob("*") if p.is_file()}


def test_basemap_is_bundled(frame, page):
    assert _config(page)["basemap"]["countries"] == "/app/static/basemap/countries.geojson"
    basemap = _config(mapview.build_map(frame, inline_basemap=True).get_root().render())["basemap"]
    names = {f["properties"].get("name") for f in basemap["countries"]["features"]}
    assert {"South Korea", "North Korea", "Mexico", "Poland"} <= names
    assert any(
        "Demarcation" in (f["properties"].get("name") or "") for f in basemap["korea_dmz_mdl"]["features"]
    )


def test_timeline_and_story_options(frame):
    cfg = _config(mapview.build_map(frame, story=True, focus="demo-korea#2").get_root().render())
    assert (
        cfg["options"]["story"] and cfg["options"]["timeline"] and cfg["options"]["focus"] == "demo-korea#2"
    )
    days = sorted(e["start"] for e in cfg["events"])
    assert days[0] < days[-1]  # days since epoch, for the slider
    assert all("ev-story-sentence" in e["story"] for e in cfg["events"])


def test_many_events_are_aggregated(frame):
    row = frame[frame["lat"].notna()].iloc[0]
    big = pd.DataFrame([row] * 12000).reset_index(drop=True)
    big["id"] = [f"x#{i}" for i in range(len(big))]
    big["lat"] = [(i % 140) - 70 + 0.5 for i in range(len(big))]
    big["lon"] = [(i * 7 % 340) - 170 + 0.5 for i in range(len(big))]
    summary = mapview.plan_map(big, max_points=3000)
    assert summary.aggregated and 0 < summary.cells <= 750 and "aggregated" in summary.line()
    cfg = _config(mapview.build_map(mapview.plan_map(big, max_points=3000)).get_root().render())
    assert cfg["events"] == [] and len(cfg["cells"]) == summary.cells
    assert sum(c["n"] for c in cfg["cells"]) == 12000
    assert all(sum(c["counts"].values()) == c["n"] and c["type"] in c["counts"] for c in cfg["cells"])
    assert not mapview.plan_map(frame).aggregated


def test_empty_frame_renders(frame):
    page = mapview.build_map(frame.iloc[0:0]).get_root().render()
    assert _config(page)["events"] == []


def test_every_type_has_its_own_icon():
    for event_type, row in ontology().items():
        assert mapview._fa_path(row["icon"]), f"{event_type}: icon {row['icon']!r} not in Font Awesome"


def test_cells_are_grid_squares(frame):
    big = pd.concat([frame[frame["lat"].notna()]] * 20, ignore_index=True)
    big["id"] = [f"x#{i}" for i in range(len(big))]
    cfg = _config(mapview.build_map(mapview.plan_map(big, max_points=40)).get_root().render())
    for cell in cfg["cells"]:
        (south, west), (north, east) = cell["box"]
        assert south <= cell["lat"] <= north and west <= cell["lon"] <= east
        assert north - south == pytest.approx(east - west)


def test_popup_says_where_the_place_came_from(frame):
    from types import SimpleNamespace

    row = frame[frame["id"] == "demo-korea#2"].iloc[0].to_dict()
    assert "(from the" not in popups.popup_html(SimpleNamespace(**row))
    row["location_source"] = "dateline"
    assert "(from the dateline)" in popups.popup_html(SimpleNamespace(**row))


def test_store_cells_draw_like_loaded_events(sample_store):
    """Cells from Store.aggregate (SQL) give the same squares and counts as aggregating the loaded events."""
    from events.store import Filters

    frame = sample_store.query(Filters(include_background=True))
    from_events = _config(mapview.build_map(mapview.plan_map(frame, max_points=4)).get_root().render())[
        "cells"
    ]
    agg = sample_store.aggregate(Filters(include_background=True), cell_deg=0.125)
    page = (
        mapview.build_map(mapview.plan_map(frame.iloc[0:0], cells=agg, cell_deg=0.125, max_points=4))
        .get_root()
        .render()
    )
    from_sql = _config(page)["cells"]
    assert len(from_sql) == len(from_events) > 0 and _config(page)["events"] == []
    assert sorted((c["box"], c["n"], c["counts"]) for c in from_sql) == sorted(
        (c["box"], c["n"], c["counts"]) for c in from_events
    )
    summary = mapview.plan_map(frame.iloc[0:0], max_points=4, cells=agg, cell_deg=0.125, total=8)
    assert summary.aggregated and (summary.total, summary.mapped, summary.cells) == (8, 7, len(from_sql))


def test_cell_size_follows_the_extent():
    assert grid.cell_size(37.5, 38.5, 126.0, 127.5) == 0.125  # the DMZ: the finest cells
    assert grid.cell_size(-45, 65, -170, 175) == 2.0  # the world: 345° / 256 -> 2°
    assert 180 % grid.cell_size(-90, 90, -180, 180) == 0


def test_an_incident_popup_lists_every_report_escaped(sample_store):
    from events.incidents import group_incidents

    frame = sample_store.query()
    one = frame[frame["lat"].notna()].iloc[[0]]
    other = one.assign(
        id="copy#0",
        article_id="copy",
        source="Second Outlet",
        title="<script>window.__pwned=1</script>",
        url="javascript:alert(1)",
    )
    incidents = group_incidents(pd.concat([one, other], ignore_index=True))
    assert len(incidents) == 1 and incidents.iloc[0]["n_sources"] == 2
    page = mapview.build_map(incidents).get_root().render()
    assert "Reported by 2 articles" in page
    assert "<script>window.__pwned" not in page and "javascript:alert" not in page
    assert "Second Outlet" in page
