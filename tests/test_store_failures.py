"""A full disk and a lock held too long: one line in the project's words, the batch stops, nothing is lost,
and a rerun stores the rest (real SQLite files; SQLite's max_page_count stands in for a full disk)."""

import sqlite3
from datetime import date

import sqlalchemy as sa

from events import pipeline
from events.models import Article
from events.store import Store

TEXT = "Migrants crossed the border near Eagle Pass on Monday, officials said. " * 40


def _articles(n: int) -> list[Article]:
    return [
        Article(id=f"F-{i:05d}", text=f"{TEXT} Report {i}.", published=date(2026, 11, 26)) for i in range(n)
    ]


def _cap_pages(store: Store, extra_pages: int) -> None:
    """Every new connection may grow the file by only this many pages: the disk is 'full' after that."""
    with store.engine.connect() as conn:
        pages = conn.exec_driver_sql("PRAGMA page_count").scalar()
    store.engine.dispose()
    sa.event.listen(
        store.engine,
        "connect",
        lambda dbapi, _r: dbapi.execute(f"PRAGMA max_page_count={pages + extra_pages}"),
    )


def test_a_full_disk_stops_the_batch_and_a_rerun_stores_the_rest(nlp, tmp_path):
    path = tmp_path / "events.sqlite"
    store = Store(f"sqlite:///{path}")
    _cap_pages(store, 3)
    summary = pipeline.ingest(_articles(30), store)
    assert len(summary.errors) == 1, summary.errors  # one line, not one per remaining article
    (line,) = summary.errors
    assert "the disk is full" in line and "run the same command again" in line and "stopped" in line
    assert "sqlalche.me" not in line and "INSERT" not in line
    assert 0 <= summary.stored < 30
    store.close()

    again = Store(f"sqlite:///{path}")  # space again: the same command stores the rest, nothing twice
    summary = pipeline.ingest(_articles(30), again)
    assert summary.errors == [] and summary.stored + summary.skipped["already stored"] == 30
    assert again.counts()["articles"] == 30
    again.close()
    conn = sqlite3.connect(path)
    assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    conn.close()


def test_a_lock_held_too_long_is_one_line_naming_the_store(nlp, tmp_path, monkeypatch):
    monkeypatch.setenv("EVENTS_DB_WAIT", "0.5")
    path = tmp_path / "events.sqlite"
    store = Store(f"sqlite:///{path}")
    holder = sqlite3.connect(path, isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")  # another writer holds the write lock
    try:
        summary = pipeline.ingest(_articles(3), store)
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    (line,) = summary.errors
    assert str(path) in line and "locked for over 0.5 s" in line and "EVENTS_DB_WAIT" in line
    assert summary.stored == 0
    summary = pipeline.ingest(_articles(3), store)
    assert summary.errors == [] and summary.stored == 3
    store.close()
