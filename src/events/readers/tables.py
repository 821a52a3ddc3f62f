"""Tables -> Article: JSONL (one object a line), JSON arrays and CSV/TSV exports, with a column mapping."""

import csv
import io
import json
from collections.abc import Iterable, Iterator
from datetime import date
from pathlib import Path

from events.errors import InputError
from events.models import Article
from events.readers.base import (
    MAX_TEXT_CHARS,
    ReadOptions,
    build_article,
    guard,
    norm_column,
    parse_published,
)

csv.field_size_limit(MAX_TEXT_CHARS + 1)  # longer fields become an error naming the line, not a crash


def read_jsonl(
    lines: Iterable[str], name: str, published: date | None = None, options: ReadOptions | None = None
) -> Iterator[Article | InputError]:
    """One article a line: {"id", "text", "title"?, "url"?, "published"?, "source"?} or mapped columns."""
    options = _with_default(options, published)
    for number, line in enumerate(lines, start=1):
        if line.strip():
            yield guard(lambda line=line: json_article(line, options=options), f"{name}:{number}")


def json_article(line: str, published: date | None = None, options: ReadOptions | None = None) -> Article:
    """An article from one JSON line."""
    try:
        row = json.loads(line)
    except json.JSONDecodeError as exc:
        raise InputError(f"malformed JSON ({exc.msg} at column {exc.colno})") from exc
    except RecursionError as exc:  # "[[[[..." thousands deep: Python's parser gives up
        raise InputError("malformed JSON (nested too deeply)") from exc
    return row_article(row, "", _with_default(options, published))


def read_json_array(text: str, name: str, options: ReadOptions) -> Iterator[Article | InputError]:
    """A JSON file holding a list of article objects."""
    try:
        rows = json.loads(text)
    except json.JSONDecodeError as exc:
        yield InputError(f"{name}: malformed JSON ({exc.msg} at line {exc.lineno} column {exc.colno})")
        return
    except RecursionError:  # "[[[[..." thousands deep
        yield InputError(f"{name}: malformed JSON (nested too deeply)")
        return
    if not isinstance(rows, list):
        yield InputError(f"{name}: expected a JSON list of articles or one object a line")
        return
    for number, row in enumerate(rows, start=1):
        yield guard(lambda row=row: row_article(row, "", options, "json"), f"{name}[{number}]")


def read_csv(
    stream: io.TextIOBase, name: str, options: ReadOptions, delimiter: str | None = None
) -> Iterator[Article | InputError]:
    """Rows of a CSV/TSV export (header row first); a bad row is an error naming its line, the rest go on."""
    head = stream.read(64 * 1024)
    if not head.strip():
        yield InputError(f"{name}: empty file")
        return
    if delimiter is None:
        try:
            delimiter = csv.Sniffer().sniff(head, delimiters=",;\t|").delimiter
        except csv.Error:
            delimiter = ","
    reader = csv.reader(_chain(head, stream), delimiter=delimiter)
    try:
        header = next(reader)
    except csv.Error as exc:
        yield InputError(f"{name}:1: malformed header row: {exc}")
        return
    columns = [norm_column(c) for c in header]
    if not any(c in columns for c in options.columns_for("text")):
        wanted = ", ".join(options.columns_for("text"))
        yield InputError(
            f"{name}: no text column (looked for {wanted}; found {', '.join(header)}); "
            f"name it with --text-col"
        )
        return
    while True:
        line = reader.line_num + 1
        try:
            cells = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            yield InputError(f"{name}:{line}: malformed CSV row: {exc}")
            continue
        if not any(cell.strip() for cell in cells):
            continue
        if len(cells) > len(columns):
            yield InputError(f"{name}:{line}: {len(cells)} fields, the header has {len(columns)}")
            continue
        row = dict(zip(columns, cells))
        yield guard(lambda row=row: row_article(row, "", options, "csv"), f"{name}:{line}")


def row_article(row, name: str, options: ReadOptions, input_format: str = "jsonl") -> Article:
    """An article from one record (a JSON object or a CSV row), found through the column mapping."""
    if not isinstance(row, dict):
        raise InputError("expected a JSON object")
    row = {norm_column(k): v for k, v in row.items()}
    text = _pick(row, options, "text")
    if not isinstance(text, str) or not text.strip():
        raise InputError(f'missing "{options.columns_for("text")[0]}"')
    published = parse_published(_pick(row, options, "date"))
    return build_article(
        text,
        name=name,
        options=options,
        id=_cell(row, options, "id"),
        title=_cell(row, options, "title"),
        url=_cell(row, options, "url"),
        published=published,
        source=_cell(row, options, "source"),
        author=_cell(row, options, "author"),
        input_format=input_format,
    )


def open_table(path: Path) -> io.TextIOBase:
    """A table file opened as text, its encoding chosen from its first bytes (streamed, not loaded)."""
    with path.open("rb") as raw:
        head = raw.read(64 * 1024)
    if head.startswith((b"\xff\xfe", b"\xfe\xff")):
        encoding = "utf-16"
    elif _is_utf8(head):
        encoding = "utf-8-sig"
    else:
        encoding = "cp1252"
    # errors="replace": one bad byte deep in a big export costs a character, not the file
    return path.open(encoding=encoding, errors="replace", newline="")


def _is_utf8(head: bytes) -> bool:
    for cut in range(4):  # the 64 KB sample may end inside a multi-byte character
        try:
            head[: len(head) - cut].decode("utf-8")
            return True
        except UnicodeDecodeError:
            continue
    return False


def _pick(row: dict, options: ReadOptions, role: str):
    for column in options.columns_for(role):
        if row.get(column) not in (None, ""):
            return row[column]
    return None


def _cell(row: dict, options: ReadOptions, role: str) -> str:
    value = _pick(row, options, role)
    return "" if value is None else str(value).strip()


def _chain(head: str, stream: io.TextIOBase) -> Iterator[str]:
    yield from io.StringIO(head + stream.readline())  # finish the line the sample cut
    yield from stream


def _with_default(options: ReadOptions | None, published: date | None) -> ReadOptions:
    options = options or ReadOptions()
    if published and not options.published:
        from dataclasses import replace

        options = replace(options, published=published)
    return options
