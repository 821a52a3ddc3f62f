"""The `events` command end to end on temp SQLite files."""

import json
import sqlite3
import subprocess
import sys

from click.testing import CliRunner

from events.cli import main
from tests.conftest import SAMPLES


def _counts(path):
    with sqlite3.connect(path) as conn:
        return {
            t: conn.execute(f"select count(*) from {t}").fetchone()[0]
            for t in ("articles", "events", "places")
        }


def test_ingest_twice_changes_nothing(db_path):
    runner = CliRunner()
    first = runner.invoke(main, ["ingest", str(SAMPLES), "--db", str(db_path)])
    assert first.exit_code == 0, first.output
    counts = _counts(db_path)
    assert counts["articles"] >= 10 and counts["events"] >= counts["articles"]
    second = runner.invoke(main, ["ingest", str(SAMPLES), "--db", str(db_path)])
    assert second.exit_code == 0
    assert _counts(db_path) == counts
    assert f"{counts['articles']} already stored" in second.output


def test_ingest_reports_bad_items_and_keeps_the_rest(tmp_path, db_path):
    bad = tmp_path / "in.jsonl"
    bad.write_text(
        '{"id": "ok", "text": "Two soldiers defected across the DMZ near Panmunjom on Monday."}\n{broken\n',
        encoding="utf-8",
    )
    result = CliRunner().invoke(main, ["ingest", str(bad), "--db", str(db_path), "--published", "2026-11-26"])
    assert result.exit_code == 1
    assert f"error: {bad}:2: malformed JSON" in result.output
    assert _counts(db_path)["articles"] == 1


def test_extract_prints_contract_through_the_real_command(tmp_path):
    article = tmp_path / "a.txt"
    article.write_text(
        "Defection\nPAJU, South Korea – A North Korean soldier defected across the "
        "Military Demarcation Line on Monday, the military said.\n",
        encoding="utf-8",
    )
    out = subprocess.run(
        [
            sys.executable,
            "-m",
            "events.cli",
            "extract",
            str(article),
            "--published",
            "2026-11-26",
            "--format",
            "jsonl",
        ],
        capture_output=True,
        text=True,
        check=True,
    )
    rows = [json.loads(line) for line in out.stdout.splitlines()]
    assert rows, out.stderr
    keys = [
        "article_id",
        "type",
        "place",
        "lat",
        "lon",
        "country",
        "geo_precision",
        "date",
        "date_start",
        "date_end",
        "date_precision",
        "actors",
        "sentence",
        "start",
        "end",
        "confidence",
    ]
    assert list(rows[0])[: len(keys)] == keys
    assert rows[0]["type"] in {"defection", "border_crossing"}


def test_bad_published_is_a_usage_error():
    result = CliRunner().invoke(main, ["extract", "x.txt", "--published", "26/11/2026"])
    assert result.exit_code == 2 and "is not YYYY-MM-DD" in result.output


def test_an_article_that_breaks_extraction_is_reported_and_the_rest_stored(tmp_path, db_path, monkeypatch):
    from events import pipeline

    real = pipeline.process

    def flaky(article, parsed=None):
        if article.id == "boom":
            raise RuntimeError("unexpected")
        return real(article, parsed)

    monkeypatch.setattr(pipeline, "process", flaky)
    path = tmp_path / "in.jsonl"
    path.write_text(
        '{"id": "boom", "text": "Soldiers crossed the DMZ."}\n'
        '{"id": "fine", "text": "Two soldiers defected across the DMZ on Monday."}\n',
        encoding="utf-8",
    )
    result = CliRunner().invoke(
        main, ["ingest", str(path), "--db", str(db_path), "--published", "2026-11-26"]
    )
    assert result.exit_code == 1
    assert "error: boom: extraction failed (RuntimeError: unexpected)" in result.output
    assert _counts(db_path)["articles"] == 1
    monkeypatch.setattr(pipeline, "process", real)
    again = CliRunner().invoke(main, ["ingest", str(path), "--db", str(db_path), "--published", "2026-11-26"])
    assert again.exit_code == 0 and _counts(db_path)["articles"] == 2


def test_export_every_format_through_the_command(sample_store, tmp_path):
    import pandas as pd

    runner = CliRunner()
    total = len(sample_store.query())
    for fmt in ("csv", "geojson", "jsonl", "html", "parquet"):
        out = tmp_path / f"events.{fmt}"
        result = runner.invoke(main, ["export", "--db", sample_store.url, "--format", fmt, "--out", str(out)])
        assert result.exit_code == 0, result.output
        assert f"{total} events exported" in result.output
    assert len(json.loads((tmp_path / "events.geojson").read_text(encoding="utf-8"))["features"]) == total
    assert len((tmp_path / "events.jsonl").read_text(encoding="utf-8").splitlines()) == total
    assert len(pd.read_parquet(tmp_path / "events.parquet")) == total
    assert len(pd.read_csv(tmp_path / "events.csv")) == total
    assert "<html" in (tmp_path / "events.html").read_text(encoding="utf-8").lower()
    one_type = runner.invoke(main, ["export", "--db", sample_store.url, "--type", "arrival"])
    rows = [json.loads(line) for line in one_type.stdout.splitlines()]
    assert rows and {r["type"] for r in rows} == {"arrival"} and len(rows) < total
    bad = runner.invoke(main, ["export", "--db", sample_store.url, "--type", "nope"])
    assert bad.exit_code == 2 and "unknown type 'nope'" in bad.output


def test_export_takes_country_names_and_says_when_nothing_matches(sample_store):
    runner = CliRunner()

    def exported(*country: str) -> list[dict]:
        args = [a for c in country for a in ("--country", c)]
        result = runner.invoke(main, ["export", "--db", sample_store.url, *args])
        assert result.exit_code == 0, result.output
        return [json.loads(line) for line in result.stdout.splitlines()]

    korea = exported("KR")
    assert korea and {r["country"] for r in korea} == {"KR"}
    assert exported("South Korea") == exported("kr") == exported("Republic of Korea") == korea
    assert {r["country"] for r in exported("Poland", "united states")} == {"PL", "US"}
    nothing = runner.invoke(main, ["export", "--db", sample_store.url, "--country", "Mexico"])
    assert nothing.exit_code == 0 and nothing.stdout == ""
    assert "0 events exported" in nothing.stderr
    assert "no stored event matches these filters: countries=MX" in nothing.stderr
    for name, reason in (("Korea", "could be North Korea (KP), South Korea (KR)"), ("Narnia", "unknown")):
        bad = runner.invoke(main, ["export", "--db", sample_store.url, "--country", name])
        assert bad.exit_code == 2 and f"country {name!r}: {reason}" in bad.output


def test_unreachable_scheduler_is_one_line(db_path):
    result = CliRunner().invoke(
        main, ["ingest", str(SAMPLES / "seed.txt"), "--db", str(db_path), "--scheduler", "tcp://127.0.0.1:9"]
    )
    assert result.exit_code == 1
    assert result.output.startswith("error: ") and "Traceback" not in result.output
