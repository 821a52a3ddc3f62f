"""events watch: new items only, state in the store, nothing re-read or missed across restarts."""

import os
from http.server import BaseHTTPRequestHandler
from typing import ClassVar

import pytest
from click.testing import CliRunner
from conftest import local_server

from events import pipeline
from events.cli import main
from events.errors import InputError
from events.readers import ReadOptions
from events.readers import fetch as fetch_module
from events.readers import watch as watch_module
from events.readers.watch import parse_interval, watch, watch_pass
from events.store import Store


def _report(n: int, day: int = 3) -> str:
    return f"Report {n}\nPAJU, South Korea, May {day}, 2026 – Soldiers of unit {n} held a drill near Paju.\n"


def _feed(entries: list[int]) -> str:
    items = "".join(
        f"<item><title>Entry {n}</title><guid>e-{n}</guid><pubDate>Sun, 03 May 2026 06:00:00 GMT"
        f"</pubDate><description>Migrants crossed the Rio Grande near Eagle Pass, report {n}."
        f"</description></item>"
        for n in entries
    )
    return f'<?xml version="1.0"?><rss version="2.0"><channel><title>W</title>{items}</channel></rss>'


def _pass(target, store, options=None):
    return watch_pass(
        str(target), store, options or ReadOptions(), lambda items: pipeline.ingest(items, store)
    )


def test_folder_new_and_changed_files_only(tmp_path, db_path):
    folder = tmp_path / "inbox"
    folder.mkdir()
    for n in (1, 2):
        (folder / f"r{n}.txt").write_text(_report(n), encoding="utf-8")
    store = Store(str(db_path))
    first = _pass(folder, store)
    assert (first.read, first.stored) == (2, 2)
    assert _pass(folder, store).read == 0  # nothing new
    (folder / "r3.txt").write_text(_report(3), encoding="utf-8")
    (folder / "r1.txt").write_text(_report(1, day=4), encoding="utf-8")  # edited: read again, replaces
    third = _pass(folder, store)
    assert (third.read, third.stored, third.updated) == (2, 1, 1)
    restarted = Store(str(db_path))  # a new process: the state is in the store
    assert _pass(folder, restarted).read == 0
    assert restarted.counts()["articles"] == 3
    dates = restarted.query().groupby("article_id")["published"].first()
    assert sorted(dates) == ["2026-05-03", "2026-05-03", "2026-05-04"]  # r1's events are the edited text's


def test_crash_mid_pass_neither_rereads_nor_misses(tmp_path, db_path, monkeypatch):
    folder = tmp_path / "inbox"
    folder.mkdir()
    for n in range(5):
        (folder / f"r{n}.txt").write_text(_report(n), encoding="utf-8")
    monkeypatch.setattr(watch_module, "CHUNK", 2)
    store = Store(str(db_path))
    calls = []

    def crashing(items):
        calls.append(1)
        if len(calls) == 3:  # the error pass, then chunk 1 goes through, chunk 2 dies
            raise KeyboardInterrupt
        return pipeline.ingest(items, store)

    with pytest.raises(KeyboardInterrupt):
        watch_pass(str(folder), store, ReadOptions(), crashing)
    assert store.counts()["articles"] == 2
    resumed = _pass(folder, Store(str(db_path)))
    assert (resumed.read, resumed.stored) == (3, 3)  # only the three not yet marked seen
    assert store.counts()["articles"] == 5


def test_feed_file_entries_by_id(tmp_path, db_path):
    feed = tmp_path / "wire.rss"
    feed.write_text(_feed([1, 2]), encoding="utf-8")
    store = Store(str(db_path))
    assert _pass(feed, store).read == 2
    feed.write_text(_feed([1, 2, 3]), encoding="utf-8")  # the file changed, but only entry 3 is new
    later = _pass(feed, store)
    assert (later.read, later.stored) == (1, 1)
    feed.write_text("not a feed any more", encoding="utf-8")
    broken = _pass(feed, store)
    assert (
        broken.read == 0 and broken.errors and broken.errors[0].startswith(f"{feed}: not an RSS or Atom feed")
    )


class FeedHandler(BaseHTTPRequestHandler):
    entries: ClassVar[list[int]] = [1]

    def do_GET(self):
        body = (
            b"User-agent: *\nAllow: /\n"
            if self.path == "/robots.txt"
            else _feed(FeedHandler.entries).encode()
        )
        self.send_response(200)
        self.send_header(
            "Content-Type", "text/plain" if self.path == "/robots.txt" else "application/rss+xml"
        )
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


def test_feed_url(db_path, monkeypatch):
    monkeypatch.setenv("EVENTS_USER_AGENT", "border-events-tests/0.1 (tests@example.org)")
    fetch_module._robots.clear()
    with local_server(FeedHandler) as address:
        url = f"http://{address}/feed"
        store = Store(str(db_path))
        online = ReadOptions(fetch=True, timeout=5)
        assert _pass(url, store, online).read == 1
        FeedHandler.entries = [1, 2, 3]
        assert _pass(url, store, online).read == 2
        offline = _pass(url, store)
        assert offline.errors == [f"{url}: network is off; pass --fetch to read URLs"]


def test_loop_sleeps_between_passes(tmp_path, db_path, monkeypatch):
    folder = tmp_path / "inbox"
    folder.mkdir()
    (folder / "a.txt").write_text(_report(1), encoding="utf-8")
    os.utime(folder / "a.txt", (1_700_000_000, 1_700_000_000))  # settled long ago
    sleeps, reports = [], []
    monkeypatch.setattr(watch_module, "_sleep", sleeps.append)
    store = Store(str(db_path))
    watch(
        str(folder),
        store,
        ReadOptions(),
        lambda items: pipeline.ingest(items, store),
        600,
        reports.append,
        passes=3,
    )
    assert [r.read for r in reports] == [1, 0, 0]
    assert len(sleeps) == 2 and all(590 < s <= 600 for s in sleeps)


def test_cli_watch_once(tmp_path, db_path):
    folder = tmp_path / "inbox"
    folder.mkdir()
    (folder / "a.txt").write_text(_report(1), encoding="utf-8")
    (folder / "bad.html").write_text("<html></html>", encoding="utf-8")
    args = ["watch", str(folder), "--db", str(db_path), "--once", "--every", "10m"]
    first = CliRunner().invoke(main, args)
    assert first.exit_code == 1 and "no article text found" in first.stderr
    assert first.stderr.strip().splitlines()[-1].startswith("1 articles read (text 1), 1 stored")
    second = CliRunner().invoke(main, args)  # the broken file is not retried until it changes
    assert second.exit_code == 0 and second.stderr.startswith("0 articles read")
    bad = CliRunner().invoke(main, ["watch", str(folder), "--every", "soon"])
    assert bad.exit_code == 2 and "is not like 30s, 10m" in bad.output


def test_parse_interval():
    assert [parse_interval(t) for t in ("90", "30s", "10m", "2h", "1d", "0.5m")] == [
        90,
        30,
        600,
        7200,
        86400,
        30,
    ]
    for bad in ("", "ten", "-5m", "0", "5w"):
        with pytest.raises(InputError):
            parse_interval(bad)
