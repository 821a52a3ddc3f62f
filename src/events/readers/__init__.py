"""Readers: files, folders, URLs and stdin -> Article, or an InputError naming the item and the reason.

Formats: plain text, HTML pages, RSS/Atom feeds, JSONL/JSON and CSV/TSV exports; a folder is read
recursively, each file by its extension, or by its first bytes when the extension says nothing.
"""

import os
import sys
from collections.abc import Iterable, Iterator
from dataclasses import replace
from datetime import date
from pathlib import Path

from events.errors import InputError
from events.models import Article
from events.readers.base import (
    MAX_BYTES,
    MAX_TABLE_BYTES,
    ReadOptions,
    build_article,
    check_size,
    decode,
    guard,
    is_binary,
    parse_day,
    parse_published,
)
from events.readers.tables import json_article, open_table, read_csv, read_json_array, read_jsonl

__all__ = [
    "MAX_BYTES",
    "ReadOptions",
    "format_of",
    "json_article",
    "parse_day",
    "parse_published",
    "read_file",
    "read_jsonl",
    "read_page",
    "read_paths",
    "read_url",
    "text_article",
]

SUFFIXES = {
    ".txt": "text",
    ".text": "text",
    ".md": "text",
    ".jsonl": "jsonl",
    ".ndjson": "jsonl",
    ".json": "json",
    ".csv": "csv",
    ".tsv": "csv",
    ".html": "html",
    ".htm": "html",
    ".xhtml": "html",
    ".shtml": "html",
    ".rss": "feed",
    ".atom": "feed",
    ".xml": "feed",
    ".rdf": "feed",
}
# Never sniffed inside folders: formats the tool does not read, or junk a folder commonly holds.
_IGNORED = {
    ".pdf",
    ".doc",
    ".docx",
    ".xls",
    ".xlsx",
    ".png",
    ".jpg",
    ".jpeg",
    ".gif",
    ".webp",
    ".zip",
    ".gz",
    ".bz2",
    ".xz",
    ".7z",
    ".tar",
    ".mp3",
    ".mp4",
    ".exe",
    ".so",
    ".pyc",
    ".sqlite",
    ".db",
    ".py",
    ".js",
    ".css",
    ".sh",
    ".toml",
    ".yaml",
    ".yml",
    ".ini",
    ".cfg",
    ".log",
}


def read_paths(
    paths: Iterable[str], published: date | None = None, options: ReadOptions | None = None
) -> Iterator[Article | InputError]:
    """Articles from files, folders (recursive), URLs (with options.fetch) and '-' (stdin), in order.

    Failures are yielded, not raised, so one bad item never stops the batch.
    """
    options = _merge(options, published)
    for name in paths:
        for item in _read_one(name, options):
            yield _one_line(item) if isinstance(item, InputError) else item


def _read_one(name: str, options: ReadOptions) -> Iterator[Article | InputError]:
    if name == "-":
        yield from _read_stdin(options)
    elif "://" in name:  # a URL; fetch() refuses schemes other than http(s)
        yield from read_url(name, options)
    elif (path := Path(name)).is_dir():
        for child in folder_files(path):
            yield from read_file(child, options=options)
    elif path.is_file():
        yield from read_file(path, options=options)
    elif path.exists():  # /dev/zero reports 0 bytes and never ends; a FIFO blocks until someone writes
        yield InputError(f"{name}: not a regular file; not read")
    else:
        yield InputError(f"{name}: no such file or folder")


def _one_line(error: InputError, limit: int = 500) -> InputError:
    """Errors quote what they found (a header, a date): keep them to one line of bounded length."""
    message = str(error)
    if "\n" not in message and "\r" not in message and len(message) <= limit:
        return error
    flat = " ".join(message.split())
    return InputError(flat if len(flat) <= limit else flat[: limit - 1] + "…")


def folder_files(folder: Path) -> list[Path]:
    """The readable files under a folder, sorted: known extensions, and unknown ones that sniff as text."""
    found = []
    for path in sorted(folder.rglob("*")):
        if path.name.startswith(".") or not path.is_file() or path.suffix.lower() in _IGNORED:
            continue
        if path.suffix.lower() in SUFFIXES or format_of(path, sniff_only=True):
            found.append(path)
    return found


def format_of(path: Path, sniff_only: bool = False) -> str | None:
    """text, html, feed, json, jsonl or csv: by extension, else by the first bytes; None for binary."""
    if not sniff_only and path.suffix.lower() in SUFFIXES:
        return SUFFIXES[path.suffix.lower()]
    try:
        with path.open("rb") as handle:
            head = handle.read(4096)
    except OSError:
        return None
    return sniff(head)


def sniff(head: bytes) -> str | None:
    """The format a document's first bytes show; None when it is binary or empty."""
    if not head.strip() or is_binary(head):
        return None
    try:
        start = decode(head, "").lstrip("\ufeff \t\r\n").lower()
    except InputError:
        return "text"  # broken UTF-16: reading it will say so
    if start.startswith("<?xml"):
        return "html" if "<html" in start[:1024] else "feed"
    if start.startswith(("<rss", "<feed", "<rdf:rdf")):
        return "feed"
    if start.startswith(("<!doctype html", "<html", "<head", "<body", "<!--")) or "<html" in start[:1024]:
        return "html"
    if start.startswith("{"):
        return "jsonl"
    if start.startswith("["):
        return "json"
    return "text"


def read_file(
    path: Path, published: date | None = None, options: ReadOptions | None = None
) -> Iterator[Article | InputError]:
    """Articles from one file of any supported format."""
    from events.readers.feeds import read_feed
    from events.readers.html import html_article

    options = _merge(options, published)
    name = str(path)
    try:
        fmt = format_of(path)
        if fmt in ("jsonl", "csv"):
            if check_size(path, MAX_TABLE_BYTES) == 0:
                raise InputError(f"{name}: empty file")
            yield from _read_table(path, fmt, options)
            return
        check_size(path, MAX_BYTES)
        data = path.read_bytes()
    except InputError as exc:
        yield exc
        return
    except OSError as exc:
        yield InputError(f"{name}: cannot read: {exc.strerror or exc}")
        return
    if fmt is None and data.strip():
        yield InputError(f"{name}: binary file, not text")
    elif fmt == "html":
        yield _from_file(guard(lambda: html_article(data, name, options), name), path)
    elif fmt == "feed":
        yield from read_feed(data, name, options, fetcher=lambda url: _fetch(url, options))
    elif fmt == "json":
        yield from _decoded(data, name, lambda text: read_json_array(text, name, options))
    else:
        yield from _decoded(
            data,
            name,
            lambda text: [_from_file(guard(lambda: text_article(text, name, options=options), name), path)],
        )


def _from_file(item: Article | InputError, path: Path) -> Article | InputError:
    """An article that is a whole file remembers it, so the file edited later replaces it in the store."""
    if not isinstance(item, Article):
        return item
    name = os.fsencode(path.resolve()).decode("utf-8", "backslashreplace")  # any bytes Linux allows in a name
    return replace(item, origin=f"file:{name}")


def read_url(url: str, options: ReadOptions) -> Iterator[Article | InputError]:
    """Articles from a URL (network opt-in): a feed gives its entries, a page its article."""
    try:
        page = _fetch(url, options)
    except InputError as exc:
        yield exc if str(exc).startswith(url) else InputError(f"{url}: {exc}")
        return
    yield from read_page(page, url, options)


def read_page(page, url: str, options: ReadOptions) -> Iterator[Article | InputError]:
    """Articles from a fetched page (events.readers.fetch.Page): a feed's entries, or a page's article."""
    from events.readers.feeds import read_feed
    from events.readers.html import html_article

    fmt = _content_format(page.content_type) or sniff(page.data[:4096])
    if fmt == "feed":
        yield from read_feed(page.data, url, options, fetcher=lambda link: _fetch(link, options))
    elif fmt == "html":
        yield guard(lambda: html_article(page.data, url, options, url=page.url), url)
    elif fmt == "text":
        yield from _decoded(
            page.data,
            url,
            lambda text: [guard(lambda: text_article(text, url, options=options, url=page.url), url)],
        )
    else:
        yield InputError(f"{url}: cannot read content of type {page.content_type or 'unknown'!r}")


def text_article(
    text: str, name: str, published: date | None = None, options: ReadOptions | None = None, url: str = ""
) -> Article:
    """A plain-text article: first line the title, the rest the body; the id is a hash of the text."""
    title, _, body = text.strip().partition("\n")
    if not body.strip():
        title, body = "", title
    return build_article(
        body,
        name=name,
        options=_merge(options, published),
        title=title,
        url=url,
        source=name,
        input_format="text",
    )


def _read_table(path: Path, fmt: str, options: ReadOptions) -> Iterator[Article | InputError]:
    with path.open("rb") as raw:
        if is_binary(raw.read(4096)):
            yield InputError(f"{path}: binary file, not text")
            return
    with open_table(path) as stream:
        if fmt == "jsonl":
            yield from read_jsonl(stream, str(path), options=options)
        else:
            yield from read_csv(
                stream, str(path), options, delimiter="\t" if path.suffix.lower() == ".tsv" else None
            )


def _decoded(data: bytes, name: str, read) -> Iterator[Article | InputError]:
    try:
        text = decode(data, name)
    except InputError as exc:
        yield exc
        return
    yield from read(text)


def _content_format(content_type: str) -> str | None:
    kind = content_type.lower()
    if kind in ("application/rss+xml", "application/atom+xml", "application/rdf+xml"):
        return "feed"
    if kind in ("text/html", "application/xhtml+xml"):
        return "html"
    return None  # text/xml, text/plain, application/xml...: look at the bytes


def _fetch(url: str, options: ReadOptions):
    from events.readers.fetch import fetch

    return fetch(url, options)


def _read_stdin(options: ReadOptions) -> Iterator[Article | InputError]:
    raw = getattr(sys.stdin, "buffer", None)
    try:  # the bytes, decoded like a file's: UTF-16, legacy encodings, and binary refused
        text = decode(raw.read(), "<stdin>") if raw else sys.stdin.read()
    except InputError as exc:
        yield exc
        return
    if text.lstrip().startswith("{"):
        yield from read_jsonl(text.splitlines(), "<stdin>", options=options)
    else:
        yield guard(lambda: text_article(text, "<stdin>", options=options), "<stdin>")


def _merge(options: ReadOptions | None, published: date | None) -> ReadOptions:
    options = options or ReadOptions()
    return replace(options, published=published) if published else options
