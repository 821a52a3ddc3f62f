"""Injection: what an article smuggles in (HTML, JavaScript, javascript: links, Markdown, formulas, huge strings)
reaches popups, the story and every export as text, never as markup or code; SQL stays parameterised. The page
and the browser: test_hostile_injection_page.py.
"""

import ast
import csv
import io
import json
import re
from pathlib import Path

import pytest
from click.testing import CliRunner
from hostile import (
    IMG,
    JS_URL,
    LONG,
    MARKDOWN,
    REPO,
    SCRIPT,
    SVG,
    TAGGED,
    _assert_inert,
    _config,
    hostile_articles,
)

from events import mapview, popups
from events.cli import main
from events.store import Filters, Store


@pytest.fixture(scope="module")
def frame(hostile_store):
    return hostile_store.query()


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
