"""RSS and Atom feeds -> Article, one per entry; with follow_links, each entry's page is fetched instead."""

import hashlib
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date

from events.errors import InputError
from events.models import Article
from events.readers.base import ReadOptions, build_article, parse_published
from events.readers.html import fragment_text, html_article


@dataclass(frozen=True)
class Entry:
    """One feed entry, with a key that stays the same however often the feed is read."""

    key: str
    title: str
    link: str
    published: date | None
    text: str  # plain text of the content, else the summary
    feed_title: str


def parse_feed(data: bytes, name: str) -> list[Entry]:
    """The entries of an RSS 2.0/1.0 or Atom document; InputError when it is not a feed."""
    import feedparser

    if not isinstance(data, bytes):
        raise TypeError("parse_feed takes bytes (a str would be taken for a URL)")
    if not data.strip():
        raise InputError(f"{name}: empty file")
    feed = feedparser.parse(data)  # bytes: parsed in memory, feedparser never fetches anything
    if not feed.get("version"):
        reason = feed.get("bozo_exception")
        raise InputError(f"{name}: not an RSS or Atom feed" + (f" ({reason})" if reason else ""))
    feed_title = str(feed.feed.get("title", "")).strip()
    return [_entry(raw, feed_title) for raw in feed.entries]


def read_feed(data: bytes, name: str, options: ReadOptions, fetcher=None) -> Iterator[Article | InputError]:
    """Articles from a feed document; `fetcher(url) -> Page` is used for follow_links."""
    try:
        entries = parse_feed(data, name)
    except InputError as exc:
        yield exc
        return
    for number, entry in enumerate(entries, start=1):
        yield entry_article(entry, f"{name}#{number}", options, fetcher)


def entry_article(entry: Entry, item: str, options: ReadOptions, fetcher=None) -> Article | InputError:
    """One entry as an article: its own summary/content, or its linked page when following links."""
    try:
        if options.follow_links and options.fetch and fetcher and entry.link:  # network only when opted in
            page = fetcher(entry.link)
            return html_article(
                page.data,
                entry.link,
                options,
                url=page.url,
                title=entry.title,
                published=entry.published,
                source=entry.feed_title,
            )
        if not entry.text:
            raise InputError(f"{item}: entry {entry.title or entry.link!r} has no summary or content")
        return build_article(
            entry.text,
            name=item,
            options=options,
            id=entry.key,
            title=entry.title,
            url=entry.link,
            published=entry.published,
            source=entry.feed_title,
            input_format="feed",
        )
    except InputError as exc:
        message = str(exc)
        return exc if message.startswith((item, entry.link or item)) else InputError(f"{item}: {message}")


def _entry(raw, feed_title: str) -> Entry:
    content = raw.get("content") or []
    html = max((c.get("value", "") for c in content), key=len, default="") or raw.get("summary", "")
    text = fragment_text(html)
    link = str(raw.get("link", "")).strip()
    link = link if link.startswith(("http://", "https://")) else ""  # feedparser copies urn: ids into link
    title = fragment_text(str(raw.get("title", "")))
    key = str(raw.get("id") or link or "").strip()
    if not key:  # neither id nor link: the title and text identify it
        key = "sha1:" + hashlib.sha1(f"{title}\n{text}".encode()).hexdigest()[:16]
    return Entry(
        key=key, title=title, link=link, published=_entry_date(raw), text=text, feed_title=feed_title
    )


def _entry_date(raw) -> date | None:
    # dict.get: feedparser's own get() maps updated -> published with a deprecation warning
    for field in ("published_parsed", "updated_parsed", "created_parsed"):
        parsed = dict.get(raw, field)
        if parsed:
            return date(parsed.tm_year, parsed.tm_mon, parsed.tm_mday)
    for field in ("published", "updated"):  # a date feedparser could not read: try ours, else none
        try:
            found = parse_published(dict.get(raw, field))
        except InputError:
            continue
        if found:
            return found
    return None
