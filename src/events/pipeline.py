"""The one path for the data: article -> parse -> toponyms -> events -> store."""

from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from events import extract, geo, nlp
from events.errors import EventsError
from events.models import Article, Event
from events.store import Store


def process(article: Article, parsed: nlp.Parsed | None = None) -> list[Event]:
    """Extract the geocoded, dated events of one article."""
    parsed = parsed or nlp.parse(article.text)
    toponyms = geo.geoparse(parsed)
    dateline = geo.place_of(parsed.dateline) if parsed.dateline else None
    return extract.extract_events(article, parsed, toponyms, dateline)


def process_many(articles: list[Article]) -> list[list[Event]]:
    """`process` over a batch, parsing with nlp.pipe."""
    parsed = nlp.parse_many([a.text for a in articles])
    return [process(a, p) for a, p in zip(articles, parsed)]


@dataclass
class Summary:
    """What a run did: counts, and one line per item that failed."""

    read: int = 0
    stored: int = 0  # articles newly stored
    events: int = 0  # events newly stored
    skipped: Counter = field(default_factory=Counter)  # reason -> count
    errors: list[str] = field(default_factory=list)

    def line(self) -> str:
        skipped = ", ".join(f"{n} {reason}" for reason, n in self.skipped.most_common()) or "none"
        return (f"{self.read} articles read, {self.stored} stored, {self.events} events stored; "
                f"skipped: {skipped}; errors: {len(self.errors)}")


def ingest(items: Iterable[Article | EventsError], store: Store, batch: int = 32,
           on_item: Callable[[], None] | None = None, scheduler=None) -> Summary:
    """Extract and store articles in batches; an item that fails is reported and the rest go on.

    `scheduler` (a Dask scheduler address or a distributed.Client) runs the extraction on that cluster.
    """
    if scheduler:
        from events.distributed import ingest_on_dask

        return ingest_on_dask(items, store, scheduler, batch=batch, on_item=on_item)
    summary = Summary()
    pending: list[Article] = []

    def flush():
        fresh = [a for a in pending if not store.has_article(a.id)]
        summary.skipped["already stored"] += len(pending) - len(fresh)
        for article, found in zip(fresh, process_many(fresh)):
            if store.add(article, found):
                summary.stored += 1
                summary.events += len(found)
            else:
                summary.skipped["already stored"] += 1
        pending.clear()

    for item in items:
        if isinstance(item, EventsError):
            summary.errors.append(str(item))
        else:
            summary.read += 1
            pending.append(item)
            if len(pending) >= batch:
                flush()
        if on_item:
            on_item()
    if pending:
        flush()
    return summary
