"""One article stored once, whatever door it came through; an edited article replaces its earlier version.

Real SQLite files and, when EVENTS_TEST_PG_URL is set, a real PostgreSQL server (the store_url fixture)."""

import json
import threading
from datetime import date

import sqlalchemy as sa
from click.testing import CliRunner

from events import pipeline, schema
from events.cli import main
from events.models import Article
from events.readers import read_paths
from events.store import Store

STORY = (
    "EAGLE PASS, Texas, March 3, 2026 - About 40 migrants crossed the Rio Grande near Eagle Pass on Monday "
    "night, the Border Patrol said. Agents detained the group near the city's boat ramp."
)


def _three_doors(folder) -> list:
    """The same story as a CSV row, a JSONL line and an RSS entry (HTML spacing, an entity, curly quotes)."""
    folder.mkdir()
    (folder / "wire.csv").write_text(
        "id,title,date,text\nW-1,Migrants cross,2026-03-03," + json.dumps(STORY) + "\n", encoding="utf-8"
    )
    (folder / "wire.jsonl").write_text(
        json.dumps({"id": "J-7", "title": "Migrants cross", "date": "2026-03-03", "text": STORY}) + "\n",
        encoding="utf-8",
    )
    entry = STORY.replace(" - ", " &ndash; ").replace("city's", "city&#8217;s").replace(". ", ".<br/>\n  ")
    (folder / "wire.xml").write_text(
        '<?xml version="1.0"?><rss version="2.0"><channel><title>Wire</title><item><title>Migrants cross'
        f"</title><guid>urn:wire:88</guid><pubDate>Tue, 03 Mar 2026 06:00:00 GMT</pubDate><description>"
        f"<![CDATA[<p>{entry}</p>]]></description></item></channel></rss>",
        encoding="utf-8",
    )
    return [folder / name for name in ("wire.csv", "wire.jsonl", "wire.xml")]


def _orphans(store: Store) -> tuple[int, int]:
    """Events without their article, and places no event uses."""
    with store.engine.connect() as conn:
        events = conn.execute(
            sa.text("SELECT count(*) FROM events WHERE article_id NOT IN (SELECT id FROM articles)")
        ).scalar()
        places = conn.execute(
            sa.text(
                "SELECT count(*) FROM places WHERE id NOT IN "
                "(SELECT place_id FROM events WHERE place_id IS NOT NULL)"
            )
        ).scalar()
    return events, places


def test_the_same_story_through_three_doors_is_stored_once(nlp, tmp_path):
    paths = _three_doors(tmp_path / "in")
    db = tmp_path / "events.sqlite"
    result = CliRunner().invoke(main, ["ingest", *map(str, paths), "--db", str(db)])
    assert result.exit_code == 0, result.output
    assert "3 articles read" in result.stderr and "1 stored" in result.stderr
    assert "2 already stored" in result.stderr
    assert "J-7: already stored as 'W-1' (the same text)" in result.stderr
    assert "urn:wire:88: already stored as 'W-1' (the same text)" in result.stderr
    store = Store(str(db))
    assert store.counts()["articles"] == 1 and len(store.query()) >= 1


def test_three_doors_and_an_edited_file_on_each_store(nlp, store_url, tmp_path):
    store = Store(store_url)
    first = pipeline.ingest(read_paths(map(str, _three_doors(tmp_path / "in"))), store)
    assert (first.stored, first.skipped["already stored"], first.errors) == (1, 2, [])

    report = tmp_path / "report.txt"
    report.write_text(f"Migrants cross\n{STORY}\n", encoding="utf-8")
    assert pipeline.ingest(read_paths([str(report)]), store).skipped["already stored"] == 1  # a fourth door
    edited = STORY.replace("About 40 migrants", "About 60 migrants").replace("boat ramp", "Shelby Park")
    report.write_text(f"Migrants cross\n{edited}\n", encoding="utf-8")
    second = pipeline.ingest(read_paths([str(report)]), store)
    assert (second.stored, second.updated, second.errors) == (0, 1, [])
    assert second.notes == [
        f"{next(iter(read_paths([str(report)]))).id}: updated, replacing 'W-1' and its events"
    ]
    assert "1 updated" in second.line()
    assert store.counts()["articles"] == 1
    sentences = " ".join(store.query()["sentence"])
    assert "About 60 migrants" in sentences and "About 40" not in sentences
    assert _orphans(store) == (0, 0)
    store.close()


def test_a_new_text_under_a_stored_id_or_url_replaces_it(store_url):
    store = Store(store_url)
    old = Article(id="A-1", text="Soldiers crossed the line.", url="https://example.org/a", published=None)
    assert store.add(old, []).status == "stored"
    by_id = Article(id="A-1", text="Two soldiers crossed the line at dawn.")
    assert (store.add(by_id, []).status, store.add(by_id, []).status) == ("updated", "already stored")
    elsewhere = Article(id="B-9", text="Three soldiers crossed.", url="https://example.org/b")
    store.add(elsewhere, [])
    by_url = Article(id="B-10", text="Three soldiers crossed the line.", url="https://example.org/b")
    added = store.add(by_url, [])
    assert (added.status, added.matched) == ("updated", "B-9")
    with store.engine.connect() as conn:
        ids = sorted(conn.execute(sa.text("SELECT id FROM articles")).scalars())
    assert ids == ["A-1", "B-10"]
    store.close()


def test_writers_of_one_text_at_once_store_it_once(store_url):
    store = Store(store_url)
    outcomes = []

    def write(n: int) -> None:
        outcomes.append(store.add(Article(id=f"copy-{n}", text=f"{STORY} "), []).status)

    threads = [threading.Thread(target=write, args=(n,)) for n in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(outcomes) == ["already stored"] * 5 + ["stored"]
    assert store.counts()["articles"] == 1
    store.close()


def test_a_store_made_before_content_keys_gets_them(store_url):
    engine = sa.create_engine(store_url)
    with engine.begin() as conn:  # a store as the four earlier steps left it, with one article in it
        schema.schema_version.create(conn)
        for version, step in enumerate(schema.MIGRATIONS[:4], start=1):
            step(conn)
            conn.execute(schema.schema_version.insert().values(version=version))
        conn.execute(
            sa.text(
                "INSERT INTO articles (id, title, url, published, source, language, text, ingested_at, "
                "n_events) VALUES ('old-1', '', '', '2026-03-03', '', 'en', :text, '2026-03-04', 0)"
            ),
            {"text": STORY},
        )
    engine.dispose()
    store = Store(store_url)  # opening applies step 5
    assert store.migrate() == len(schema.MIGRATIONS) == 5
    copy = Article(id="new-1", text=STORY.upper(), published=date(2026, 3, 3))
    assert store.stored_as(copy) == "old-1"
    assert (store.add(copy, []).status, store.counts()["articles"]) == ("already stored", 1)
    store.close()
