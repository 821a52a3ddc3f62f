"""A crash in the middle of a batch: `events ingest` killed with SIGKILL while it writes. The store opens, no
article is half-written, and running the same command again finishes the batch with no duplicates.
"""

import contextlib
import json
import os
import signal
import sqlite3
import subprocess
import sys
import time

import pytest
from click.testing import CliRunner

from events.cli import main
from events.store import Store

N = 200
PLACES = ["Paju", "Panmunjom", "Eagle Pass", "Del Rio", "Dover", "Calais", "Kuznica", "Seoul"]


def write_batch(path, n: int = N) -> None:
    """n short, distinct articles, one JSON object a line; most carry one or two events."""
    with path.open("w", encoding="utf-8") as out:
        for i in range(n):
            place, other = PLACES[i % len(PLACES)], PLACES[(i + 3) % len(PLACES)]
            text = (
                f"{place.upper()} – {i + 2} migrants crossed the border near {place} on Monday, officials "
                f"said. They were detained near {other} on Tuesday. Report number {i}."
            )
            out.write(
                json.dumps(
                    {"id": f"k{i:04d}", "title": f"Report {i}", "text": text, "published": "2026-11-20"}
                )
                + "\n"
            )


def _articles(db) -> int:
    try:
        with sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=5) as conn:
            return conn.execute("SELECT count(*) FROM articles").fetchone()[0]
    except sqlite3.OperationalError:  # not created yet
        return 0


def _consistency(db) -> tuple[int, int, list]:
    """(articles, events, articles whose stored event count differs from n_events)."""
    with sqlite3.connect(db) as conn:
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        torn = conn.execute("""
            SELECT a.id, a.n_events, count(e.id) FROM articles a LEFT JOIN events e ON e.article_id = a.id
            GROUP BY a.id HAVING a.n_events != count(e.id)""").fetchall()
        orphans = conn.execute(
            "SELECT count(*) FROM events e LEFT JOIN articles a ON a.id = e.article_id WHERE a.id IS NULL"
        ).fetchone()[0]
        assert orphans == 0
        return (
            conn.execute("SELECT count(*) FROM articles").fetchone()[0],
            conn.execute("SELECT count(*) FROM events").fetchone()[0],
            torn,
        )


@pytest.mark.slow
@pytest.mark.skipif(not hasattr(signal, "SIGKILL"), reason="needs SIGKILL")
def test_sigkill_mid_batch_leaves_whole_articles_and_a_rerun_finishes(tmp_path):
    batch, db = tmp_path / "big.jsonl", tmp_path / "events.sqlite"
    write_batch(batch)
    proc = subprocess.Popen(
        [sys.executable, "-m", "events.cli", "ingest", str(batch), "--db", str(db)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,  # its parse workers are in its process group: reaped below
    )
    try:
        deadline = time.monotonic() + 120
        stored = 0
        while time.monotonic() < deadline and proc.poll() is None:
            stored = _articles(db)
            if stored and stored % 32 not in (0, 1):  # inside a batch's run of writes, not between batches
                break
            time.sleep(0.005)
        assert proc.poll() is None, f"ingest ended before it could be killed: {proc.stderr.read()}"
        os.kill(proc.pid, signal.SIGKILL)
        assert proc.wait(timeout=30) == -signal.SIGKILL
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        with contextlib.suppress(ProcessLookupError):  # the killed ingest's parse workers outlive it
            os.killpg(proc.pid, signal.SIGKILL)
    assert 0 < stored < N
    Store(str(db)).close()  # opens (and migrates) after the crash
    articles, _events, torn = _consistency(db)
    assert torn == [], torn  # every stored article has all its events and nothing more
    assert 0 < articles < N

    rerun = CliRunner().invoke(main, ["ingest", str(batch), "--db", str(db)])
    assert rerun.exit_code == 0, rerun.output
    assert f"{articles} already stored" in rerun.stderr and f"{N - articles} stored" in rerun.stderr
    total, total_events, torn = _consistency(db)
    assert torn == [] and total == N and total_events >= N
    with sqlite3.connect(db) as conn:
        ids = [r[0] for r in conn.execute("SELECT id FROM articles")]
        assert len(ids) == len(set(ids)) == N
        assert conn.execute(
            "SELECT count(*), count(DISTINCT article_id || '#' || seq) FROM events"
        ).fetchone() == (total_events, total_events)
    again = CliRunner().invoke(main, ["ingest", str(batch), "--db", str(db)])
    assert f"{N} already stored" in again.stderr and _consistency(db)[:2] == (total, total_events)
