"""Readers: text, JSONL, folders, stdin; bad items become one-line errors and the rest goes on."""

import io
import json
from datetime import date

from events.errors import InputError
from events.readers import read_paths


def _split(items):
    items = list(items)
    return [i for i in items if not isinstance(i, InputError)], [
        str(i) for i in items if isinstance(i, InputError)
    ]


def test_text_file_title_and_body(tmp_path):
    path = tmp_path / "a.txt"
    path.write_text(
        "Soldier defects\nPAJU, South Korea – A soldier crossed the MDL on Monday.\n", encoding="utf-8"
    )
    (article,), errors = _split(read_paths([str(path)], date(2026, 1, 5)))
    assert errors == []
    assert article.title == "Soldier defects"
    assert article.text.startswith("PAJU, South Korea")
    assert article.published == date(2026, 1, 5)
    assert article.id.startswith("sha1:")


def test_jsonl_good_and_bad_lines(tmp_path):
    path = tmp_path / "b.jsonl"
    rows = [
        json.dumps({"id": "a1", "text": "Migrants crossed the Rio Grande.", "published": "2026-03-02"}),
        "{not json",
        json.dumps({"id": "a2"}),
        json.dumps({"id": "a3", "text": "x", "published": "March"}),
        json.dumps({"id": "a4", "text": "Talks were held at Panmunjom."}),
    ]
    path.write_text("\n".join(rows) + "\n", encoding="utf-8")
    articles, errors = _split(read_paths([str(path)]))
    assert [a.id for a in articles] == ["a1", "a4"]
    assert articles[0].published == date(2026, 3, 2) and articles[1].published is None
    assert len(errors) == 3
    assert errors[0].startswith(f"{path}:2: malformed JSON")
    assert errors[1] == f'{path}:3: missing "text"'
    assert "is not YYYY-MM-DD" in errors[2] and errors[2].startswith(f"{path}:4:")


def test_folder_is_recursive_and_ordered(tmp_path):
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "b.txt").write_text("T2\nBody two.", encoding="utf-8")
    (tmp_path / "a.txt").write_text("T1\nBody one.", encoding="utf-8")
    (tmp_path / "skip.bin").write_bytes(b"\x00\x01")
    articles, errors = _split(read_paths([str(tmp_path)]))
    assert [a.title for a in articles] == ["T1", "T2"] and errors == []


def test_bad_files_named_in_errors(tmp_path):
    empty = tmp_path / "empty.txt"
    empty.write_text("", encoding="utf-8")
    binary = tmp_path / "bin.txt"
    binary.write_bytes(b"\x00\x89PNG\x00\x00")
    latin = tmp_path / "latin.txt"
    latin.write_bytes("Réfugiés\nArrivée à Calais.".encode("latin-1"))
    articles, errors = _split(read_paths([str(empty), str(binary), str(latin), str(tmp_path / "nope.txt")]))
    assert [a.title for a in articles] == ["Réfugiés"]
    assert errors == [
        f"{empty}: empty text",
        f"{binary}: binary file, not text",
        f"{tmp_path / 'nope.txt'}: no such file or folder",
    ]


def test_stdin_jsonl(monkeypatch):
    monkeypatch.setattr("sys.stdin", io.StringIO('{"id": "s1", "text": "A boat arrived in Dover."}\n'))
    (article,), errors = _split(read_paths(["-"]))
    assert article.id == "s1" and errors == []
