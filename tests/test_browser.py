"""The page and the HTML export in headless Chromium with the network blocked (only 127.0.0.1 answers)."""

import csv
import io
import json
import os
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from contextlib import contextmanager
from pathlib import Path

import pyarrow.parquet as pq
import pytest

pytestmark = pytest.mark.browser

REPO = Path(__file__).resolve().parents[1]
CHROMIUM = "/usr/bin/chromium"
ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
ARTIFACTS = Path(os.environ.get("EVENTS_ARTIFACTS", Path(tempfile.gettempdir()) / "artifacts"))

if not Path(CHROMIUM).exists():
    pytest.skip("no /usr/bin/chromium (apt-get install chromium)", allow_module_level=True)
sync_api = pytest.importorskip("playwright.sync_api")
sync_playwright, PlaywrightError = sync_api.sync_playwright, sync_api.Error


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def server(sample_store, tmp_path):
    """`streamlit run dashboard.py` on a free port against the sample store; yields its base URL."""
    port = _free_port()
    env = {**os.environ, "EVENTS_DB": sample_store.url, "EVENTS_NO_SAMPLES": "1"}
    log = open(tmp_path / "streamlit.log", "w")  # noqa: SIM115 -- closed in the finally below
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "streamlit",
            "run",
            "dashboard.py",
            "--server.headless",
            "true",
            "--server.port",
            str(port),
            "--server.address",
            "127.0.0.1",
            "--browser.gatherUsageStats",
            "false",
        ],
        cwd=REPO,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.time() + 90
        while True:
            try:
                if urllib.request.urlopen(base + "/_stcore/health", timeout=2).read() == b"ok":
                    break
            except OSError:
                pass
            if proc.poll() is not None or time.time() > deadline:
                raise RuntimeError("streamlit did not start:\n" + (tmp_path / "streamlit.log").read_text())
            time.sleep(0.5)
        yield base
    finally:
        proc.terminate()
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()
        log.close()


@contextmanager
def offline_page(name: str, width: int = 1400, height: int = 1000):
    """A Chromium page whose requests to anything but 127.0.0.1 / file: are refused, and the test fails if the
    page made any (with the default EVENTS_TILES=offline nothing leaves the machine); a screenshot if it fails."""
    dialogs, outside = [], []
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, headless=True, args=ARGS)
        page = browser.new_page(viewport={"width": width, "height": height})

        def gate(route):
            url = route.request.url
            if url.startswith(("http://127.0.0.1", "ws://127.0.0.1", "file:", "data:", "blob:")):
                route.continue_()
            else:
                outside.append(url)
                route.abort()

        page.route("**/*", gate)
        page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
        page.dialogs = dialogs
        try:
            yield page
            assert not outside, f"requests left the machine: {outside[:5]}"
        except BaseException:
            ARTIFACTS.mkdir(parents=True, exist_ok=True)
            shot = ARTIFACTS / f"{name}.png"
            page.screenshot(path=str(shot), full_page=True)
            print(f"screenshot saved: {shot}")
            raise
        finally:
            browser.close()


def map_frame(page, timeout: float = 90):
    """The st_folium iframe once its Leaflet map is drawn."""
    deadline = time.time() + timeout
    while time.time() < deadline:
        for frame in page.frames:
            if "st_folium" in frame.url and frame.locator(".leaflet-container[data-events-shown]").count():
                return frame
        page.wait_for_timeout(300)
    raise AssertionError("no Leaflet map in the st_folium iframe")


def shown(frame) -> int:
    """Events on the map: as counted by the page, checked against pins plus cluster counts (once a cluster
    animation, which shows old and new icons together for a moment, has ended: up to 3 s)."""
    deadline = time.time() + 3
    while True:
        declared = int(frame.locator(".leaflet-container").get_attribute("data-events-shown"))
        pins = frame.locator(".ev-icon .ev-pin").count()
        clustered = sum(int(t) for t in frame.locator(".marker-cluster span").all_inner_texts())
        if pins + clustered == declared or time.time() > deadline:
            break
        time.sleep(0.2)
    assert pins + clustered == declared
    return declared


def wait_for_count(frame_getter, expected, page, timeout=60):
    deadline, last = time.time() + timeout, None
    while time.time() < deadline:
        try:
            last = shown(frame_getter())
            if last == expected:
                return
        except (PlaywrightError, AssertionError, TypeError):  # the iframe is being redrawn
            last = None
        page.wait_for_timeout(300)
    raise AssertionError(f"expected {expected} events on the map, last saw {last}")


def test_dashboard_offline(server):
    with offline_page("dashboard") as page:
        page.goto(server)
        frame = map_frame(page)
        frame.locator("path.leaflet-interactive >> nth=100").wait_for(state="attached", timeout=20000)
        assert shown(frame) == 7  # Natural Earth outlines (fetched from /app/static) above, markers here
        assert frame.locator(".ev-legend-row").count() == 4
        assert (
            "Natural Earth" in frame.locator(".leaflet-control-attribution").inner_text()
        )  # the visible basemap

        # Move the start of the date range to its end with the keyboard: only the last day's events remain.
        start = page.locator('[data-testid="stSidebar"] [data-testid="stSlider"] input[type=range]').first
        start.focus()
        start.press("End")
        wait_for_count(lambda: map_frame(page), 1, page)  # the arrival in Seoul on 2026-11-24
        assert "dates=" in page.url  # the filter went into the URL

        # A link reproduces a view: the hostile article alone; its popup shows the text, escaped.
        page.goto(server + "/?type=Gunfire")
        frame = map_frame(page)
        wait_for_count(lambda: map_frame(page), 1, page)
        frame = map_frame(page)
        frame.locator(".ev-icon .ev-pin").first.click()
        popup = frame.locator(".leaflet-popup-content")
        popup.wait_for(timeout=20000)
        text = popup.inner_text()
        assert "<script>alert(1)</script>" in text and "<img src=x onerror=alert(1)>" in text
        assert popup.locator("script, img").count() == 0
        assert popup.locator("mark").inner_text() == "fired"
        assert popup.locator("a").count() == 0  # its javascript: URL is not linked
        assert page.dialogs == []


def test_panning_does_not_rerun(server):
    with offline_page("pan") as page:
        sent = []
        page.on("websocket", lambda ws: ws.on("framesent", lambda payload: sent.append(payload)))
        page.goto(server)
        frame = map_frame(page)
        page.wait_for_timeout(2000)
        before, n = frame.evaluate("() => window.eventsMap.map.getCenter().lng"), len(sent)
        box = page.locator('iframe[title="streamlit_folium.st_folium"]').bounding_box()
        x, y = box["x"] + box["width"] / 2, box["y"] + box["height"] / 2
        page.mouse.move(x, y)
        page.mouse.down()
        page.mouse.move(x + 200, y + 80, steps=10)
        page.mouse.up()
        page.mouse.wheel(0, -400)
        page.wait_for_timeout(2500)
        assert frame.evaluate("() => window.eventsMap.map.getCenter().lng") != before  # the map did move
        assert sent[n:] == []  # ... and the page sent nothing back: no script rerun


def test_downloads_carry_the_filter(server):
    with offline_page("downloads") as page:
        page.goto(server + "/?type=Arrival")
        map_frame(page)
        files = {}
        for name in ("CSV", "GeoJSON", "JSONL", "Parquet", "HTML map"):
            with page.expect_download(timeout=60000) as download:
                page.get_by_role("button", name=name, exact=True).click()
            files[name] = Path(download.value.path()).read_bytes()
            if name != "Parquet":
                files[name] = files[name].decode("utf-8")
        rows = list(csv.DictReader(io.StringIO(files["CSV"])))
        assert {r["type"] for r in rows} == {"arrival"} and len(rows) == 2
        assert json.loads(rows[0]["filter"]) == {"types": ["arrival"]}
        doc = json.loads(files["GeoJSON"])
        assert doc["filter"] == {"types": ["arrival"]} and len(doc["features"]) == 2
        lines = [json.loads(line) for line in files["JSONL"].splitlines()]
        assert len(lines) == 2 and all(line["filter"] == {"types": ["arrival"]} for line in lines)
        table = pq.read_table(io.BytesIO(files["Parquet"]))
        assert table.num_rows == 2 and json.loads(table.schema.metadata[b"border_events"])["filter"] == {
            "types": ["arrival"]
        }
        assert "<title>Border events (types=arrival)</title>" in files["HTML map"]
        assert "/app/static/" not in files["HTML map"]


def test_table_row_focuses_the_map(server):
    with offline_page("table") as page:
        page.goto(server)
        map_frame(page)
        grid = page.locator('[data-testid="stDataFrame"]').first
        grid.scroll_into_view_if_needed()
        box = grid.bounding_box()
        # The table is a canvas: click the selection box of the first row (header and rows are 35 px high).
        page.mouse.click(box["x"] + 16, box["y"] + 35 + 17)
        deadline, texts = time.time() + 60, []
        while time.time() < deadline and not texts:
            try:
                texts = map_frame(page).locator(".leaflet-popup-content").all_inner_texts()
            except PlaywrightError:  # the map iframe is redrawn around the focused event
                pass
            page.wait_for_timeout(300)
        assert texts and "Guards fired warning shots" in texts[0]  # the first row: the earliest event

        def map_in_view() -> bool:
            box = page.locator('iframe[title="streamlit_folium.st_folium"]').bounding_box()
            return box is not None and 0 <= box["y"] + box["height"] / 2 <= page.viewport_size["height"]

        deadline = time.time() + 15
        while time.time() < deadline and not map_in_view():
            page.wait_for_timeout(300)
        assert (
            map_in_view()
        )  # the table is below the fold: the map, with the row's popup, was brought into view


def test_presentation_mode_offline(server):
    with offline_page("present", width=1366, height=650) as page:  # a laptop on a projector
        page.goto(server + "/?present=1")
        frame = map_frame(page)
        assert not page.locator('[data-testid="stSidebar"]').is_visible()
        # The map fills the window below the title: its bottom and the timeline are on screen, no scrolling.
        box = frame.locator(".leaflet-container").bounding_box()
        assert 400 < box["height"] and 620 <= box["y"] + box["height"] <= 650
        timeline = frame.locator(".ev-timeline").bounding_box()
        assert timeline["y"] + timeline["height"] <= 650
        frame.locator(".ev-next").click()  # Playwright clicks only if nothing (the legend) covers it
        frame.locator(".ev-step").filter(has_text="1 / 7").wait_for(timeout=20000)
        assert "Guards fired warning shots" in frame.locator(".ev-story-sentence").inner_text()


def test_html_export_offline(sample_store, tmp_path):
    from events import export

    out = io.StringIO()
    export.export(sample_store.query(), "html", out)
    path = tmp_path / "map.html"
    path.write_text(out.getvalue(), encoding="utf-8")
    with offline_page("export") as page:
        page.goto(path.as_uri())
        page.locator(".leaflet-container[data-events-shown]").wait_for(timeout=20000)
        assert shown(page) == 7
        assert page.locator(".ev-icon .ev-pin").count() + page.locator(".marker-cluster").count() >= 3
        assert page.locator("path.leaflet-interactive").count() > 100  # country outlines with no tiles
        assert page.dialogs == []


def test_route_legs_follow_the_timeline_and_the_legend(sample_store, tmp_path):
    """The Korean sample is a route crossing (Nov 23) -> detention (Nov 23) -> arrival (Nov 24): playing the
    timeline back hides each leg with the event at its end, and hiding a type in the legend does too."""
    from events import export

    out = io.StringIO()
    export.export(sample_store.query(), "html", out)
    path = tmp_path / "map.html"
    path.write_text(out.getvalue(), encoding="utf-8")
    legs = 'path.leaflet-interactive[stroke-dasharray="7 6"]'

    def at_day(page, iso: str) -> int:
        page.evaluate(
            """iso => { const r = document.querySelector('.ev-timeline input[type=range]');
                        r.value = Math.round(Date.parse(iso) / 86400000);
                        r.dispatchEvent(new Event('input')); }""",
            iso,
        )
        return page.locator(legs).count()

    with offline_page("routes") as page:
        page.goto(path.as_uri())
        page.locator(".leaflet-container[data-events-shown]").wait_for(timeout=20000)
        assert page.locator(legs).count() == 2
        assert (at_day(page, "2026-09-14"), at_day(page, "2026-11-23"), at_day(page, "2026-11-24")) == (
            0,
            1,
            2,
        )
        page.locator('.ev-legend-row[data-type="arrival"]').click()
        assert page.locator(legs).count() == 1


CLEAR_OF_CONTROLS = """() => {
  const map = document.querySelector('.leaflet-container').getBoundingClientRect();
  return [...document.querySelectorAll('.ev-icon, .marker-cluster')].map(el => {
    const r = el.getBoundingClientRect(), x = r.left + r.width / 2, y = r.top + r.height / 2;
    const hit = document.elementFromPoint(x, y);
    return {x, y, inside: x >= map.left && x <= map.right && y >= map.top && y <= map.bottom,
            clickable: !!hit && el.contains(hit)};
  });
}"""
POPUP_CLEAR = """() => {
  const map = document.querySelector('.leaflet-container').getBoundingClientRect();
  const pop = document.querySelector('.leaflet-popup-content-wrapper').getBoundingClientRect();
  const legend = document.querySelector('.ev-legend').getBoundingClientRect();
  const overlaps = !(pop.right <= legend.left || pop.left >= legend.right || pop.bottom <= legend.top ||
                     pop.top >= legend.bottom);
  return {inside: pop.left >= map.left && pop.right <= map.right && pop.top >= map.top && pop.bottom <= map.bottom,
          overlaps};
}"""


def test_first_view_is_clear_of_the_controls(server):
    """At 1024x768, 1440x900 and 1920x1080: every pin and cluster of the first view is on screen and clickable
    (nothing covers its centre), and the popups of the events nearest the legend's corner open whole inside the
    map, clear of the legend."""
    with offline_page("clear") as page:
        for width, height in ((1024, 768), (1440, 900), (1920, 1080)):
            page.set_viewport_size({"width": width, "height": height})
            page.goto(server)
            frame = map_frame(page)
            page.wait_for_timeout(1200)  # the first view's fit
            points = frame.evaluate(CLEAR_OF_CONTROLS)
            offset = page.locator('iframe[title="streamlit_folium.st_folium"]').bounding_box()
            assert points and all(p["inside"] and p["clickable"] for p in points), (width, points)
            assert all(0 <= offset["y"] + p["y"] <= height for p in points), width  # seen without scrolling
            ids = frame.evaluate("() => window.eventsMap.ids")
            corner = sorted(ids, key=lambda i: -sum(frame.evaluate(LATLNG_PX, i)))[:2]
            for event_id in corner:
                frame.evaluate("id => window.eventsMap.show(id)", event_id)
                frame.locator(".leaflet-popup-content-wrapper").wait_for(timeout=10000)
                page.wait_for_timeout(600)  # the pan that brings the popup into view
                assert frame.evaluate(POPUP_CLEAR) == {"inside": True, "overlaps": False}, (width, event_id)
                frame.evaluate("() => { window.eventsMap.map.closePopup(); }")  # returns nothing to serialise
                frame.locator(".leaflet-popup").wait_for(state="detached", timeout=10000)


LATLNG_PX = """id => { const m = window.eventsMap.map, e = window.eventsMap.event(id);
  const p = m.latLngToContainerPoint([e.lat, e.lon]); return [p.x, p.y]; }"""


def test_static_served(server):
    body = urllib.request.urlopen(server + "/app/static/leaflet/leaflet.js", timeout=5).read()
    assert b"Leaflet" in body[:400]
