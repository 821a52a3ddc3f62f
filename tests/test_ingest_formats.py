"""Readers for web pages, feeds, CSV exports and mixed folders; languages and publication dates."""

import shutil
from datetime import date
from pathlib import Path

from events.errors import InputError
from events.readers import ReadOptions, read_paths, text_article
from events.readers.base import dateline_date, detect_language, parse_published

FIXTURES = Path(__file__).parent / "fixtures" / "ingest"


def _split(items):
    items = list(items)
    return [i for i in items if not isinstance(i, InputError)], [
        str(i) for i in items if isinstance(i, InputError)
    ]


def test_html_page_main_text_and_metadata():
    (article,), errors = _split(read_paths([str(FIXTURES / "border-herald.html")]))
    assert errors == []
    assert article.title == "Soldier defects across DMZ near Paju"
    assert article.author == "Kim Min-ji"
    assert article.url == "https://border-herald.example/2026/05/03/paju-defection"  # the canonical link
    assert article.source == "Border Herald"
    assert article.published == date(2026, 5, 3) and article.published_from == "metadata"
    assert article.input_format == "html" and article.language == "en"
    assert article.text.startswith("PAJU, South Korea – A North Korean soldier")  # headline line dropped
    for boilerplate in ("Subscribe", "CHEAP FLIGHTS", "kimchi", "crypto", "Copyright", "Most read"):
        assert boilerplate not in article.text


def test_rss_feed_entries():
    articles, errors = _split(read_paths([str(FIXTURES / "rio-wire.rss")]))
    assert errors == []
    assert [a.id for a in articles] == [
        "rio-wire-1001",
        "rio-wire-1002",
        "https://rio-wire.example/2026/03/05/laredo",
    ]
    first, second, third = articles
    assert first.title == "Migrants cross Rio Grande near Eagle Pass" and first.source == "Rio Wire"
    assert first.url == "https://rio-wire.example/2026/03/02/eagle-pass"
    assert first.published == date(2026, 3, 2) and first.published_from == "metadata"
    assert first.text.startswith("About 40 migrants waded across the Rio Grande near Eagle Pass")
    assert "<" not in first.text
    # full content wins over the teaser; scripts in it are gone
    assert second.text.startswith("DEL RIO, Texas – A small boat") and "alert" not in second.text
    assert "Rescuers pulled six people" in second.text
    # "sometime last week" is no date: the entry is kept, its date unknown
    assert third.published is None and third.published_from == "unknown"


def test_atom_feed_entries_and_default_date():
    articles, errors = _split(read_paths([str(FIXTURES / "dmz-watch.atom")], date(2026, 1, 1)))
    assert errors == []
    assert [(a.id, a.published, a.source) for a in articles] == [
        ("urn:example:dmz-watch:77", date(2026, 5, 4), "DMZ Watch"),
        ("urn:example:dmz-watch:78", date(2026, 5, 5), "DMZ Watch"),  # only <updated>: used
    ]
    assert articles[1].text.startswith("The military resumed loudspeaker broadcasts")


def test_csv_export_with_odd_columns():
    options = ReadOptions(columns={"text": "Story Body"})
    articles, errors = _split(read_paths([str(FIXTURES / "export.csv")], options=options))
    assert [a.id for a in articles] == ["x-1", "x-2", "x-6"]
    x1, x2, x6 = articles
    assert x1.title == "Fishermen detained near Baengnyeong" and x1.url == "https://example.org/x-1"
    assert x1.source == "Coast Daily" and x1.input_format == "csv"
    assert x1.published == date(2026, 2, 3)  # 03/02/2026 read day first
    assert x2.published == date(2026, 4, 11) and "Police said" in x2.text  # a quoted multi-line cell
    assert x6.published == date(2026, 5, 12)
    path = FIXTURES / "export.csv"
    assert errors == [
        f"{path}:5: published date 'sometime in spring' is not YYYY-MM-DD or another full date",
        f'{path}:6: missing "story_body"',
        f"{path}:7: 9 fields, the header has 7",
    ]


def test_csv_without_mapping_names_the_missing_column():
    (error,) = [str(i) for i in read_paths([str(FIXTURES / "export.csv")])]
    assert error.startswith(f"{FIXTURES / 'export.csv'}: no text column (looked for text, body")
    assert "--text-col" in error


def test_csv_default_columns_and_tsv(tmp_path):
    path = tmp_path / "news.tsv"
    path.write_text(
        "headline\tbody\tpubDate\tlink\nA title\tMigrants crossed at Eagle Pass.\t"
        "Mon, 02 Mar 2026 14:05:00 GMT\thttps://e.example/1\n",
        encoding="utf-8",
    )
    (article,), errors = _split(read_paths([str(path)]))
    assert errors == []
    assert (article.title, article.url, article.published) == (
        "A title",
        "https://e.example/1",
        date(2026, 3, 2),
    )


def test_jsonl_column_mapping(tmp_path):
    path = tmp_path / "export.jsonl"
    path.write_text(
        '{"uid": "u1", "Body": "Talks were held at Panmunjom.", "Publish Date": "2026-05-01"}\n',
        encoding="utf-8",
    )
    (article,), errors = _split(read_paths([str(path)]))
    assert errors == []
    assert (article.id, article.published, article.input_format) == ("u1", date(2026, 5, 1), "jsonl")


def test_mixed_folder_recursive_with_a_broken_file():
    folder = FIXTURES / "mixed"
    articles, errors = _split(read_paths([str(folder)], date(2026, 1, 1)))
    assert [(a.input_format, a.title or a.id) for a in articles] == [
        ("jsonl", "m1"),
        ("text", "Seoul arrivals"),  # "notes" has no extension: sniffed as text
        ("text", "Guards push back migrants at Kuznica"),
        ("html", "Des passeurs arrêtés à Calais"),
        ("feed", "Talks at Panmunjom"),
    ]
    # binary files (image.png, blob) are passed over in a folder; broken ones are reported
    assert errors == [
        f"{folder / 'broken.html'}: no article text found in the page",
        f"{folder / 'data.jsonl'}:2: malformed JSON (Expecting value at column 1)",
    ]
    notes, report = articles[1], articles[2]
    assert notes.published == date(2026, 1, 1) and notes.published_from == "default"
    assert report.published == date(2026, 9, 14) and report.published_from == "dateline"


def test_unknown_extension_sniffed(tmp_path):
    shutil.copy(FIXTURES / "rio-wire.rss", tmp_path / "feed.download")
    shutil.copy(FIXTURES / "border-herald.html", tmp_path / "page")
    articles, errors = _split(read_paths([str(tmp_path)]))
    assert errors == [] and [a.input_format for a in articles] == ["feed"] * 3 + ["html"]


def test_languages_marked():
    (french,), _ = _split(read_paths([str(FIXTURES / "mixed" / "sub" / "calais.html")]))
    assert french.language == "fr"
    assert (
        detect_language(
            "Migrantes cruzaron el río Bravo cerca de Eagle Pass el lunes por la mañana, "
            "según la Patrulla Fronteriza."
        )
        == "es"
    )
    assert detect_language("Two fishermen were detained near Baengnyeong Island.") == "en"
    assert detect_language("Ceuta") == "en"  # too short to tell: the extractor gets to try


def test_dateline_dates():
    ref = date(2026, 11, 27)
    assert dateline_date("EAGLE PASS, Texas, May 3, 2026 – Migrants crossed", ref) == date(2026, 5, 3)
    assert dateline_date("SEOUL, Nov. 3 (Reuters) - A soldier", ref) == date(2026, 11, 3)
    assert dateline_date("SEOUL, Dec. 30 (Reuters) - A soldier", ref) == date(
        2025, 12, 30
    )  # not in the future
    assert dateline_date("Nov. 3 (Reuters) – A soldier", ref) == date(2026, 11, 3)
    assert dateline_date("SEOUL – A soldier crossed", ref) is None
    assert dateline_date("Feb. 30 (Reuters) – Nonsense", ref) is None


def test_date_sources_in_order():
    dated = text_article("T\nSEOUL, May 3, 2026 – A soldier defected.", "a", date(2026, 1, 1))
    assert (dated.published, dated.published_from) == (date(2026, 5, 3), "dateline")
    default = text_article("T\nSEOUL – A soldier defected.", "b", date(2026, 1, 1))
    assert (default.published, default.published_from) == (date(2026, 1, 1), "default")
    unknown = text_article("T\nSEOUL – A soldier defected.", "c")
    assert (unknown.published, unknown.published_from) == (None, "unknown")


def test_parse_published_formats():
    assert parse_published("2026-03-02T10:00:00Z") == date(2026, 3, 2)
    assert parse_published("Mon, 02 Mar 2026 14:05:00 GMT") == date(2026, 3, 2)
    assert parse_published("March 2, 2026") == date(2026, 3, 2)
    assert parse_published("02.03.2026") == date(2026, 3, 2)
    for bad in ("March", "yesterday-ish", "2026-13-45x"):
        try:
            parse_published(bad)
        except InputError as exc:
            assert repr(bad) in str(exc)
        else:
            raise AssertionError(f"{bad!r} parsed")
