"""Injection: what an article smuggles in (HTML, JavaScript, javascript: links, Markdown, formulas, huge strings)
reaches popups, the story, the table and every export as text, never as markup or code; SQL stays parameterised.
"""

import ast
import csv
import io
import json
import re
from datetime import date
from html.parser import HTMLParser
from pathlib import Path

import pytest
from click.testing import CliRunner

from events import export, mapview, popups
from events.cli import main
from events.models import Actor, Article, Event
from events.store import Filters, Store

REPO = Path(__file__).resolve().parents[1]
PAGE = str(REPO / "dashboard.py")

# Each payload sets window.__pwned if anything ever runs it; the browser test checks the flag stays unset.
SCRIPT = "<script>window.__pwned=1</script>"
IMG = '<img src=x onerror="window.__pwned=1">'
SVG = "<svg/onload=window.__pwned=1>"
BREAKOUT = '"><iframe srcdoc="<script>parent.__pwned=1</script>"></iframe>'
CLOSE = "</script><script>window.__pwned=1</script>"
MARKDOWN = "[click me](javascript:window.__pwned=1) **bold** ![x](http://10.0.0.1/t.png)"
TAGGED = (SCRIPT, IMG, SVG, BREAKOUT, CLOSE)
JS_URL = "javascript:window.__pwned=1"
LONG = "A" * 120_000  # longer than any popup should be, shorter than the article limit

# Tags the map's own templates use; anything else in a popup came from an article.
OWN_TAGS = {"div", "span", "b", "blockquote", "mark", "a", "svg", "path", "i", "br", "ul", "li"}


def hostile_articles() -> list[tuple[Article, list[Event]]]:
    """Two articles whose every field an attacker controls carries a payload; events point into the text."""
    sentences = [
        f"Guards {SCRIPT} fired warning shots near Kuznica on Tuesday.",
        f"Two soldiers {IMG} crossed the line {SVG} near Panmunjom.",
        f"Migrants {BREAKOUT} waded across the river {CLOSE} at dawn.",
        f'=HYPERLINK("http://evil.example/","x") {MARKDOWN} arrived in Seoul.',
        f"Talks about {LONG} were held.",
    ]
    text = " ".join(sentences)
    art = Article(
        id=f"evil-{SCRIPT}",
        text=text,
        title=f"=cmd|' /C calc'!A0 {SCRIPT}",
        url=JS_URL,
        published=date(2026, 7, 2),
        source=f"@SUM(1+1) {IMG}",
    )
    kinds = ["gunfire", "border_crossing", "border_crossing", "arrival", "talks"]
    places = [f"Kuznica {IMG}", f"+Panmunjom {SVG}", f"-Eagle Pass {BREAKOUT}", f"@Seoul {MARKDOWN}", LONG]
    coords = [(53.50, 23.65), (37.956, 126.677), (28.709, -100.499), (37.566, 126.978), (38.0, 127.0)]
    found = []
    for seq, (sentence, kind, place, (lat, lon)) in enumerate(zip(sentences, kinds, places, coords)):
        start = text.index(sentence)
        trigger = sentence.split()[2]
        t = start + sentence.index(trigger)
        found.append(
            Event(
                article_id=art.id,
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
                country="KR",
                geo_precision="exact",
                location_source="sentence",
                date="2026-07-01",
                date_start="2026-07-01",
                date_end="2026-07-01",
                date_precision="day",
                seq=seq,
                confidence=0.7,
                actors=(Actor(f"-{LONG[:50]} {SCRIPT}", 2, "KP", "soldier"), Actor(f"={IMG}")),
            )
        )
    # A second article with a data: URL and a tab-led title (another spreadsheet trick).
    art2 = Article(
        id="evil-2",
        text=f"Border police detained {SVG} smugglers.",
        title=f"\t=1+1 {SVG}",
        url="data:text/html,<script>window.__pwned=1</script>",
        published=date(2026, 7, 3),
        source="Wire",
    )
    sentence = art2.text
    found2 = [
        Event(
            article_id=art2.id,
            type="detention",
            sentence=sentence,
            start=0,
            end=len(sentence),
            trigger="detained",
            trigger_start=14,
            trigger_end=22,
            place="Kuznica",
            lat=53.5,
            lon=23.7,
            country="PL",
            date="2026-07-02",
            date_start="2026-07-02",
            date_end="2026-07-02",
            date_precision="day",
            seq=0,
            confidence=0.6,
        )
    ]
    return [(art, found), (art2, found2)]


@pytest.fixture(scope="module")
def hostile_store(tmp_path_factory) -> Store:
    store = Store(str(tmp_path_factory.mktemp("hostile") / "events.sqlite"))
    for article, found in hostile_articles():
        assert store.add(article, found)
    return store


@pytest.fixture(scope="module")
def frame(hostile_store):
    return hostile_store.query()


class _Fragment(HTMLParser):
    """Collects tags, attributes and text of an HTML fragment as a browser would parse it."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.tags, self.attrs, self.text = [], [], []

    def handle_starttag(self, tag, attrs):
        self.tags.append(tag)
        self.attrs += [(tag, k, v or "") for k, v in attrs]

    def handle_data(self, data):
        self.text.append(data)


def _parse(fragment: str) -> _Fragment:
    parser = _Fragment()
    parser.feed(fragment)
    parser.close()
    return parser


def _assert_inert(fragment: str) -> str:
    """Only the map's own tags, no event handlers, links only http(s); returns the visible text."""
    parsed = _parse(fragment)
    assert set(parsed.tags) <= OWN_TAGS, set(parsed.tags) - OWN_TAGS
    for tag, name, value in parsed.attrs:
        assert not name.startswith("on"), (tag, name, value)
        assert "__pwned" not in value, (tag, name, value)
        if name in ("href", "src", "srcdoc", "action", "formaction"):
            assert re.match(r"(?i)https?://", value), (tag, name, value)
    return "".join(parsed.text)


def _config(page: str) -> dict:
    found = re.search(r"var cfg = (\{.*?\});\n", page, re.DOTALL)
    assert found, "no event data in the page"
    return json.loads(found.group(1))


def test_popups_tooltips_and_story_cards_are_inert_and_keep_the_text(frame):
    cfg = _config(mapview.build_map(frame, story=True).get_root().render())
    assert len(cfg["events"]) == 6
    for record in cfg["events"]:
        row = frame[frame["id"] == record["id"]].iloc[0]
        for key in ("popup", "story", "tip"):
            shown = _assert_inert(record[key])
            if key != "tip":
                assert row["sentence"] in shown, (key, record["id"])  # escaped, not dropped
        if record["article"] != "evil-2":
            assert SCRIPT in _assert_inert(record["popup"])  # the payload is shown as text
    for route in cfg["routes"]:
        _assert_inert(route["tip"])


def test_page_has_no_more_markup_than_a_harmless_one(frame):
    hostile = mapview.build_map(frame, story=True).get_root().render()
    calm = frame.copy()
    for column in ("sentence", "title", "place", "source", "url"):
        calm[column] = "plain"
    calm["actors"] = [[{"text": "someone"}]] * len(calm)
    harmless = mapview.build_map(calm, story=True).get_root().render()
    # Payload words may appear as escaped text; tags and javascript: links may not appear at all.
    for marker in ("<script", "<iframe", "<img", "<svg", 'href="javascript', "href='javascript"):
        assert hostile.lower().count(marker) == harmless.lower().count(marker), marker
    for payload in TAGGED:
        assert payload not in hostile


def test_story_title_is_escaped(frame):
    # The title reaches the story card through innerHTML; exports build it from the user's filter values.
    page = mapview.build_map(frame, story=True, title=f"Events {SCRIPT}{IMG}").get_root().render()
    title = _config(page)["options"]["title"]
    assert _assert_inert(title) == f"Events {SCRIPT}{IMG}"


def test_links_are_http_only():
    for url in (
        JS_URL,
        " JaVaScRiPt:alert(1)",
        "data:text/html,<b>x</b>",
        "vbscript:x",
        "file:///etc/passwd",
        '"><script>x</script>',
    ):
        link = popups.source_link("title", url)
        assert "<a " not in link and _assert_inert(link) == "title"
    link = popups.source_link(SCRIPT, 'https://a.org/?q="><script>x</script>')
    assert _assert_inert(link) == SCRIPT


def _cli_export(store: Store, fmt: str, tmp_path, *extra: str) -> str:
    out = tmp_path / f"out.{fmt}"
    result = CliRunner().invoke(
        main, ["export", "--db", store.url, "--format", fmt, "--out", str(out), *extra]
    )
    assert result.exit_code == 0, result.output
    return out.read_text(encoding="utf-8")


def _is_number(cell: str) -> bool:
    try:
        float(cell)
        return True
    except ValueError:
        return False


def test_csv_export_neutralises_every_formula_cell(hostile_store, tmp_path):
    rows = list(csv.reader(io.StringIO(_cli_export(hostile_store, "csv", tmp_path))))
    header, body = rows[0], rows[1:]
    assert len(body) == 6
    for row in body:
        for column, cell in zip(header, row):
            if not _is_number(cell):
                assert not cell.startswith(("=", "+", "-", "@", "\t", "\r")), (column, cell[:40])
    by_id = {r[header.index("id")]: dict(zip(header, r)) for r in body}
    first = by_id[f"evil-{SCRIPT}#3"]
    assert first["title"] == f"'=cmd|' /C calc'!A0 {SCRIPT}"  # quoted, nothing else changed
    assert first["place"] == f"'@Seoul {MARKDOWN}" and first["source"] == f"'@SUM(1+1) {IMG}"
    assert first["sentence"].startswith("'=HYPERLINK(")
    assert by_id["evil-2#0"]["title"] == f"'\t=1+1 {SVG}"
    assert by_id[f"evil-{SCRIPT}#2"]["lon"] == "-100.499"  # real numbers stay numbers


@pytest.mark.parametrize("fmt", ["geojson", "jsonl"])
def test_json_exports_keep_payloads_verbatim_as_data(hostile_store, tmp_path, fmt):
    text = _cli_export(hostile_store, fmt, tmp_path)
    if fmt == "geojson":
        records = [f["properties"] for f in json.loads(text)["features"]]
    else:
        records = [json.loads(line) for line in text.splitlines()]
    assert len(records) == 6
    sentences = {r["sentence"] for r in records}
    for article, found in hostile_articles():
        for event in found:
            assert event.sentence in sentences  # nothing lost or altered: escaping is the reader's job
    assert any(LONG in r["sentence"] for r in records)


def test_html_export_carries_no_live_payload(hostile_store, tmp_path):
    page = _cli_export(
        hostile_store,
        "html",
        tmp_path,
        "--type",
        "gunfire",
        "--type",
        "border_crossing",
        "--type",
        "arrival",
        "--type",
        "talks",
        "--type",
        "detention",
    )
    for payload in TAGGED:
        assert payload not in page
    cfg = _config(page)
    for record in cfg["events"]:
        _assert_inert(record["popup"])
    assert "<title>" in page and page.count("<title>") == 1


def test_hostile_filter_values_are_bound_not_spliced(hostile_store):
    frame = hostile_store.query()
    for value in ("' OR 1=1 --", "%", "_", "\\", "x'); DROP TABLE events; --", SCRIPT, '"'):
        # The oracle: a literal, case-insensitive substring match, as the filter promises.
        low = value.lower()
        expected = sum(
            low in json.dumps(list(actors), ensure_ascii=False).lower()
            and (low in sentence.lower() or low in title.lower())
            for actors, sentence, title in zip(frame["actors"], frame["sentence"], frame["title"])
        )
        assert len(hostile_store.query(Filters(actor=value, text=value))) == expected, value
        assert len(hostile_store.query(Filters(types=(value,), countries=(value,), sources=(value,)))) == 0
    assert hostile_store.counts() == {"articles": 2, "events": 6, "places": 6}  # nothing dropped


_SQL_CALLS = {"execute", "executemany", "executescript", "exec_driver_sql", "text"}


def _sql_calls(path: Path):
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Call) and node.args:
            name = node.func.attr if isinstance(node.func, ast.Attribute) else getattr(node.func, "id", "")
            if name in _SQL_CALLS:
                yield node


@pytest.mark.parametrize("module", ["src/events/store.py", "src/events/geo/gazetteer.py"])
def test_sql_is_parameterised(module):
    """No SQL string is built from values: f-strings may only splice in '?' placeholder lists."""
    path = REPO / module
    if not path.exists():
        pytest.skip(f"{module} not present")
    for call in _sql_calls(path):
        sql = call.args[0]
        where = f"{module}:{call.lineno}"
        if isinstance(sql, ast.BinOp):  # only constants joined: literals and module-level UPPER_CASE names
            leaves = [n for n in ast.walk(sql) if not isinstance(n, (ast.BinOp, ast.Add, ast.Load))]
            assert isinstance(sql.op, ast.Add), where
            assert all(
                isinstance(n, ast.Constant) or (isinstance(n, ast.Name) and n.id.isupper()) for n in leaves
            ), where
        assert not (isinstance(sql, ast.Call) and getattr(sql.func, "attr", "") == "format"), where
        if isinstance(sql, ast.JoinedStr):
            spliced = [ast.unparse(v.value) for v in sql.values if isinstance(v, ast.FormattedValue)]
            assert all(re.fullmatch(r"marks|placeholders", s) for s in spliced), (where, spliced)


# -- the dashboard: the table holds text, links only http(s); URL filter values are validated ------------


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
