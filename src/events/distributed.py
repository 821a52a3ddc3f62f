"""Extraction on a Dask distributed cluster: the workers extract, the client stores.

Workers only read articles and return events; all writes go through the client's Store, whose `add`
skips articles already stored. A worker that dies mid-batch has written nothing, and Dask reruns its
task elsewhere, so nothing is lost and nothing is stored twice.
"""

from collections.abc import Iterable, Iterator
from itertools import islice

from distributed import Client, WorkerPlugin, as_completed

from events.errors import ConfigError, EventsError
from events.models import Article, Event

WARM_TEXT = "Seoul, South Korea – Two North Korean soldiers defected across the border near Panmunjom."


class WarmUp(WorkerPlugin):
    """Worker setup: load the NLP model and the gazetteer once, before the first task arrives."""

    name = "events-warm-up"

    def setup(self, worker) -> None:
        from events import pipeline

        pipeline.process(Article(id="warm-up", text=WARM_TEXT))  # the loads are cached per process


def extract_batch(batch: list[Article]) -> list[list[Event] | str]:
    """Runs on a worker: the events of each article, or a one-line error for an article that failed."""
    from events import pipeline

    return [str(found) if isinstance(found, EventsError) else found for found in pipeline.process_many(batch)]


def connect(scheduler: str | Client) -> tuple[Client, bool]:
    """A client for an address (and True: the caller closes it), or the given client (and False)."""
    if isinstance(scheduler, Client):
        return scheduler, False
    try:
        return Client(scheduler, timeout="20s"), True
    except (OSError, TimeoutError, ValueError) as exc:
        raise ConfigError(f"cannot reach the Dask scheduler {scheduler!r}: {exc}") from exc


def extract_on_dask(
    articles: Iterable[Article], scheduler: str | Client, batch: int = 16, window: int | None = None
) -> Iterator[tuple[Article, list[Event] | str]]:
    """(article, events or error line) for every article, in completion order, extracted on the cluster.

    At most `window` batches are in flight (default: two per worker thread), so a long stream of articles
    is never held in memory at once.
    """
    client, owned = connect(scheduler)
    try:
        client.register_plugin(WarmUp(), name=WarmUp.name)
        window = window or 2 * max(1, sum(client.nthreads().values()))
        chunks = _chunks(articles, batch)
        in_flight: dict = {}
        pending = as_completed()

        def submit(chunk: list[Article]) -> None:
            future = client.submit(extract_batch, chunk, pure=False)
            in_flight[future.key] = chunk
            pending.add(future)

        for chunk in islice(chunks, window):
            submit(chunk)
        for future in pending:
            found = future.result()  # a task whose worker died was already retried by the scheduler
            chunk = in_flight.pop(future.key)
            future.release()
            following = next(chunks, None)
            if following:
                submit(following)
            yield from zip(chunk, found)
    finally:
        if owned:
            client.close()


def _chunks(items: Iterable[Article], size: int) -> Iterator[list[Article]]:
    items = iter(items)
    while chunk := list(islice(items, size)):
        yield chunk
