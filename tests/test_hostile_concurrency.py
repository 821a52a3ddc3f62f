"""A dashboard reading while an ingest writes: a reader process runs the real Store.query the dashboard calls
while `events ingest` writes from another process; the reader never sees "database is locked", nor half an
article (every article it sees has all its events).
"""

import subprocess
import sys
import textwrap

import pytest
from click.testing import CliRunner
from test_hostile_crash import write_batch

from events.cli import main
from events.store import Store

READER = textwrap.dedent("""
    import os, sys, time
    import sqlalchemy as sa
    from events.store import Filters, Store, articles

    store = Store(sys.argv[1])
    stop = sys.argv[2]
    seen, queries, torn = set(), 0, 0
    print("ready", flush=True)
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and not os.path.exists(stop):
        frame = store.query(Filters(include_background=True))  # what dashboard.load() runs
        store.date_bounds(); store.distinct("country"); store.distinct("source")
        rows = frame.groupby("article_id").size().to_dict()
        with store.engine.connect() as conn:  # articles never change once stored: n_events read later is final
            stated = dict(conn.execute(sa.select(articles.c.id, articles.c.n_events)).all())
        torn += sum(n != stated[a] for a, n in rows.items())
        seen.add(len(stated))
        queries += 1
        time.sleep(0.01)  # a page refresh, not a busy loop: leave the CPU to the writer
    print(queries, len(seen), torn)
""")


@pytest.mark.slow
def test_reader_process_never_sees_locked_while_ingest_writes(tmp_path):
    batch, db, stop = tmp_path / "big.jsonl", tmp_path / "events.sqlite", tmp_path / "stop"
    write_batch(batch, 100)
    Store(str(db)).close()  # both start on a migrated store
    reader = subprocess.Popen(
        [sys.executable, "-c", READER, str(db), str(stop)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert reader.stdout.readline().strip() == "ready", reader.stderr.read()
        # The writer: the real command, with small batches so commits interleave with the reads.
        result = CliRunner().invoke(main, ["ingest", str(batch), "--db", str(db)])
    finally:
        stop.touch()
    out, err = reader.communicate(timeout=60)
    assert result.exit_code == 0, result.output
    assert reader.returncode == 0, err
    assert "locked" not in err and "locked" not in result.output
    queries, distinct_counts, torn = map(int, out.split())
    assert torn == 0
    assert queries > 10 and distinct_counts > 2  # it read many times while the articles were arriving
    assert Store(str(db)).counts()["articles"] == 100
