"""Watch a folder, feed file or URL: read only the items not seen before, remembering them in the store.

An item's key is path|mtime|size for a file (an edited file is new again) and feed|entry id for a feed entry.
Keys are marked seen only after their articles are stored, chunk by chunk: a restart re-reads at most one
chunk (the store skips what it already has) and misses nothing.
"""

import hashlib
import re
import time
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, fields
from pathlib import Path

from events.errors import InputError
from events.models import Article
from events.readers import _one_line, folder_files, format_of, read_file, read_page
from events.readers.base import MAX_BYTES, ReadOptions, check_size
from events.readers.feeds import entry_article, parse_feed

CHUNK = 32  # items processed, stored, then marked seen together


@dataclass(frozen=True)
class Item:
    """Something to read once: its key, and how to read it."""

    key: str
    read: Callable[[], Iterable[Article | InputError]]


def discover(target: str, options: ReadOptions, settle: float = 0.0) -> list[Item | InputError]:
    """The items a target holds now; files modified less than `settle` seconds ago wait for the next pass."""
    if "://" in target:
        return _url_items(target, options)
    path = Path(target)
    if path.is_dir():
        files = folder_files(path)
    elif path.is_file():
        files = [path]
    else:
        return [InputError(f"{target}: no such file or folder")]
    items: list[Item | InputError] = []
    now = time.time()
    for file in files:
        try:
            stat = file.stat()
        except OSError as exc:
            items.append(InputError(f"{file}: cannot read: {exc.strerror or exc}"))
            continue
        if now - stat.st_mtime < settle:
            continue
        if format_of(file) == "feed":
            items.extend(_feed_file_items(file, options))
        else:
            key = f"file:{file.resolve()}|{stat.st_mtime_ns}|{stat.st_size}"
            items.append(Item(key, lambda file=file: read_file(file, options=options)))
    return items


def watch_pass(
    target: str, store, options: ReadOptions, ingest: Callable[[Iterable], object], settle: float = 0.0
):
    """Read and ingest the target's new items once; returns the pipeline's summary, merged over chunks."""
    found = discover(target, options, settle)
    errors = [_one_line(item) for item in found if isinstance(item, InputError)]
    items = [item for item in found if isinstance(item, Item)]
    fresh = set(store.unseen(item.key for item in items))
    todo = [item for item in items if item.key in fresh]
    total = ingest(iter(errors))
    for start in range(0, len(todo), CHUNK):
        chunk = todo[start : start + CHUNK]
        _merge(total, ingest(_read_all(chunk)))
        store.mark_seen([item.key for item in chunk], target)
    return total


def watch(
    target: str,
    store,
    options: ReadOptions,
    ingest: Callable[[Iterable], object],
    every: float,
    report: Callable[[object], None],
    passes: int | None = None,
    settle: float = 2.0,
) -> None:
    """Run watch_pass every `every` seconds (forever, or `passes` times), reporting each pass's summary.

    Files modified in the last `settle` seconds may still be being written: they wait for the next pass.
    """
    done = 0
    while passes is None or done < passes:
        began = time.monotonic()
        report(watch_pass(target, store, options, ingest, settle=min(settle, every / 2)))
        done += 1
        if passes is None or done < passes:
            _sleep(max(0.0, every - (time.monotonic() - began)))


def parse_interval(text: str) -> float:
    """Seconds from '90', '30s', '10m', '2h' or '1d'."""
    match = re.fullmatch(r"\s*(\d+(?:\.\d+)?)\s*([smhd]?)\s*", str(text).lower())
    if not match or float(match[1]) <= 0:
        raise InputError(f"interval {text!r} is not like 30s, 10m, 2h or 1d")
    return float(match[1]) * {"": 1, "s": 1, "m": 60, "h": 3600, "d": 86400}[match[2]]


def _feed_file_items(file: Path, options: ReadOptions) -> list[Item | InputError]:
    try:
        check_size(file, MAX_BYTES)
        entries = parse_feed(file.read_bytes(), str(file))
    except InputError as exc:
        return [exc]
    except OSError as exc:
        return [InputError(f"{file}: cannot read: {exc.strerror or exc}")]
    return _entry_items(f"feed:{file.resolve()}", str(file), entries, options)


def _url_items(url: str, options: ReadOptions) -> list[Item | InputError]:
    from events.readers.fetch import fetch

    try:
        page = fetch(url, options)
    except InputError as exc:
        return [exc if str(exc).startswith(url) else InputError(f"{url}: {exc}")]
    try:
        entries = parse_feed(page.data, url)
    except InputError:  # not a feed: a page, new whenever its content changes
        digest = hashlib.sha1(page.data).hexdigest()[:16]
        return [Item(f"url:{url}|{digest}", lambda: read_page(page, url, options))]
    return _entry_items(f"feed:{url}", url, entries, options)


def _entry_items(prefix: str, name: str, entries, options: ReadOptions) -> list[Item]:
    from events.readers.fetch import fetch

    def read(number, entry):
        return [entry_article(entry, f"{name}#{number}", options, lambda link: fetch(link, options))]

    return [Item(f"{prefix}|{e.key}", lambda n=n, e=e: read(n, e)) for n, e in enumerate(entries, start=1)]


def _read_all(items: list[Item]) -> Iterator[Article | InputError]:
    for item in items:
        for read in item.read():
            yield _one_line(read) if isinstance(read, InputError) else read


def _merge(total, part) -> None:
    """Add one chunk's summary into the running one, field by field (counts, counters, lists)."""
    for f in fields(total):
        mine, theirs = getattr(total, f.name), getattr(part, f.name)
        if isinstance(mine, Counter):
            mine.update(theirs)
        elif isinstance(mine, list):
            mine.extend(theirs)
        elif isinstance(mine, (int, float)) and not isinstance(mine, bool):
            setattr(total, f.name, mine + theirs)


def _sleep(seconds: float) -> None:
    time.sleep(seconds)  # behind a function so tests can patch it
