"""What every reader shares: options, size limits, decoding, dates, language, and the Article builder."""

import calendar
import email.utils
import re
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path

from events.errors import InputError
from events.models import Article

MAX_BYTES = 50 * 1024 * 1024  # whole-document files (text, HTML, feeds) larger than this are refused unread
MAX_TABLE_BYTES = 512 * 1024 * 1024  # CSV/JSONL are streamed, so they may be larger, but not without bound
MAX_TEXT_CHARS = 1_000_000  # spaCy's own max_length: one article longer than this cannot be parsed

# Column names tried in order when no mapping is given (lower case, spaces and dashes as underscores).
DEFAULT_COLUMNS = {
    "text": ("text", "body", "content", "article", "full_text", "article_text", "story", "maintext"),
    "title": ("title", "headline", "heading"),
    "date": (
        "published",
        "date",
        "publish_date",
        "pubdate",
        "published_at",
        "date_published",
        "publication_date",
    ),
    "id": ("id", "article_id", "guid", "uid", "doc_id"),
    "url": ("url", "link", "permalink", "source_url"),
    "source": ("source", "outlet", "publisher", "site", "sitename", "domain", "feed"),
    "author": ("author", "byline", "authors", "creator"),
}


@dataclass(frozen=True)
class ReadOptions:
    """How to read inputs: the publication-date default, column mapping, and whether network is allowed."""

    published: date | None = None  # used when an item carries no date of its own
    columns: dict[str, str] = field(default_factory=dict)  # role ("text", "title", ...) -> column name
    fetch: bool = False  # URLs are read only when this is on (opt-in network)
    follow_links: bool = False  # for feeds: fetch each entry's linked page (needs fetch)
    timeout: float = 20.0
    max_fetch_bytes: int = 10 * 1024 * 1024

    def columns_for(self, role: str) -> tuple[str, ...]:
        """The column names to look for, for one role."""
        chosen = self.columns.get(role)
        return (norm_column(chosen),) if chosen else DEFAULT_COLUMNS[role]


def norm_column(name: str) -> str:
    """A column name compared loosely: 'Publish Date' == 'publish_date'."""
    return re.sub(r"[\s\-]+", "_", str(name).strip().lower())


def check_size(path: Path, limit: int = MAX_BYTES) -> int:
    """The file's size, or an InputError when it is over the limit (the file is not opened)."""
    size = path.stat().st_size
    if size > limit:
        raise InputError(f"{path}: file is {_mb(size)}, over the {_mb(limit)} limit; not read")
    return size


def _mb(size: int) -> str:
    return f"{size / 2**30:.1f} GB" if size >= 2**30 else f"{size // 2**20} MB"


def is_binary(data: bytes) -> bool:
    """NUL bytes near the start (and no UTF-16 byte-order mark): not text."""
    return b"\x00" in data[:4096] and not data.startswith((b"\xff\xfe", b"\xfe\xff"))


def decode(data: bytes, name: str) -> str:
    """Text from bytes: UTF-8 (BOM or not), UTF-16 with a BOM, else Windows-1252 (the usual legacy news text)."""
    if is_binary(data):
        raise InputError(f"{name}: binary file, not text")
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            return data.decode("utf-16")
        except UnicodeDecodeError as exc:
            raise InputError(f"{name}: broken UTF-16 at byte {exc.start}") from exc
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return data.decode("cp1252", errors="replace")


def parse_day(value) -> date | None:
    """A YYYY-MM-DD date (a longer ISO timestamp is cut to its day), or None when absent."""
    if value in (None, ""):
        return None
    try:
        return date.fromisoformat(str(value)[:10])
    except ValueError as exc:
        raise InputError(f"published date {value!r} is not YYYY-MM-DD") from exc


_DAY_FIRST = re.compile(r"^\d{1,2}[./]\d{1,2}[./]\d{4}$")


def parse_published(value) -> date | None:
    """A publication date as exports write it: ISO, RFC 2822 (feeds, mail), or a full written date."""
    if value in (None, ""):
        return None
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    text = str(value).strip()
    try:
        return date.fromisoformat(text[:10])
    except ValueError:
        pass
    try:
        return email.utils.parsedate_to_datetime(text).date()
    except (TypeError, ValueError, IndexError):
        pass
    import dateparser  # slow to import; only needed for the odd formats

    settings = {"REQUIRE_PARTS": ["day", "month", "year"], "PREFER_DAY_OF_MONTH": "first"}
    if _DAY_FIRST.match(text):
        settings["DATE_ORDER"] = "DMY"  # 03.02.2026 and 03/02/2026: day first, as most of the world writes it
    parsed = dateparser.parse(text, languages=["en"], settings=settings) if len(text) < 64 else None
    if parsed is None:
        raise InputError(f"published date {value!r} is not YYYY-MM-DD or another full date")
    return parsed.date()


def dateline_date(text: str, reference: date | None) -> date | None:
    """The date written in the article's dateline ("EAGLE PASS, Texas, May 3, 2026 –"), if any.

    A dateline without a year ("Nov. 3 (Reuters) –") takes the latest such day not after the reference day.
    """
    from events.nlp import find_dateline  # the dateline rule lives in one place

    match = find_dateline(text)
    written = match and match.groupdict().get("date")
    if not written:
        return None
    parts = re.match(r"(?P<month>[A-Za-z]+)\.?\s+(?P<day>\d{1,2})(?:,?\s+(?P<year>\d{4}))?", written.strip())
    if not parts:
        return None
    month = _MONTHS.get(parts["month"][:3].lower())
    if month is None:
        return None
    reference = reference or date.today()
    years = (
        [int(parts["year"])] if parts["year"] else [reference.year + 1, reference.year, reference.year - 1]
    )
    for year in years:
        try:
            day = date(year, month, int(parts["day"]))
        except ValueError:
            continue
        if parts["year"] or day <= reference:
            return day
    return None


_MONTHS = {m.lower(): i for i, m in enumerate(calendar.month_abbr) if m}

# The commonest English words: a cheap check before the statistical model, which is shaky on short snippets.
_ENGLISH = frozenset(
    [
        "the",
        "of",
        "and",
        "to",
        "in",
        "a",
        "is",
        "that",
        "for",
        "on",
        "was",
        "with",
        "as",
        "by",
        "at",
        "from",
        "it",
        "said",
        "were",
        "are",
        "has",
        "have",
        "had",
        "be",
        "an",
        "this",
        "which",
        "who",
        "their",
        "they",
        "its",
        "his",
        "her",
        "after",
        "near",
        "two",
        "three",
    ]
)


def detect_language(text: str) -> str:
    """ISO 639-1 code of the text's language; "en" when the text is too short to tell."""
    sample = text[:3000]
    words = re.findall(r"[^\W\d_]+", sample.lower())
    if len(words) < 4:
        return "en"
    if sum(w in _ENGLISH for w in words) / len(words) >= 0.2:
        return "en"
    import py3langid  # loads its model on first use (about half a second)

    code, _score = py3langid.classify(sample)
    return code


_LONE_SURROGATE = re.compile(r"[\ud800-\udfff]")


def build_article(
    text: str,
    *,
    name: str,
    options: ReadOptions,
    id: str = "",
    title: str = "",
    url: str = "",
    published: date | None = None,
    source: str = "",
    author: str = "",
    input_format: str = "",
) -> Article:
    """An Article with its language and the provenance of its date: metadata, dateline, default or unknown."""
    # Lone surrogates (a JSON "\ud800", an undecodable file name) cannot be hashed, parsed or stored.
    text, id, title, url, source, author = (
        _LONE_SURROGATE.sub("\ufffd", v) for v in (text, id, title, url, source, author)
    )
    text = text.strip()
    where = f"{name}: " if name else ""  # JSON and CSV records get their file:line from guard()
    if not text:
        raise InputError(f"{where}empty text")
    if len(text) > MAX_TEXT_CHARS:
        raise InputError(
            f"{where}text is {len(text):,} characters, over the {MAX_TEXT_CHARS:,} limit "
            f"for one article; split it into articles (JSONL or CSV)"
        )
    origin = "metadata"
    if published is None:
        published, origin = dateline_date(text, options.published), "dateline"
    if published is None:
        published, origin = options.published, "default"
    if published is None:
        origin = "unknown"
    return Article(
        id=id,
        text=text,
        title=title.strip(),
        url=url,
        published=published,
        source=source,
        language=detect_language(f"{title}\n{text}"),
        published_from=origin,
        author=author.strip(),
        input_format=input_format,
    )


def guard(make, item: str) -> Article | InputError:
    """Run an article builder; an InputError comes back (not raised), its message starting with the item."""
    try:
        return make()
    except InputError as exc:
        message = str(exc)
        return InputError(message if message.startswith(item) else f"{item}: {message}")
