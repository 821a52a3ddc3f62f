"""Opt-in network: fetch a URL politely (named user agent, timeout, size cap, robots.txt respected)."""

import urllib.error
import urllib.request
import urllib.robotparser
from dataclasses import dataclass
from urllib.parse import urlsplit, urlunsplit

from events import config
from events.errors import InputError
from events.ingest.base import ReadOptions

ROBOTS_MAX_BYTES = 512 * 1024
_robots: dict[tuple[str, str], urllib.robotparser.RobotFileParser] = {}  # (origin, agent) -> rules, per process


@dataclass(frozen=True)
class Page:
    """What a fetch returned: the final URL (after redirects), the body and its content type."""

    url: str
    data: bytes
    content_type: str


def user_agent() -> str:
    """EVENTS_USER_AGENT, required: servers should know who is fetching and how to reach them."""
    agent = (config.get("EVENTS_USER_AGENT") or "").strip()
    if not agent:
        raise InputError("set EVENTS_USER_AGENT to a user agent that names you and a contact, "
                         "e.g. 'border-events/0.1 (you@example.org)', to fetch URLs")
    return agent


def fetch(url: str, options: ReadOptions) -> Page:
    """GET one http(s) URL; InputError (naming the URL) when refused by robots.txt, too big, or failing."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise InputError(f"{url}: only http and https URLs are fetched")
    if not options.fetch:
        raise InputError(f"{url}: network is off; pass --fetch to read URLs")
    try:
        agent = user_agent()
    except InputError as exc:
        raise InputError(f"{url}: {exc}") from exc
    if not allowed(url, agent, options.timeout):
        raise InputError(f"{url}: disallowed by the site's robots.txt for {agent!r}")
    return _get(url, agent, options.timeout, options.max_fetch_bytes)


def allowed(url: str, agent: str, timeout: float) -> bool:
    """Whether robots.txt lets `agent` fetch `url` (read once per site and process)."""
    parts = urlsplit(url)
    origin = urlunsplit((parts.scheme, parts.netloc, "", "", ""))
    rules = _robots.get((origin, agent))
    if rules is None:
        rules = urllib.robotparser.RobotFileParser(origin + "/robots.txt")
        try:
            page = _get(origin + "/robots.txt", agent, timeout, ROBOTS_MAX_BYTES)
            rules.parse(page.data.decode("utf-8", errors="replace").splitlines())
        except _HTTPStatus as exc:
            # The robots.txt convention: 401/403 means keep out; any other missing file means no rules.
            if exc.status in (401, 403):
                rules.disallow_all = True
            else:
                rules.allow_all = True
        _robots[(origin, agent)] = rules
    return rules.can_fetch(agent, url)


class _HTTPStatus(InputError):
    def __init__(self, message: str, status: int):
        super().__init__(message)
        self.status = status


def _get(url: str, agent: str, timeout: float, limit: int) -> Page:
    request = urllib.request.Request(url, headers={
        "User-Agent": agent,
        "Accept": "text/html,application/xhtml+xml,application/rss+xml,application/atom+xml,"
                  "application/xml;q=0.9,text/plain;q=0.8,*/*;q=0.5",
    })
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            length = response.headers.get("Content-Length")
            if length and length.isdigit() and int(length) > limit:
                raise InputError(f"{url}: {int(length) // 1024} KB, over the {limit // 1024} KB fetch limit")
            data = response.read(limit + 1)  # never more than the cap, whatever the server says
            if len(data) > limit:
                raise InputError(f"{url}: over the {limit // 1024} KB fetch limit; not read further")
            return Page(url=response.geturl(), data=data,
                        content_type=response.headers.get_content_type() or "")
    except urllib.error.HTTPError as exc:
        raise _HTTPStatus(f"{url}: HTTP {exc.code} {exc.reason}", exc.code) from exc
    except urllib.error.URLError as exc:
        raise InputError(f"{url}: cannot fetch: {exc.reason}") from exc
    except (TimeoutError, OSError) as exc:
        raise InputError(f"{url}: cannot fetch: {exc.__class__.__name__}: {exc}") from exc
