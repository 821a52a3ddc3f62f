"""The store under concurrency, on a real SQLite file and on PostgreSQL when EVENTS_TEST_PG_URL is set: several
processes write and read at once, nothing is locked out, nothing is stored twice."""

import subprocess
import sys
import textwrap

import sqlalchemy as sa

from events.store import MIGRATIONS, Store


def _run_all(scripts: list[str], url: str, timeout: float = 120) -> list[subprocess.CompletedProcess]:
    """Start every script as its own Python process at once, wait for all."""
    procs = [
        subprocess.Popen(
            [sys.executable, "-c", textwrap.dedent(s), url],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for s in scripts
    ]
    done = []
    for proc in procs:
        out, err = proc.communicate(timeout=timeout)
        done.append(subprocess.CompletedProcess(proc.args, proc.returncode, out, err))
    return done


_SETUP = """
import sys
from events.models import Article, Event
from events.store import Filters, Store

def make(n):
    art = Article(id=f"a{n}", text=f"Article {n}", title=f"T{n}", source="wire")
    found = [Event(article_id=art.id, seq=s, type="arrival", sentence=f"Sentence {s}", start=0, end=10,
                   place=f"P{n % 7}", lat=10.0 + n % 7, lon=20.0, country="KR", date_start="2024-01-01",
                   date_end="2024-01-01") for s in range(3)]
    return art, found

store = Store(sys.argv[1])
"""

WRITER = (
    _SETUP
    + """
for n in range(150):
    store.add(*make(n))
print("wrote")
"""
)

READER = (
    _SETUP
    + """
seen = 0
for _ in range(300):
    frame = store.query(Filters(start="2023-01-01"))
    assert len(frame) % 3 == 0, len(frame)  # a reader never sees half an article
    store.date_bounds()
    seen = max(seen, len(frame))
print("read", seen)
"""
)

SAME_ARTICLES = (
    _SETUP
    + """
import os, random
order = list(range(60))
random.Random(os.getpid()).shuffle(order)
print(sum(bool(store.add(*make(n))) for n in order))
"""
)


def test_concurrent_writer_and_readers_never_see_locked(store_url):
    Store(store_url).close()
    results = _run_all([WRITER, READER, READER], store_url)
    for result in results:
        assert result.returncode == 0, result.stderr
        assert "locked" not in result.stderr
    assert Store(store_url).counts() == {"articles": 150, "events": 450, "places": 7}


def test_two_writers_store_the_same_articles_once(store_url):
    # Both start on an empty database: they also race to migrate it.
    results = _run_all([SAME_ARTICLES, SAME_ARTICLES], store_url)
    for result in results:
        assert result.returncode == 0, result.stderr
    assert sum(int(r.stdout) for r in results) == 60  # each article reported stored by exactly one writer
    opened = Store(store_url)
    assert opened.counts() == {"articles": 60, "events": 180, "places": 7}
    with opened.engine.connect() as conn:
        assert conn.execute(sa.text("SELECT count(*) FROM schema_version")).scalar() == len(MIGRATIONS)
    opened.close()
