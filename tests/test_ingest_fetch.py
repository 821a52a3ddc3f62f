"""Opt-in URL and feed fetching against a local HTTP server: user agent, robots.txt, size cap, timeouts."""

import time
from http.server import BaseHTTPRequestHandler
from pathlib import Path
from typing import ClassVar

import pytest
from conftest import local_server

from events.errors import InputError
from events.readers import ReadOptions, read_paths
from events.readers import fetch as fetch_module

FIXTURES = Path(__file__).parent / "fixtures" / "ingest"
AGENT = "border-events-tests/0.1 (tests@example.org)"

PAGE = (FIXTURES / "border-herald.html").read_bytes()
ROBOTS = b"User-agent: *\nDisallow: /private/\n"


def _feed(base: str) -> bytes:
    return f"""<?xml version="1.0"?><rss version="2.0"><channel><title>Local Wire</title>
<item><title>Defection at Paju</title><link>{base}/page/1.html</link><guid>lw-1</guid>
<pubDate>Sun, 03 May 2026 06:00:00 GMT</pubDate><description>A soldier crossed near Paju.</description></item>
<item><title>Hidden</title><link>{base}/private/2.html</link><guid>lw-2</guid>
<description>Behind robots.txt.</description></item>
</channel></rss>""".encode()


class Handler(BaseHTTPRequestHandler):
    seen: ClassVar[list[tuple[str, str]]] = []
    hits: ClassVar[dict[str, int]] = {}

    def do_GET(self):
        Handler.seen.append((self.path, self.headers.get("User-Agent", "")))
        base = f"http://{self.headers['Host']}"
        routes = {
            "/robots.txt": ("text/plain", ROBOTS),
            "/feed.xml": ("application/rss+xml", _feed(base)),
            "/feed-as-xml": ("text/xml", _feed(base)),
            "/page/1.html": ("text/html; charset=utf-8", PAGE),
            "/private/2.html": ("text/html", PAGE),
            "/notes.txt": ("text/plain", b"Arrivals\nSEOUL - Four defectors arrived in Seoul on Wednesday."),
            "/big": ("text/html", b"<p>" + b"x" * 50_000 + b"</p>"),
            "/image.png": ("image/png", b"\x89PNG\r\n\x1a\n\x00\x00\x00"),
        }
        Handler.hits[self.path] = Handler.hits.get(self.path, 0) + 1
        if self.path == "/flaky" and Handler.hits[self.path] <= 2 or self.path == "/down":
            self.send_error(503 if self.path == "/flaky" else 500)
            return
        if self.path == "/busy":
            self.send_response(429)
            self.send_header("Retry-After", "120")
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        routes["/flaky"] = ("text/html", PAGE)
        if self.path == "/slow":
            time.sleep(1.5)
            routes["/slow"] = ("text/plain", b"late")
        if self.path not in routes:
            self.send_error(404, "Not Found")
            return
        kind, body = routes[self.path]
        self.send_response(200)
        self.send_header("Content-Type", kind)
        if self.path != "/big":  # no Content-Length: the reader must cap what it reads itself
            self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        try:
            self.wfile.write(body)
        except (BrokenPipeError, ConnectionResetError):  # the reader hung up: its size cap or timeout
            pass

    def log_message(self, *args):
        pass


@pytest.fixture(scope="module")
def server():
    with local_server(Handler) as address:
        yield f"http://{address}"


@pytest.fixture(autouse=True)
def agent(monkeypatch):
    monkeypatch.setenv("EVENTS_USER_AGENT", AGENT)
    fetch_module._robots.clear()
    Handler.seen.clear()
    Handler.hits.clear()
    monkeypatch.setattr(fetch_module, "_sleep", SLEPT.append)
    SLEPT.clear()


SLEPT: list[float] = []


ONLINE = ReadOptions(fetch=True, timeout=5)


def _split(items):
    items = list(items)
    return [i for i in items if not isinstance(i, InputError)], [
        str(i) for i in items if isinstance(i, InputError)
    ]


def test_urls_need_fetch_opt_in(server):
    articles, errors = _split(read_paths([f"{server}/page/1.html"]))
    assert articles == [] and errors == [f"{server}/page/1.html: network is off; pass --fetch to read URLs"]
    assert Handler.seen == []


def test_user_agent_required(server, monkeypatch):
    monkeypatch.delenv("EVENTS_USER_AGENT")
    (error,) = [str(e) for e in read_paths([f"{server}/page/1.html"], options=ONLINE)]
    assert error.startswith(f"{server}/page/1.html: set EVENTS_USER_AGENT") and Handler.seen == []


def test_page_fetched_politely(server):
    (article,), errors = _split(read_paths([f"{server}/page/1.html"], options=ONLINE))
    assert errors == []
    assert article.title == "Soldier defects across DMZ near Paju" and article.input_format == "html"
    assert article.url == "https://border-herald.example/2026/05/03/paju-defection"
    assert [p for p, _ in Handler.seen] == ["/robots.txt", "/page/1.html"]
    assert {agent for _, agent in Handler.seen} == {AGENT}


def test_feed_url_entries(server):
    articles, errors = _split(read_paths([f"{server}/feed.xml", f"{server}/feed-as-xml"], options=ONLINE))
    assert errors == []
    assert [a.id for a in articles] == ["lw-1", "lw-2"] * 2
    assert articles[0].source == "Local Wire" and articles[0].text == "A soldier crossed near Paju."


def test_feed_follow_links_respects_robots(server):
    options = ReadOptions(fetch=True, follow_links=True, timeout=5)
    articles, errors = _split(read_paths([f"{server}/feed.xml"], options=options))
    (article,) = articles
    assert article.text.startswith("PAJU, South Korea – A North Korean soldier")  # the page, not the summary
    assert article.source == "Border Herald"
    assert errors == [f"{server}/private/2.html: disallowed by the site's robots.txt for {AGENT!r}"]
    assert "/private/2.html" not in [p for p, _ in Handler.seen]
    assert [p for p, _ in Handler.seen].count("/robots.txt") == 1  # read once per site


def test_local_feed_file_follow_links(server, tmp_path):
    path = tmp_path / "saved.rss"
    path.write_bytes(_feed(server))
    offline = _split(read_paths([str(path)], options=ReadOptions(follow_links=True)))
    assert [a.text for a in offline[0]] == [
        "A soldier crossed near Paju.",
        "Behind robots.txt.",
    ]  # no network
    online = _split(read_paths([str(path)], options=ReadOptions(fetch=True, follow_links=True, timeout=5)))
    assert [a.input_format for a in online[0]] == ["html"] and len(online[1]) == 1


def test_fetch_failures_are_one_line_errors(server):
    options = ReadOptions(fetch=True, timeout=0.5, max_fetch_bytes=10_000)
    urls = [
        f"{server}/big",
        f"{server}/missing",
        f"{server}/slow",
        f"{server}/image.png",
        "http://127.0.0.1:9/closed",
        "ftp://example.org/x",
        f"{server}/notes.txt",
    ]
    articles, errors = _split(read_paths(urls, options=options))
    assert [a.title for a in articles] == ["Arrivals"]
    assert len(errors) == 6
    for url, error in zip(urls, errors):
        assert error.startswith(url + ": ") and "\n" not in error
    assert "over the 9 KB fetch limit" in errors[0]
    assert "HTTP 404" in errors[1]
    assert "timed out" in errors[2].lower()
    assert "cannot read content of type 'image/png'" in errors[3]
    assert "cannot fetch" in errors[4]
    assert "only http and https" in errors[5]


def test_busy_and_failing_servers_retried_with_backoff(server):
    urls = [f"{server}/flaky", f"{server}/down", f"{server}/busy"]
    articles, errors = _split(read_paths(urls, options=ONLINE))
    assert [a.title for a in articles] == ["Soldier defects across DMZ near Paju"]  # third try worked
    assert Handler.hits["/flaky"] == 3 and Handler.hits["/down"] == 3 and Handler.hits["/busy"] == 1
    assert errors == [
        f"{server}/down: HTTP 500 Internal Server Error (gave up after 3 tries)",
        f"{server}/busy: HTTP 429 Too Many Requests (gave up after 1 tries)",
    ]
    assert SLEPT == [1.0, 2.0, 1.0, 2.0]  # backoff; a Retry-After of two minutes is not waited for


def test_robots_read_again_when_stale(server, monkeypatch):
    list(read_paths([f"{server}/page/1.html"] * 2, options=ONLINE))
    assert [p for p, _ in Handler.seen].count("/robots.txt") == 1
    monkeypatch.setattr(fetch_module, "ROBOTS_TTL", -1.0)
    list(read_paths([f"{server}/page/1.html"] * 2, options=ONLINE))
    assert [p for p, _ in Handler.seen].count("/robots.txt") == 3
