"""Extraction on a real 2-worker Dask LocalCluster stores exactly what the in-process path stores."""

import json
import os
import signal
from datetime import date
from pathlib import Path

import pytest

from events import pipeline
from events.models import Article
from events.store import Filters, Store

distributed = pytest.importorskip("distributed")

SAMPLES = Path(__file__).resolve().parents[1] / "data" / "samples" / "articles.jsonl"
IDS = [
    "sample-korea-paju-defection",
    "sample-us-eagle-pass-crossing",
    "sample-korea-nll-gunfire",
    "sample-pl-kuznica-pushback",
    "sample-korea-sunan-missile",
    "sample-uk-dover-small-boats",
]

pytestmark = pytest.mark.slow


def sample_articles() -> list[Article]:
    rows = {
        row["id"]: row for row in map(json.loads, SAMPLES.read_text(encoding="utf-8").splitlines()) if row
    }
    return [
        Article(
            id=i,
            text=rows[i]["text"],
            title=rows[i]["title"],
            url=rows[i]["url"],
            source="samples",
            published=date.fromisoformat(rows[i]["published"]),
        )
        for i in IDS
    ]


@pytest.fixture(scope="module")
def client():
    with (
        distributed.LocalCluster(
            n_workers=2, processes=True, threads_per_worker=1, dashboard_address=None, silence_logs=40
        ) as cluster,
        distributed.Client(cluster) as dask_client,
    ):
        yield dask_client


def rows(store: Store) -> list[dict]:
    # place_id is a surrogate key numbered in insertion order, which differs between runs.
    frame = store.query(Filters(include_background=True)).drop(columns=["place_id"])
    return sorted(frame.to_dict("records"), key=lambda r: r["id"])


@pytest.fixture(scope="module")
def in_process(tmp_path_factory):
    """The in-process ingest of the sample batch: its summary and its stored rows."""
    local = Store(f"sqlite:///{tmp_path_factory.mktemp('local') / 'local.sqlite'}")
    summary = pipeline.ingest(sample_articles(), local)
    return summary, rows(local), local.counts()


def test_dask_ingest_equals_in_process(client, in_process, tmp_path):
    local_summary, local_rows, local_counts = in_process
    articles = sample_articles()
    on_dask = Store(f"sqlite:///{tmp_path / 'dask.sqlite'}")
    summary = pipeline.ingest(articles, on_dask, batch=2, scheduler=client)

    assert summary.errors == local_summary.errors == []
    assert summary.stored == local_summary.stored == len(articles)
    assert summary.events == local_summary.events > 0
    assert rows(on_dask) == local_rows
    assert on_dask.counts() == local_counts
    # Worker setup loaded the model once in each worker process.
    loaded = client.run(lambda: __import__("events.nlp").nlp.load.cache_info().currsize)
    assert list(loaded.values()) == [1, 1]

    again = pipeline.ingest(articles, on_dask, batch=2, scheduler=client)
    assert (again.stored, again.skipped["already stored"]) == (0, len(articles))
    assert rows(on_dask) == local_rows


def test_a_worker_dying_mid_run_loses_and_duplicates_nothing(client, in_process, tmp_path):
    from events.distributed import extract_on_dask

    _, local_rows, local_counts = in_process
    store = Store(f"sqlite:///{tmp_path / 'dask.sqlite'}")
    victim = min(client.scheduler_info()["workers"])
    pid = client.run(os.getpid, workers=[victim])[victim]
    results = extract_on_dask(  # every batch in flight at once
        sample_articles(), client, pipeline.process_many, pipeline.process, batch=1, window=6
    )
    first = next(results)
    os.kill(pid, signal.SIGKILL)  # the worker process dies mid-run; its nanny starts a new one
    added = [store.add(article, found) for article, found in [first, *results]]
    assert [a.status for a in added] == ["stored"] * len(IDS)  # every article came back exactly once
    assert rows(store) == local_rows
    assert store.counts() == local_counts
