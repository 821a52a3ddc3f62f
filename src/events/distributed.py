"""Extraction on a Dask distributed cluster: the workers extract, the client stores.

Workers only read articles and return events; all writes go through the client's Store, whose `add`
skips articles already stored. A worker that dies mid-batch has written nothing, and Dask reruns its
task elsewhere, so nothing is lost and nothing is stored twice.
"""

from collections.abc import Callable, Iterable, Iterator
from itertools import islice

from distributed import Client, WorkerPlugin, as_completed

from events.errors import ConfigError, EventsError
from events.models import Article, Event

WARM_TEXT = "Seoul, South Korea – Two North Korean soldiers defected across the border near Panmunjom."


class WarmUp(WorkerPlugin):
    """Worker setup: run `warm` once on a short article, so the NLP model and the gazetteer are loaded before
    the first task arrives (the loads are cached per process)."""

    name = "events-warm-up"

    def __init__(self, warm: Callable[[Article], object]):
        self.warm = warm

    def setup(self, worker) -> None:
        self.warm(Article(id="warm-up", text=WARM_TEXT))


def connect(scheduler: str | Client) -> tuple[Client, bool]:
    """A client for an address (and True: the caller closes it), or the given client (and False)."""
    if isinstance(scheduler, Client):
        return scheduler, False
    try:
        return Client(scheduler, timeout="20s"), True
    except (OSError, TimeoutError, ValueError) as exc:
        raise ConfigError(f"cannot reach the Dask scheduler {scheduler!r}: {exc}") from exc


def extract_on_dask(
    articles: Iterable[Article],
    scheduler: str | Client,
    work: Callable[[list[Article]], list[list[Event] | EventsError]],
    warm: Callable[[Article], object],
    batch: int = 16,
    window: int | None = None,
) -> Iterator[tuple[Article, list[Event] | EventsError]]:
    """(article, its events or the error it gave) for every article, in completion order, each batch run on
    the cluster by `work` (pipeline.process_many: the workers import it by name), after `warm` once on each
    worker.

    At most `window` batches are in flight (default: two per worker thread), so a long stream of articles
    is never held in memory at once.
    """
    client, owned = connect(scheduler)
    try:
        client.register_plugin(WarmUp(warm), name=WarmUp.name)
        window = window or 2 * max(1, sum(client.nthreads().values()))
        chunks = _chunks(articles, batch)
        in_flight: dict = {}
        pending = as_completed()

        def submit(chunk: list[Article]) -> None:
            future = client.submit(work, chunk, pure=False)
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
