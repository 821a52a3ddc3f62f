"""Bad input, one item at a time: each gets a one-line error naming it and the reason; the rest goes on."""

import os
import time

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from events.errors import InputError
from events.models import Article
from events.readers import read_paths
from events.readers.base import MAX_TEXT_CHARS

GOOD = "Soldier defects\nPAJU, South Korea – A soldier crossed the MDL on Monday.\n"


def _split(items):
    items = list(items)
    return [i for i in items if not isinstance(i, InputError)], [
        str(i) for i in items if isinstance(i, InputError)
    ]


def _one_error(path):
    articles, errors = _split(read_paths([str(path)]))
    assert articles == [] and len(errors) == 1, errors
    assert "\n" not in errors[0] and errors[0].startswith(str(path))
    return errors[0]


def test_batch_goes_on_past_every_bad_item(tmp_path):
    bad = {
        "empty.txt": b"",
        "empty.html": b"",
        "empty.csv": b"",
        "binary.txt": b"\x00\x01\x02PK\x03\x04" * 20,
        "binary.html": b"\x89PNG\r\n\x1a\n\x00\x00",
        "nobody.html": b"<html><head><title>Nothing here</title></head></html>",
        "notxml.rss": b"this is not XML at all, just words",
        "html.atom": b"<html><body><p>A page, not a feed.</p></body></html>",
        "broken16.txt": b"\xff\xfe" + "Title\nText".encode("utf-16-le") + b"\x00",
    }
    for name, data in bad.items():
        (tmp_path / name).write_bytes(data)
    (tmp_path / "zgood.txt").write_text(GOOD, encoding="utf-8")
    paths = [str(tmp_path / name) for name in [*bad, "zgood.txt"]]
    articles, errors = _split(read_paths(paths))
    assert [a.title for a in articles] == ["Soldier defects"]
    assert len(errors) == len(bad)
    for name, error in zip(bad, errors):
        assert error.startswith(str(tmp_path / name) + ":") and "\n" not in error
    reasons = dict(zip(bad, errors))
    assert reasons["empty.txt"].endswith("empty text")
    assert reasons["empty.csv"].endswith("empty file")
    assert reasons["binary.txt"].endswith("binary file, not text")
    assert "not HTML" in reasons["binary.html"]
    assert reasons["nobody.html"].endswith("no article text found in the page")
    assert "not an RSS or Atom feed" in reasons["notxml.rss"]
    assert "not an RSS or Atom feed" in reasons["html.atom"]
    assert "UTF-16" in reasons["broken16.txt"]


def test_encodings(tmp_path):
    (tmp_path / "latin1.txt").write_bytes(
        "Réfugiés à Calais\nArrivée à Calais, près de la plage.".encode("latin-1")
    )
    (tmp_path / "utf16.txt").write_bytes("Title\nMigrants crossed the Evros river.".encode("utf-16"))
    (tmp_path / "badutf8.txt").write_bytes(b"Title\nMigrants crossed \xff\xfe\xfa the river.")
    (tmp_path / "latin1.csv").write_bytes(
        "title,text\nR\xe9fugi\xe9s,Arriv\xe9e \xe0 Calais.\n".encode("latin-1")
    )
    articles, errors = _split(
        read_paths([str(tmp_path / n) for n in ("latin1.txt", "utf16.txt", "badutf8.txt", "latin1.csv")])
    )
    assert errors == []
    assert [a.title for a in articles] == ["Réfugiés à Calais", "Title", "Title", "Réfugiés"]
    assert articles[1].text == "Migrants crossed the Evros river."
    assert articles[2].text.startswith("Migrants crossed") and articles[2].text.endswith("the river.")
    assert articles[3].text == "Arrivée à Calais."


def test_fifty_megabyte_text_is_refused_as_one_article(tmp_path):
    path = tmp_path / "big.txt"
    line = "Migrants crossed the river near Eagle Pass on Monday, officials said. " * 14 + "\n"
    with path.open("w", encoding="utf-8") as out:
        out.write("A very long file\n")
        for _ in range(50 * 1024 * 1024 // len(line) - 1):
            out.write(line)
    assert 49 * 2**20 < path.stat().st_size <= 50 * 2**20
    error = _one_error(path)
    assert f"over the {MAX_TEXT_CHARS:,} limit" in error and "split it" in error


def test_one_gigabyte_file_refused_unread(tmp_path):
    for name in ("huge.txt", "huge.html", "huge.jsonl", "huge.csv"):
        path = tmp_path / name
        with path.open("wb") as out:
            out.truncate(2**30)  # sparse: no disk used, and the reader must not read it
        began = time.perf_counter()
        error = _one_error(path)
        assert time.perf_counter() - began < 1.0
        assert "1.0 GB, over the" in error and "not read" in error


def test_big_jsonl_is_streamed(tmp_path):
    path = tmp_path / "many.jsonl"
    with path.open("w", encoding="utf-8") as out:
        for n in range(5000):
            out.write(f'{{"id": "r{n}", "text": "Report {n}: migrants crossed the river."}}\n')
        out.write('{"id": "bad", "text": \n')
    items = read_paths([str(path)])
    first = next(items)  # the reader yields as it goes
    assert first.id == "r0"
    rest = list(items)
    assert len(rest) == 5000 and str(rest[-1]).startswith(f"{path}:5001: malformed JSON")


def test_malformed_jsonl_lines(tmp_path):
    path = tmp_path / "mixed.jsonl"
    path.write_bytes(
        b'[1, 2]\n"a string"\n{"text": 42}\n{"id": "ok", "text": "Talks at Panmunjom."}\n'
        b'{"id": "cut", "text": "a line cut in the midd\n'
    )
    articles, errors = _split(read_paths([str(path)]))
    assert [a.id for a in articles] == ["ok"]
    assert errors[:3] == [
        f"{path}:1: expected a JSON object",
        f"{path}:2: expected a JSON object",
        f'{path}:3: missing "text"',
    ]
    assert errors[3].startswith(f"{path}:5: malformed JSON")


def test_malformed_csv_lines(tmp_path):
    path = tmp_path / "rows.csv"
    long_cell = "x" * (MAX_TEXT_CHARS + 10)
    path.write_text(
        "id,text,date\n"
        'r1,"Migrants crossed at Eagle Pass.",2026-03-02\n'
        'r2,"Too many",2026-03-02,extra,extra\n'
        f'r3,"{long_cell}",2026-03-02\n'
        'r4,"A boat arrived in Dover.",31/31/2026\n'
        'r5,"Warning shots near Cheorwon.",2026-05-04\n',
        encoding="utf-8",
    )
    articles, errors = _split(read_paths([str(path)]))
    assert [a.id for a in articles] == ["r1", "r5"]
    assert errors[0] == f"{path}:3: 5 fields, the header has 3"
    assert errors[1].startswith(f"{path}:4: ") and "limit" in errors[1]
    assert errors[2].startswith(f"{path}:5: published date '31/31/2026'")


def test_folder_skips_binaries_and_hidden_files(tmp_path):
    (tmp_path / ".DS_Store").write_bytes(b"\x00\x00\x00\x01Bud1")
    (tmp_path / "photo.jpg").write_bytes(b"\xff\xd8\xff\xe0 not really")
    (tmp_path / "blob").write_bytes(bytes(range(256)))
    (tmp_path / "a.txt").write_text(GOOD, encoding="utf-8")
    articles, errors = _split(read_paths([str(tmp_path)]))
    assert [a.title for a in articles] == ["Soldier defects"] and errors == []


def test_unreadable_file(tmp_path):
    path = tmp_path / "secret.txt"
    path.write_text(GOOD, encoding="utf-8")
    path.chmod(0)
    if os.access(path, os.R_OK):  # root reads anything: nothing to test here
        return
    assert "cannot read" in _one_error(path)


SUFFIXES = [".txt", ".html", ".rss", ".csv", ".jsonl", ".json", ""]


@pytest.mark.parametrize("suffix", SUFFIXES)
@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    data=st.one_of(
        st.binary(max_size=400),
        st.text(max_size=400).map(lambda t: t.encode("utf-8", errors="surrogatepass")),
        st.lists(
            st.sampled_from(
                [
                    '{"text": "x"}',
                    '{"id": 1, "text": "y", "published": "2026-02-30"}',
                    "a,b,text",
                    '"unclosed,',
                    "<rss version='2.0'><channel><item>",
                    "<html><body><p>Hi",
                    "\x00",
                    "\ufeff",
                    "text\n",
                    "é",
                    ";",
                    "\t",
                ]
            ),
            max_size=12,
        ).map(lambda parts: "\n".join(parts).encode("utf-8", errors="surrogatepass")),
    )
)
def test_readers_never_raise_on_junk(tmp_path, suffix, data):
    path = tmp_path / f"junk{suffix}"
    path.write_bytes(data)
    for item in read_paths([str(path)]):
        assert isinstance(item, (Article, InputError))
        if isinstance(item, InputError):
            assert str(item).startswith(str(path)) and "\n" not in str(item)
