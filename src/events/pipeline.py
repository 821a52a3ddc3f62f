"""The one path for the data: article -> parse -> toponyms -> events -> store."""

import logging
import os
from collections import Counter, deque
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from itertools import chain, islice

from events import extract, geo, nlp
from events.errors import EventsError, StoreError
from events.models import Article, Event
from events.store import Store

log = logging.getLogger(__name__)

# Parse only the sentences near a trigger word or naming something (nlp.focus_text): the same events on the
# fixtures and on 118/120 LGL news articles; parse 1.1-1.3x faster (nlp.KEEP_NAMED = False: 2.2x, less alike).
FOCUS = True
PARALLEL_FROM = 64  # starting a second parse process costs seconds: worth it for long inputs only


def process(article: Article, parsed: nlp.Parsed | None = None) -> list[Event]:
    """Extract the geocoded, dated events of one article (none for a non-English one: it is stored as is)."""
    if not is_english(article):
        return []
    parsed = parsed or nlp.parse(article.text, focus=FOCUS)
    toponyms = geo.geoparse(parsed)
    dateline = geo.place_of(parsed.dateline) if parsed.dateline else None
    return extract.extract_events(article, parsed, toponyms, dateline)


def process_many(articles: list[Article]) -> list[list[Event] | EventsError]:
    """`process_stream` over one batch in this process: events or an error for each article, in order."""
    return [found for _, found in process_stream(articles, n_process=1)]


def process_stream(items: Iterable, n_process: int | None = None) -> Iterator[tuple]:
    """(item, events or error) for each Article or EventsError, in order, all parsed through one nlp.pipe.

    One pipe for the whole input lets worker processes start once, not once per batch; by default two when
    the input holds more than PARALLEL_FROM items and the machine has two cores.
    """
    items = iter(items)
    if n_process is None:
        head = list(islice(items, PARALLEL_FROM + 1))
        n_process = min(2, os.cpu_count() or 1) if len(head) > PARALLEL_FROM else 1
        items = chain(head, items)
    queue: deque = deque()

    def texts():
        for item in items:
            queue.append(item)
            if _parses(item):
                yield item.text

    def before_next_parsed():
        while queue and not _parses(queue[0]):
            item = queue.popleft()
            yield item, _result(item)

    try:
        for parsed in nlp.parse_many(texts(), focus=FOCUS, n_process=n_process):
            yield from before_next_parsed()
            article = queue.popleft()
            yield article, _result(article, parsed)
    except Exception:  # nlp.pipe stops at its first failure: what it had not returned goes one at a time
        log.exception("the parse stream failed; going on one article at a time")
        for item in chain(list(queue), items):
            yield item, _result(item)
        return
    yield from before_next_parsed()


def _result(item, parsed: nlp.Parsed | None = None) -> list[Event] | EventsError:
    """What an item yields: a reader's error as it is, no events for a text not read, else its events."""
    if isinstance(item, EventsError):
        return item
    return _guarded(item, parsed) if _parses(item) else []


def _parses(item) -> bool:
    return isinstance(item, Article) and is_english(item)


def _guarded(article: Article, parsed: nlp.Parsed | None) -> list[Event] | EventsError:
    try:
        return process(article, parsed)
    except EventsError as exc:
        return EventsError(f"{article.id}: {exc}")
    except Exception as exc:  # a bug on odd input: report the article and go on with the rest
        log.exception("extraction failed for article %s", article.id)
        return EventsError(f"{article.id}: extraction failed ({exc.__class__.__name__}: {exc})")


def is_english(article: Article) -> bool:
    """The extractor reads English only; other languages are stored, marked, and counted, not extracted."""
    return article.language in ("en", "")


@dataclass
class Summary:
    """What a run did: counts, and one line per item that failed."""

    read: int = 0
    stored: int = 0  # articles newly stored
    updated: int = 0  # articles that replaced their earlier version (same id, URL or file, new text)
    events: int = 0  # events newly stored
    skipped: Counter = field(default_factory=Counter)  # reason -> count
    errors: list[str] = field(default_factory=list)
    formats: Counter = field(
        default_factory=Counter
    )  # input format (text, html, feed, csv...) -> articles read
    published_from: Counter = field(default_factory=Counter)  # metadata, dateline, default, unknown -> count
    not_english: Counter = field(default_factory=Counter)  # language -> articles stored without extraction
    notes: list[str] = field(default_factory=list)  # one line per copy found under another id, per update

    def already_stored(self, article: Article, matched: str) -> None:
        self.skipped["already stored"] += 1
        if matched != article.id:
            self.notes.append(f"{article.id}: already stored as {matched!r} (the same text)")

    def count_read(self, article: Article) -> None:
        """Count one article read: its format, where its date came from, its language."""
        self.read += 1
        self.formats[article.input_format or "other"] += 1
        self.published_from[article.published_from or ("metadata" if article.published else "unknown")] += 1
        if not is_english(article):
            self.not_english[article.language] += 1

    def line(self) -> str:
        skipped = ", ".join(f"{n} {reason}" for reason, n in self.skipped.most_common()) or "none"
        line = (
            f"{self.read} articles read{_counts(self.formats)}, {self.stored} stored, "
            + (f"{self.updated} updated, " if self.updated else "")
            + f"{self.events} events stored; skipped: {skipped}; errors: {len(self.errors)}"
        )
        if self.not_english:
            line += (
                f"; not English, stored without extraction: {sum(self.not_english.values())}"
                f"{_counts(self.not_english)}"
            )
        if self.published_from:
            line += "; dates from " + ", ".join(f"{k} {n}" for k, n in self.published_from.most_common())
        return line


def _counts(counter: Counter) -> str:
    return f" ({', '.join(f'{k} {n}' for k, n in counter.most_common())})" if counter else ""


def ingest(
    items: Iterable[Article | EventsError],
    store: Store,
    batch: int = 32,
    on_item: Callable[[], None] | None = None,
    scheduler=None,
) -> Summary:
    """Extract and store articles (one stream, see process_stream); an item that fails is reported, the rest go on.

    `scheduler` (a Dask scheduler address or a distributed.Client) runs the extraction on that cluster, `batch`
    articles a task.
    """
    summary = Summary()
    stopped = (
        False  # the store failed (a full disk, a held lock): every later article would fail the same way
    )

    def fresh() -> Iterator[Article]:
        nonlocal stopped
        for item in items:
            if isinstance(item, EventsError):
                summary.errors.append(str(item))
            else:
                summary.count_read(item)
                try:
                    same = store.stored_as(item)
                except StoreError as exc:
                    summary.errors.append(f"{exc}; stopped")
                    stopped = True
                    return
                if same:
                    summary.already_stored(item, same)
                else:
                    yield item
            if on_item:
                on_item()

    if scheduler:
        from events.distributed import extract_on_dask

        results = extract_on_dask(fresh(), scheduler, process_many, process, batch=batch)
    else:
        results = process_stream(fresh())
    for article, found in results:
        if stopped:
            break  # articles already extracted when the store failed are not tried: a rerun stores them
        if isinstance(found, EventsError):  # not stored, so a rerun tries it again
            summary.errors.append(str(found))
            continue
        try:
            added = store.add(article, found)
        except StoreError as exc:
            summary.errors.append(f"{exc}; stopped")
            break
        if not added:
            summary.already_stored(article, added.matched)
            continue
        summary.events += len(found)
        if added.status == "updated":
            summary.updated += 1
            summary.notes.append(f"{article.id}: updated, replacing {added.matched!r} and its events")
        else:
            summary.stored += 1
    return summary
