"""Opt-in network: fetch a URL politely (named user agent, timeout, size cap, robots.txt respected)."""

import email.utils
import http.client
import time
import urllib.error
import urllib.request
import urllib.robotparser
from dataclasses import dataclass
from datetime import UTC, datetime
from urllib.parse import urlsplit, urlunsplit

from events import config
from events.errors import InputError
from events.readers.base import ReadOptions

ROBOTS_MAX_BYTES = 512 * 1024
ROBOTS_TTL = 24 * 3600.0  # a long-running `events watch` re-reads robots.txt daily
_robots: dict[
    tuple[str, str], urllib.robotparser.RobotFileParser
] = {}  # (origin, agent) -> rules, per process


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
        raise InputError(
            "set EVENTS_USER_AGENT to a user agent that names you and a contact, "
            "e.g. 'border-events/0.1 (you@example.org)', to fetch URLs"
        )
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
    return _retrying(lambda: _get(url, agent, options.timeout, options.max_fetch_bytes))


RETRY_STATUS = {429, 500, 502, 503, 504}
RETRIES = 2  # so at most three requests for one URL
MAX_WAIT = 30.0  # seconds; a longer Retry-After gives up instead of stalling the batch


def _retrying(get):
    """Retry a busy (429) or failing (5xx) server, or a timeout, a bounded number of times with backoff."""
    for attempt in range(RETRIES + 1):
        try:
            return get()
        except _Retryable as exc:
            wait = exc.retry_after if exc.retry_after is not None else 2.0**attempt
            if attempt == RETRIES or wait > MAX_WAIT:
                raise InputError(f"{exc} (gave up after {attempt + 1} tries)") from exc
            _sleep(wait)


def _sleep(seconds: float) -> None:
    time.sleep(seconds)  # behind a function so tests can patch it


def allowed(url: str, agent: str, timeout: float) -> bool:
    """Whether robots.txt lets `agent` fetch `url` (read once per site a day)."""
    parts = urlsplit(url)
    origin = urlunsplit((parts.scheme, parts.netloc, "", "", ""))
    rules = _robots.get((origin, agent))
    if rules is None or time.time() - rules.mtime() > ROBOTS_TTL:
        rules = urllib.robotparser.RobotFileParser(origin + "/robots.txt")
        try:
            page = _get(origin + "/robots.txt", agent, timeout, ROBOTS_MAX_BYTES)
            rules.parse(page.data.decode("utf-8", errors="replace").splitlines())
        except _Retryable as exc:  # the server is busy or down: try again on a later run, fetch nothing now
            raise InputError(f"{url}: robots.txt unavailable ({exc}); not fetched") from exc
        except _HTTPStatus as exc:
            # The robots.txt convention: 401/403 means keep out; any other missing file means no rules.
            if exc.status in (401, 403):
                rules.disallow_all = True
            else:
                rules.allow_all = True
        rules.modified()
        _robots[(origin, agent)] = rules
    return rules.can_fetch(agent, url)


class _HTTPStatus(InputError):
    def __init__(self, message: str, status: int):
        super().__init__(message)
        self.status = status


class _Retryable(_HTTPStatus):
    def __init__(self, message: str, status: int, retry_after: float | None = None):
        super().__init__(message, status)
        self.retry_after = retry_after


def _get(url: str, agent: str, timeout: float, limit: int) -> Page:
    request = urllib.request.Request(
        url,
        headers={
            "User-Agent": agent,
            "Accept": "text/html,application/xhtml+xml,application/rss+xml,application/atom+xml,"
            "application/xml;q=0.9,text/plain;q=0.8,*/*;q=0.5",
        },
    )
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            length = response.headers.get("Content-Length")
            if length and length.isdigit() and int(length) > limit:
                raise InputError(f"{url}: {int(length) // 1024} KB, over the {limit // 1024} KB fetch limit")
            data, deadline = bytearray(), time.monotonic() + 3 * timeout  # a trickling server is cut off too
            while len(data) <= limit and (chunk := response.read1(64 * 1024)):  # never more than the cap
                data += chunk
                if time.monotonic() > deadline:
                    raise _Retryable(
                        f"{url}: cannot fetch: timed out (body slower than {3 * timeout:g} s)", 0
                    )
            if len(data) > limit:
                raise InputError(f"{url}: over the {limit // 1024} KB fetch limit; not read further")
            if length and length.isdigit() and len(data) < int(length):
                raise InputError(
                    f"{url}: cannot fetch: connection closed after {len(data)} of {length} bytes"
                )
            data = bytes(data)
            return Page(
                url=response.geturl(), data=data, content_type=response.headers.get_content_type() or ""
            )
    except urllib.error.HTTPError as exc:
        if exc.code in RETRY_STATUS:
            raise _Retryable(
                f"{url}: HTTP {exc.code} {exc.reason}", exc.code, _retry_after(exc.headers.get("Retry-After"))
            ) from exc
        raise _HTTPStatus(f"{url}: HTTP {exc.code} {exc.reason}", exc.code) from exc
    except urllib.error.URLError as exc:
        if isinstance(exc.reason, TimeoutError):
            raise _Retryable(f"{url}: cannot fetch: timed out", 0) from exc
        raise InputError(f"{url}: cannot fetch: {exc.reason}") from exc
    except http.client.HTTPException as exc:  # not HTTP at all, or cut short
        raise InputError(
            f"{url}: cannot fetch: {exc.__class__.__name__}: {' '.join(str(exc).split())}"
        ) from exc
    except TimeoutError as exc:  # the body was slower than the timeout
        raise _Retryable(f"{url}: cannot fetch: timed out", 0) from exc
    except OSError as exc:
        raise InputError(f"{url}: cannot fetch: {exc.__class__.__name__}: {exc}") from exc


def _retry_after(value: str | None) -> float | None:
    """Seconds from a Retry-After header (seconds or an HTTP date); None when absent or unreadable."""
    if not value:
        return None
    if value.strip().isdigit():
        return float(value)
    try:
        when = email.utils.parsedate_to_datetime(value)
        return max(0.0, (when - datetime.now(UTC)).total_seconds())
    except (TypeError, ValueError):
        return None
