"""End to end through `events ingest`: every format stored, the summary line, incidents from real reports."""

from pathlib import Path

from click.testing import CliRunner

from events.cli import main
from events.incidents import group_incidents
from events.store import Store

FIXTURES = Path(__file__).parent / "fixtures" / "ingest"


def test_every_format_ingested_with_a_summary(db_path):
    paths = [
        str(FIXTURES / name) for name in ("mixed", "rio-wire.rss", "dmz-watch.atom", "border-herald.html")
    ]
    result = CliRunner().invoke(main, ["ingest", "--db", str(db_path), "--published", "2026-01-01", *paths])
    assert result.exit_code == 1  # two broken items in the folder
    lines = result.stderr.strip().splitlines()
    assert lines[:2] == [
        f"error: {FIXTURES / 'mixed' / 'broken.html'}: no article text found in the page",
        f"error: {FIXTURES / 'mixed' / 'data.jsonl'}:2: malformed JSON (Expecting value at column 1)",
    ]
    summary = lines[-1]
    assert summary.startswith("11 articles read (feed 6, text 2, html 2, jsonl 1), 11 stored")
    assert "errors: 2" in summary
    assert "not English, stored without extraction: 1 (fr 1)" in summary
    assert "dates from metadata 8, default 2, dateline 1" in summary

    store = Store(str(db_path))
    assert store.counts()["articles"] == 11
    frame = store.query()
    assert {"Rio Wire", "DMZ Watch", "Border Herald"} <= set(frame["source"])
    with store.engine.connect() as conn:  # the French page is stored, marked, and has no events
        import sqlalchemy as sa

        from events.schema import articles

        french = conn.execute(
            sa.select(articles.c.language, articles.c.n_events).where(
                articles.c.title == "Des passeurs arrêtés à Calais"
            )
        ).one()
    assert tuple(french) == ("fr", 0)

    again = CliRunner().invoke(main, ["ingest", "--db", str(db_path), *paths])
    assert "0 stored" in again.stderr and "11 already stored" in again.stderr


def test_csv_mapping_through_the_command(db_path):
    result = CliRunner().invoke(
        main, ["ingest", "--db", str(db_path), "--text-col", "Story Body", str(FIXTURES / "export.csv")]
    )
    assert "3 articles read (csv 3), 3 stored" in result.stderr
    assert result.exit_code == 1 and result.stderr.count("error: ") == 3


def test_three_outlets_merge_two_lookalikes_do_not(db_path):
    """Three reports (a web page, a feed entry, a CSV row) of one defection; the same kind of event ten days
    later, and the same day in Goseong about 110 km east, stay apart."""
    result = CliRunner().invoke(main, ["ingest", "--db", str(db_path), str(FIXTURES / "incident")])
    assert result.exit_code == 0, result.stderr
    frame = Store(str(db_path)).query()
    crossings = frame[frame["type"].isin(["defection", "border_crossing"])]
    incidents = group_incidents(crossings)
    merged = incidents[incidents["n_sources"] > 1]
    assert len(merged) == 1
    incident = merged.iloc[0]
    assert incident.n_sources == 3 and incident.place == "Cheorwon" and incident.date_start == "2026-06-14"
    assert {s["source"] for s in incident.sources} == {"Cheorwon Daily", "Peninsula Wire", "Seoul Ledger"}
    alone = incidents[incidents["n_sources"] == 1]
    assert sorted(zip(alone["place"], alone["date_start"])) == [
        ("Cheorwon", "2026-06-24"),
        ("Goseong", "2026-06-14"),
    ]


def test_follow_links_needs_fetch(db_path):
    result = CliRunner().invoke(
        main, ["ingest", "--db", str(db_path), "--follow-links", str(FIXTURES / "rio-wire.rss")]
    )
    assert result.exit_code == 2 and "add --fetch" in result.output
