"""Bad input end to end through `events ingest`: every bad item is one error line naming it and the reason,
the rest of the batch is stored, the exit code says something failed, and --strict stops at the first failure.
(The readers' own unit tests are in test_ingest_*.py; this file drives the command.)
"""

import sqlite3
import subprocess
import sys
import time

import pytest
from click.testing import CliRunner

from events.cli import main
from events.errors import InputError
from events.models import Event

PUBLISHED = "2026-11-26"


def _article(n: int) -> str:
    """A short, unique, extractable article."""
    return (
        f"Defection {n}\nPAJU, South Korea – North Korean soldier number {n} crossed the Military Demarcation "
        f"Line near Paju on Monday, the Joint Chiefs of Staff said.\n"
    )


def _jsonl_line(n: int) -> str:
    body = _article(n).split("\n", 1)[1].strip().replace('"', '\\"')
    return f'{{"id": "j{n}", "title": "Line {n}", "text": "{body}", "published": "2026-11-20"}}'


def _batch(tmp_path):
    """Files in the order given to the command, the error lines each must produce (in order), and how many
    good articles the batch holds."""
    files, expected, good = [], [], 0

    def add(name, data, *errors, articles=0):
        nonlocal good
        path = tmp_path / name
        if isinstance(data, int):
            with path.open("wb") as out:
                out.truncate(data)  # sparse: no disk used; the reader must not read it
        else:
            path.write_bytes(data if isinstance(data, bytes) else data.encode("utf-8"))
        files.append(str(path))
        expected.extend((f"{path}{where}", reason) for where, reason in errors)
        good += articles

    add("a01-good.txt", _article(1), articles=1)
    add("a02-empty.txt", b"", ("", "empty"))
    add("a03-binary.txt", b"\x00\x01\x02\x03PK\x03\x04" * 64, ("", "binary file"))
    add("a04-blob.bin", bytes(range(256)) * 8, ("", "binary file"))
    add(
        "a05-latin1.txt",
        _article(5).replace("soldier", "soldat réfugié").replace("–", "-").encode("latin-1"),
        articles=1,
    )
    add("a06-utf16.txt", _article(6).encode("utf-16"), articles=1)
    add("a07-bad-utf8.txt", _article(7).encode("utf-8").replace(b"Monday", b"Mon\xff\xfeday"), articles=1)
    add("a08-broken-utf16.txt", b"\xff\xfe" + "Title\nText".encode("utf-16-le") + b"\x00", ("", "UTF-16"))
    add("a09-nobody.html", "<html><head><title>Nothing</title></head></html>", ("", "no article text"))
    add("a10-notxml.rss", "this is not XML at all", ("", "not an RSS or Atom feed"))
    add("a11-huge.txt", 2**30, ("", "1.0 GB, over the"))
    lines = [
        _jsonl_line(11),
        "{broken",
        "[1, 2]",
        '{"id": "no-text"}',
        '"a string"',
        '{"id": "j-date", "text": "Soldiers crossed the line.", "published": "not a date"}',
        '{"id": "j-empty", "text": "   "}',
        _jsonl_line(12),
    ]
    add(
        "a12-mixed.jsonl",
        "\n".join(lines) + "\n",
        (":2", "malformed JSON"),
        (":3", "expected a JSON object"),
        (":4", "missing"),
        (":5", "expected a JSON"),
        (":6", "not a date"),
        (":7", "missing"),
        articles=2,
    )
    rows = [
        "id,title,text,published,lat,lon",
        f'c1,Row one,"{_article(21).split(chr(10), 1)[1].strip()}",2026-11-20,999,-999',
        'c2,Too many,"Soldiers crossed.",2026-11-20,1,2,extra,fields',
        'c3,Bad date,"Soldiers crossed the line near Paju.",31/02/2026,,',
        "c4,No text,,2026-11-20,,",
        f'c5,Row five,"{_article(25).split(chr(10), 1)[1].strip()}",2026-11-21,,',
    ]
    add(
        "a13-mixed.csv",
        "\n".join(rows) + "\n",
        (":3", "fields, the header has"),
        (":4", "not"),
        (":5", "missing"),
        articles=2,
    )
    add("a14-good.txt", _article(14), articles=1)
    add("a15-missing.txt", b"", ("", "no such file"))
    (tmp_path / "a15-missing.txt").unlink()
    return files, expected, good


def _counts(db) -> dict:
    with sqlite3.connect(db) as conn:
        return {t: conn.execute(f"SELECT count(*) FROM {t}").fetchone()[0] for t in ("articles", "events")}


def _errors(stderr: str) -> list[str]:
    return [line for line in stderr.splitlines() if line.startswith("error: ")]


def test_a_batch_of_bad_items_reports_each_and_stores_the_rest(tmp_path):
    (tmp_path / "in").mkdir()
    files, expected, good = _batch(tmp_path / "in")
    db = tmp_path / "events.sqlite"
    started = time.monotonic()
    result = CliRunner().invoke(main, ["ingest", *files, "--db", str(db), "--published", PUBLISHED])
    assert result.exit_code == 1, result.output
    errors = _errors(result.stderr)
    assert len(errors) == len(expected), "\n".join(errors)
    for line, (item, reason) in zip(errors, expected):
        assert line.startswith((f"error: {item}:", f"error: {item} ")), (line, item)
        assert reason in line, (line, reason)
        assert len(line) < 400
    summary = result.stderr.strip().splitlines()[-1]
    assert f"errors: {len(expected)}" in summary and f"{good} stored" in summary
    assert _counts(db)["articles"] == good
    with sqlite3.connect(db) as conn:  # CSV lat/lon columns are not coordinates: nothing out of range stored
        bad = conn.execute(
            "SELECT count(*) FROM events WHERE lat NOT BETWEEN -90 AND 90 OR lon NOT BETWEEN -180 AND 180"
        ).fetchone()[0]
        titles = {t for (t,) in conn.execute("SELECT title FROM articles")}
    assert bad == 0
    assert {"Defection 1", "Defection 14", "Line 11", "Line 12", "Row one", "Row five"} <= titles
    assert time.monotonic() - started < 60  # the 1 GB file was not read


def test_strict_stops_at_the_first_failure(tmp_path):
    first, bad, last = tmp_path / "1.txt", tmp_path / "2.txt", tmp_path / "3.txt"
    first.write_text(_article(31), encoding="utf-8")
    bad.write_bytes(b"\x00\x01binary")
    last.write_text(_article(33), encoding="utf-8")
    db = tmp_path / "events.sqlite"
    result = CliRunner().invoke(
        main,
        ["ingest", str(first), str(bad), str(last), "--db", str(db), "--strict", "--published", PUBLISHED],
    )
    assert result.exit_code == 1
    assert _errors(result.stderr) == [f"error: {bad}: binary file, not text"]
    assert _counts(db)["articles"] == 1  # the item before is kept, the one after is never read
    relaxed = CliRunner().invoke(
        main, ["ingest", str(first), str(bad), str(last), "--db", str(db), "--published", PUBLISHED]
    )
    assert relaxed.exit_code == 1 and _counts(db)["articles"] == 2


def test_strict_stops_inside_a_file_too(tmp_path):
    path = tmp_path / "in.jsonl"
    path.write_text("\n".join([_jsonl_line(41), "{oops", _jsonl_line(42)]) + "\n", encoding="utf-8")
    db = tmp_path / "events.sqlite"
    result = CliRunner().invoke(main, ["ingest", str(path), "--db", str(db), "--strict"])
    assert result.exit_code == 1
    assert _errors(result.stderr) == [
        f"error: {path}:2: malformed JSON (Expecting property name enclosed in double quotes at column 2)"
    ]
    assert _counts(db)["articles"] == 1


@pytest.mark.slow
def test_the_real_command_in_a_subprocess(tmp_path):
    good, empty, huge = tmp_path / "good.txt", tmp_path / "empty.txt", tmp_path / "huge.html"
    good.write_text(_article(51), encoding="utf-8")
    empty.write_bytes(b"")
    with huge.open("wb") as out:
        out.truncate(2**30)
    db = tmp_path / "events.sqlite"
    run = subprocess.run(
        [
            sys.executable,
            "-m",
            "events.cli",
            "ingest",
            str(empty),
            str(huge),
            str(good),
            "--db",
            str(db),
            "--published",
            PUBLISHED,
        ],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert run.returncode == 1, run.stderr
    assert _errors(run.stderr) == [
        f"error: {empty}: empty text",
        f"error: {huge}: file is 1.0 GB, over the 50 MB limit; not read",
    ]
    assert "Traceback" not in run.stderr
    assert _counts(db)["articles"] == 1
    clean = CliRunner().invoke(main, ["ingest", str(good), "--db", str(db)])
    assert clean.exit_code == 0 and "1 already stored" in clean.stderr  # nothing failed: exit 0


def test_fifty_megabytes_through_the_command(tmp_path):
    """At the reader's size limit: read, then refused as one article too long to parse, with what to do."""
    path = tmp_path / "big.txt"
    line = ("Migrants crossed the river near Eagle Pass on Monday, officials said. " * 14 + "\n").encode()
    with path.open("wb") as out:
        out.write(b"A very long file\n" + line * (50 * 2**20 // len(line) - 1))
    db = tmp_path / "events.sqlite"
    result = CliRunner().invoke(main, ["ingest", str(path), "--db", str(db)])
    assert result.exit_code == 1
    (error,) = _errors(result.stderr)
    assert error.startswith(f"error: {path}: text is ") and "limit" in error and "split it" in error
    with path.open("ab") as out:  # one byte over 50 MB: refused by size, unread
        out.write(b"x" * (50 * 2**20 + 1 - path.stat().st_size))
    result = CliRunner().invoke(main, ["ingest", str(path), "--db", str(db)])
    (error,) = _errors(result.stderr)
    assert error == f"error: {path}: file is 50 MB, over the 50 MB limit; not read"


def test_out_of_range_coordinates_never_reach_the_store():
    for lat, lon in ((91.0, 0.0), (0.0, 180.5), (-1e9, 5.0), (float("nan"), 1.0)):
        with pytest.raises(InputError) as caught:
            Event(
                article_id="a",
                type="arrival",
                sentence="s",
                start=0,
                end=1,
                place="Nowhere",
                lat=lat,
                lon=lon,
            )
        assert "Nowhere" in str(caught.value)


def test_lone_surrogates_and_undecodable_names_are_stored_not_fatal(tmp_path):
    """A JSON "\\ud800" escape or a file name that is not UTF-8 used to end the whole ingest."""
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "a.jsonl").write_text(
        '{"id": "s\\udc00", "title": "T\\ud800", "text": "Migrants \\ud800 crossed '
        'the river near Eagle Pass on Monday."}\n' + _jsonl_line(61) + "\n",
        encoding="utf-8",
    )
    odd = bytes(folder) + b"/odd\xffname.txt"  # Linux allows any bytes in a name
    with open(odd, "wb") as out:
        out.write(_article(62).encode("utf-8"))
    db = tmp_path / "events.sqlite"
    result = CliRunner().invoke(main, ["ingest", str(folder), "--db", str(db), "--published", PUBLISHED])
    assert result.exit_code == 0, result.output
    assert _counts(db)["articles"] == 3
    with sqlite3.connect(db) as conn:
        stored = dict(conn.execute("SELECT id, text FROM articles"))
    assert stored["s\ufffd"].startswith("Migrants \ufffd crossed")  # the bad character marked, the rest kept


def test_feeds_expand_no_external_or_nested_entities(tmp_path):
    """XXE (an entity naming a local file) and 'billion laughs' (entities nested ten deep) in a feed."""
    secret = tmp_path / "secret.txt"
    secret.write_text("SECRET-4242", encoding="utf-8")
    xxe = tmp_path / "xxe.rss"
    xxe.write_text(
        f'<?xml version="1.0"?>\n<!DOCTYPE rss [<!ENTITY xxe SYSTEM "{secret.as_uri()}">]>\n'
        '<rss version="2.0"><channel><title>T</title><item><title>Leak &xxe;</title><description>'
        "Migrants crossed the river near Eagle Pass on Monday &xxe;.</description></item>"
        "</channel></rss>",
        encoding="utf-8",
    )
    nested = "".join(f'<!ENTITY {chr(98 + i)} "{f"&{chr(97 + i)};" * 10}">' for i in range(9))
    laughs = tmp_path / "laughs.rss"
    laughs.write_text(
        f'<?xml version="1.0"?>\n<!DOCTYPE rss [<!ENTITY a "lol">{nested}]>\n'
        '<rss version="2.0"><channel><title>T</title><item><title>x</title><description>'
        "Soldiers crossed the MDL near Paju &j;</description></item></channel></rss>",
        encoding="utf-8",
    )
    db = tmp_path / "events.sqlite"
    started = time.monotonic()
    result = CliRunner().invoke(main, ["ingest", str(xxe), str(laughs), "--db", str(db)])
    assert time.monotonic() - started < 30
    with sqlite3.connect(db) as conn:
        stored = " ".join(t + " " + x for t, x in conn.execute("SELECT title, text FROM articles"))
    assert "SECRET-4242" not in stored and "lollollol" not in stored
    assert result.exit_code in (0, 1) and "Traceback" not in result.output


@pytest.mark.parametrize(
    "url",
    [
        "{tmp}/no/such/dir/x.sqlite",
        "{tmp}/not-a-db.sqlite",
        "postgresql://user:hunter2@127.0.0.1:9/db",
        "nosuchscheme://x",
    ],
)
def test_a_store_that_cannot_open_is_one_line(tmp_path, url):
    (tmp_path / "not-a-db.sqlite").write_text("this is not a database\n" * 100, encoding="utf-8")
    article = tmp_path / "a.txt"
    article.write_text(_article(71), encoding="utf-8")
    result = CliRunner().invoke(main, ["ingest", str(article), "--db", url.format(tmp=tmp_path)])
    assert result.exit_code == 1
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: cannot open store "), result.stderr
    assert "hunter2" not in result.stderr  # the password is never printed


def test_stdin_is_decoded_like_a_file(tmp_path):
    db = tmp_path / "events.sqlite"
    binary = CliRunner().invoke(main, ["ingest", "-", "--db", str(db)], input=b"\x00\x01\x02PK\x03\x04binary")
    assert binary.exit_code == 1 and _errors(binary.stderr) == ["error: <stdin>: binary file, not text"]
    for data in (
        _article(81).replace("–", "-").encode("cp1252").replace(b"Monday", b"Monday \xe9\xff"),
        _article(82).encode("utf-16"),
    ):
        result = CliRunner().invoke(
            main, ["ingest", "-", "--db", str(db), "--published", PUBLISHED], input=data
        )
        assert result.exit_code == 0, result.output
    with sqlite3.connect(db) as conn:
        texts = [t for (t,) in conn.execute("SELECT text FROM articles ORDER BY text")]
    assert len(texts) == 2 and "Monday éÿ" in texts[0] and "number 82" in texts[1]


def test_devices_and_fifos_are_refused_unread(tmp_path):
    """/dev/zero says it holds 0 bytes and never ends; a FIFO blocks until someone writes to it."""
    import os

    fifo = tmp_path / "pipe.txt"
    os.mkfifo(fifo)
    good = tmp_path / "good.txt"
    good.write_text(_article(91), encoding="utf-8")
    paths = [p for p in ("/dev/zero", "/dev/urandom") if os.path.exists(p)] + [str(fifo), str(good)]
    db = tmp_path / "events.sqlite"
    started = time.monotonic()
    result = CliRunner().invoke(main, ["ingest", *paths, "--db", str(db)])
    assert time.monotonic() - started < 30
    assert result.exit_code == 1
    assert _errors(result.stderr) == [f"error: {p}: not a regular file; not read" for p in paths[:-1]]
    assert _counts(db)["articles"] == 1


def test_an_oversized_record_is_named_by_its_line(tmp_path):
    path = tmp_path / "in.jsonl"
    path.write_text(
        '{"id": "big", "text": "' + "word " * 250_000 + '"}\n' + _jsonl_line(95) + "\n", encoding="utf-8"
    )
    db = tmp_path / "events.sqlite"
    result = CliRunner().invoke(main, ["ingest", str(path), "--db", str(db)])
    (error,) = _errors(result.stderr)
    assert error == (
        f"error: {path}:1: text is 1,249,999 characters, over the 1,000,000 limit for one article; "
        f"split it into articles (JSONL or CSV)"
    )
    assert _counts(db)["articles"] == 1
