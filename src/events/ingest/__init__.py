"""Readers: files, folders and stdin -> Article, or an InputError naming the item and the reason."""

import json
import sys
from collections.abc import Iterable, Iterator
from datetime import date
from pathlib import Path

from events.errors import InputError
from events.models import Article

MAX_BYTES = 50 * 1024 * 1024  # larger files are refused without being read
SUFFIXES = {".txt", ".jsonl"}


def read_paths(paths: Iterable[str], published: date | None = None) -> Iterator[Article | InputError]:
    """Articles from files, folders (recursive) and '-' (stdin), in order; failures are yielded, not raised."""
    for name in paths:
        if name == "-":
            yield from _read_stdin(published)
            continue
        path = Path(name)
        if path.is_dir():
            for child in sorted(p for p in path.rglob("*") if p.suffix.lower() in SUFFIXES and p.is_file()):
                yield from read_file(child, published)
        elif path.exists():
            yield from read_file(path, published)
        else:
            yield InputError(f"{name}: no such file or folder")


def read_file(path: Path, published: date | None = None) -> Iterator[Article | InputError]:
    """Articles from one .txt or .jsonl file."""
    try:
        if path.stat().st_size > MAX_BYTES:
            raise InputError(f"{path}: file is {path.stat().st_size // 2**20} MB, over the 50 MB limit")
        text = _decode(path.read_bytes(), path)
    except InputError as exc:
        yield exc
        return
    except OSError as exc:
        yield InputError(f"{path}: cannot read: {exc.strerror or exc}")
        return
    if path.suffix.lower() == ".jsonl":
        yield from read_jsonl(text.splitlines(), str(path), published)
    else:
        yield _guard(lambda: text_article(text, str(path), published), str(path))


def text_article(text: str, name: str, published: date | None = None) -> Article:
    """A plain-text article: first line the title, the rest the body; the id is a hash of the text."""
    title, _, body = text.strip().partition("\n")
    if not body.strip():
        title, body = "", title
    if not body.strip():
        raise InputError(f"{name}: empty text")
    return Article(id="", text=body.strip(), title=title.strip(), url="", published=published, source=name)


def read_jsonl(lines: Iterable[str], name: str, published: date | None = None) -> Iterator[Article | InputError]:
    """One article a line: {"id", "text", "title"?, "url"?, "published"?, "source"?}."""
    for number, line in enumerate(lines, start=1):
        if line.strip():
            yield _guard(lambda: json_article(line, published), f"{name}:{number}")


def json_article(line: str, published: date | None = None) -> Article:
    """An article from one JSON line."""
    try:
        row = json.loads(line)
    except json.JSONDecodeError as exc:
        raise InputError(f"malformed JSON ({exc.msg} at column {exc.colno})") from exc
    if not isinstance(row, dict):
        raise InputError("expected a JSON object")
    if not isinstance(row.get("text"), str):
        raise InputError('missing "text"')
    return Article(
        id=str(row.get("id") or ""), text=row["text"], title=str(row.get("title") or ""),
        url=str(row.get("url") or ""), published=parse_day(row.get("published")) or published,
        source=str(row.get("source") or ""),
    )


def parse_day(value) -> date | None:
    """A YYYY-MM-DD date (a longer ISO timestamp is cut to its day), or None when absent."""
    if value in (None, ""):
        return None
    try:
        return date.fromisoformat(str(value)[:10])
    except ValueError as exc:
        raise InputError(f"published date {value!r} is not YYYY-MM-DD") from exc


def _read_stdin(published):
    text = sys.stdin.read()
    if text.lstrip().startswith("{"):
        yield from read_jsonl(text.splitlines(), "<stdin>", published)
    else:
        yield _guard(lambda: text_article(text, "<stdin>", published), "<stdin>")


def _decode(data: bytes, path: Path) -> str:
    if b"\x00" in data[:4096] and not data.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise InputError(f"{path}: binary file, not text")
    for encoding in ("utf-8-sig", "utf-16") if data.startswith((b"\xff\xfe", b"\xfe\xff")) else ("utf-8-sig",):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            pass
    return data.decode("cp1252", errors="replace")  # Latin-1 family, the usual non-UTF-8 news text


def _guard(make, item: str) -> Article | InputError:
    try:
        return make()
    except InputError as exc:
        message = str(exc)
        return InputError(message if message.startswith(item) else f"{item}: {message}")
