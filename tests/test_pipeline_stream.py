"""process_stream: one nlp.pipe over the whole input, results in input order, the same events as process_many."""

from datetime import date

from events import pipeline
from events.errors import EventsError
from events.models import Article

TEXT = "PAJU, South Korea – A North Korean soldier defected across the border near Paju on Monday, officials said."


def _items(n: int) -> list:
    items = []
    for i in range(n):
        text = TEXT.replace("Monday", ["Monday", "Tuesday", "Friday"][i % 3])
        items.append(Article(id=f"a{i}", text=text, published=date(2026, 6, 18)))
        if i % 10 == 3:
            items.append(EventsError(f"bad item {i}"))
        if i % 10 == 7:
            items.append(Article(id=f"ko{i}", text="북한 병사가 귀순했다.", language="ko"))
    return items


def _rows(results: list) -> list:
    return [
        [e.to_contract() for e in found] if isinstance(found, list) else str(found) for _, found in results
    ]


def test_stream_keeps_order_and_matches_process_many(nlp):  # the session model
    items = _items(12)
    results = list(pipeline.process_stream(items, n_process=1))
    assert [item for item, _ in results] == items
    articles = [i for i in items if isinstance(i, Article)]
    expected = iter(pipeline.process_many(articles))
    want = [
        str(i) if isinstance(i, EventsError) else [e.to_contract() for e in next(expected)] for i in items
    ]
    assert _rows(results) == want
    assert all(found == [] for item, found in results if isinstance(item, Article) and item.language == "ko")
    assert sum(len(f) for _, f in results if isinstance(f, list)) == 12


def test_a_long_stream_parses_in_two_processes_with_the_same_results(nlp):
    items = _items(pipeline.PARALLEL_FROM + 6)
    assert _rows(pipeline.process_stream(items)) == _rows(pipeline.process_stream(items, n_process=1))


def test_an_article_the_parser_refuses_is_reported_and_the_stream_goes_on(nlp):
    # Longer than spaCy's max_length (readers refuse these, but an Article built in code can hold one):
    # nlp.pipe raises and stops; the articles after it must still come out, in order.
    huge = Article(id="huge", text="word " * (nlp.max_length // 5 + 1))
    items = _items(3)[:1] + [huge] + _items(4)[1:]
    results = list(pipeline.process_stream(items, n_process=1))
    assert [item for item, _ in results] == items
    found = {item.id if isinstance(item, Article) else str(item): f for item, f in results}
    assert isinstance(found["huge"], EventsError) and "huge" in str(found["huge"])
    assert _rows(results[2:]) == _rows(pipeline.process_stream(items[2:], n_process=1))
    assert sum(len(f) for _, f in results if isinstance(f, list)) == 4
