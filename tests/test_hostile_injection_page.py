"""Injection on the page: the table holds text, links only http(s), URL filter values are validated, the
story is escaped, a pasted hostile article is stored as text, and a real browser runs nothing the standalone
HTML export carries.
"""

from pathlib import Path

import pytest
from hostile import (
    BREAKOUT,
    CLOSE,
    IMG,
    JS_URL,
    MARKDOWN,
    PAGE,
    SCRIPT,
    SVG,
    hostile_articles,
)

from events import export
from events.store import Filters, Store

# -- the dashboard: the table holds text, links only http(s); URL filter values are validated ------------


@pytest.fixture(scope="module")
def frame(hostile_store):
    return hostile_store.query()


@pytest.fixture
def app(hostile_store, monkeypatch):
    from streamlit.testing.v1 import AppTest

    monkeypatch.setenv("EVENTS_DB", hostile_store.url)
    monkeypatch.setenv("EVENTS_NO_SAMPLES", "1")
    return AppTest.from_file(PAGE, default_timeout=90)


def _events(at) -> int:
    return int(next(m for m in at.metric if m.label == "Events").value)


def test_dashboard_table_shows_text_and_drops_unsafe_links(app):
    app.run()
    assert not app.exception
    table = app.dataframe[0].value
    assert len(table) == 6
    assert table["url"].isna().all()  # javascript: and data: URLs get no link
    assert any(SCRIPT in s for s in table["sentence"])  # shown as text by the grid, not dropped
    for block in app.markdown:  # the only raw-HTML blocks carry counts, never article text
        assert "__pwned" not in block.value


@pytest.mark.parametrize(
    "params",
    [
        {"type": "<script>window.__pwned=1</script>"},
        {"dates": ["notadate", "2026-13-45"]},
        {"conf": "abc"},
        {"conf": "7"},
        {"conf": "-3"},
        {"country": "'; DROP TABLE events; --", "source": "%"},
        {"background": "maybe", "heat": "<b>", "story": "1e9"},
        {"present": "<script>"},
    ],
)
def test_dashboard_ignores_or_clamps_hostile_url_params(app, params):
    for key, value in params.items():
        app.query_params[key] = value
    app.run()
    assert not app.exception
    assert _events(app) == 6  # every bad value ignored: the unfiltered view
    assert app.multiselect(key="type").value == []
    assert 0.0 <= app.slider(key="conf").value <= 1.0


def test_dashboard_text_params_are_literal(app):
    app.query_params["q"] = "%' OR 1=1 --"
    app.query_params["actor"] = "_%"
    app.run()
    assert not app.exception
    assert _events(app) == 0  # wildcards and quotes matched literally


def test_dashboard_presentation_escapes_the_story(app):
    app.query_params["present"] = "1"
    app.run()
    assert not app.exception
    for block in app.markdown:
        assert "__pwned" not in block.value


# -- a real browser: the standalone HTML export of the hostile articles runs nothing they carry -----------


@pytest.mark.browser
def test_browser_runs_no_payload_in_the_html_export(frame, tmp_path):
    sync_api = pytest.importorskip("playwright.sync_api")
    if not Path("/usr/bin/chromium").exists():
        pytest.skip("no /usr/bin/chromium")
    page_file = tmp_path / "export.html"
    with page_file.open("w", encoding="utf-8") as out:  # the title carries a payload through the filter line
        export.to_html(frame, out, Filters(actor=f"x{IMG}", text=SCRIPT), story=True)
    outside = []

    def only_local(route):
        url = route.request.url
        if url.startswith(("file://", "data:", "about:", "http://127.0.0.1", "http://localhost")):
            route.continue_()
        else:
            outside.append(url)
            route.abort()

    with sync_api.sync_playwright() as pw:
        browser = pw.chromium.launch(
            executable_path="/usr/bin/chromium",
            headless=True,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--no-first-run",
            ],
        )
        try:
            page = browser.new_page()
            page.route("**/*", only_local)
            errors = []
            page.on("pageerror", lambda exc: errors.append(str(exc)))
            page.goto(page_file.as_uri())
            page.wait_for_selector(".leaflet-container .ev-story", timeout=15000)
            title = page.inner_text(".ev-story-title")
            assert SCRIPT in title and IMG in title  # shown as text
            shown = ""
            for _ in range(6):  # step the story through every event: each card goes through innerHTML
                page.click(".ev-next")
                page.wait_for_timeout(200)
                shown += page.inner_text(".ev-story")
            # Every marker's popup and tooltip opened by Leaflet itself (clusters hide some markers from clicks).
            popups = page.evaluate("""() => {
                const map = Object.values(window).find(v => v instanceof L.Map);
                const found = new Set();
                map.eachLayer(l => { if (l.getLayers) l.getLayers().filter(m => m.ev).forEach(m => found.add(m)); });
                const markers = [...found];
                let text = "";
                for (const m of markers) {
                    const popup = L.popup().setLatLng(m.getLatLng()).setContent(m.getPopup().getContent());
                    map.openPopup(popup);
                    text += document.querySelector(".leaflet-popup-content").innerText + "\\n";
                    const tip = L.tooltip().setLatLng(m.getLatLng()).setContent(m.getTooltip().getContent());
                    map.openTooltip(tip);
                    text += tip.getElement().innerText + "\\n";
                }
                return [markers.length, text];
            }""")
            assert popups[0] == 6
            shown += popups[1]
            page.wait_for_timeout(500)  # an onerror or onload would have fired by now
            assert page.evaluate("typeof window.__pwned") == "undefined"
            for payload in (SCRIPT, IMG, SVG, BREAKOUT, CLOSE, MARKDOWN, JS_URL):
                assert payload in shown, payload  # every payload was on screen, as text
            assert (
                page.locator(
                    ".leaflet-popup-content script, .leaflet-popup-content img, "
                    ".ev-story script, .ev-story img, .ev-story iframe"
                ).count()
                == 0
            )
            assert not errors, errors
        finally:
            browser.close()
    assert all("__pwned" not in url for url in outside)  # nothing the payloads name was requested


def test_dashboard_paste_of_a_hostile_article(tmp_path, monkeypatch):
    from streamlit.testing.v1 import AppTest

    store = Store(
        str(tmp_path / "events.sqlite")
    )  # its own store: the module's stays as the other tests expect
    for article, found in hostile_articles():
        store.add(article, found)
    monkeypatch.setenv("EVENTS_DB", store.url)
    monkeypatch.setenv("EVENTS_NO_SAMPLES", "1")
    app = AppTest.from_file(PAGE, default_timeout=90)
    app.run()
    before = _events(app)
    pasted = (
        f"Raid {SCRIPT} {MARKDOWN}\nPAJU, South Korea – Two North Korean soldiers {IMG} crossed the Military "
        f"Demarcation Line near Paju on Monday, officials said."
    )
    app.text_area[0].set_value(pasted).run()
    next(b for b in app.button if b.label == "Extract and add").click()
    app.run()
    assert not app.exception
    assert _events(app) > before
    assert any(s.startswith("1 articles read") for s in (e.value for e in app.success))
    table = app.dataframe[0].value
    assert any(IMG in s for s in table["sentence"])  # stored and shown as data
    for block in app.markdown:
        assert "__pwned" not in block.value
