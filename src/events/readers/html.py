"""Web pages -> Article: main text, title, author, date and canonical URL via trafilatura and htmldate."""

import html as htmllib
import re
from datetime import date
from urllib.parse import urlsplit

from events.errors import InputError
from events.models import Article
from events.readers.base import ReadOptions, build_article, is_binary, parse_published

_BLOCKS = ("p", "br", "div", "li", "tr", "h1", "h2", "h3", "h4", "h5", "h6", "blockquote", "pre")


def html_article(
    page: bytes | str,
    name: str,
    options: ReadOptions,
    url: str = "",
    title: str = "",
    published: date | None = None,
    source: str = "",
) -> Article:
    """The article in a saved or fetched page; menus, ads, comments and footers are dropped.

    title/published/source are fallbacks (e.g. from a feed entry) for what the page itself does not say.
    """
    import htmldate
    import trafilatura

    if isinstance(page, bytes) and is_binary(page):
        raise InputError(f"{name}: binary file, not HTML")
    try:
        doc = trafilatura.bare_extraction(
            page,
            url=url or None,
            with_metadata=True,
            include_comments=False,
            include_tables=False,
            include_images=False,
        )
    except (ValueError, TypeError) as exc:  # lxml refuses some broken documents outright
        raise InputError(f"{name}: cannot parse HTML: {exc}") from exc
    if doc is None or not (doc.text or "").strip():
        raise InputError(f"{name}: no article text found in the page")
    page_title = (doc.title or "").strip() or title
    text = _drop_heading(doc.text, page_title)
    found = htmldate.find_date(page, original_date=True, extensive_search=False, outputformat="%Y-%m-%d")
    try:
        when = parse_published(found or doc.date) if (found or doc.date) else published
    except InputError:
        when = published
    canonical = doc.url if doc.url and doc.url.startswith(("http://", "https://")) else url
    outlet = doc.sitename or source or (urlsplit(canonical).hostname or "") or name
    return build_article(
        text,
        name=name,
        options=options,
        title=page_title,
        url=canonical or "",
        published=when or published,
        source=outlet,
        author=doc.author or "",
        input_format="html",
    )


def _drop_heading(text: str, title: str) -> str:
    """trafilatura keeps the <h1> as the first line; the title is stored apart, and the dateline must lead."""
    first, _, rest = text.strip().partition("\n")
    return rest if title and rest.strip() and first.strip().lower() == title.lower() else text


def fragment_text(fragment: str) -> str:
    """Plain text of an HTML fragment (a feed summary), paragraphs kept as lines."""
    if "<" not in fragment:
        return htmllib.unescape(fragment).strip()
    import lxml.etree
    import lxml.html

    try:
        root = lxml.html.fragment_fromstring(fragment, create_parent="div")
    except (ValueError, TypeError, lxml.etree.LxmlError):  # junk markup: the raw text is the best we have
        return re.sub(r"<[^>]*>", " ", fragment).strip()
    for bad in root.xpath("//script|//style"):
        bad.drop_tree()
    for element in root.iter(*_BLOCKS):
        element.tail = "\n" + (element.tail or "")
    lines = (re.sub(r"[ \t\r\f\v]+", " ", line).strip() for line in root.text_content().split("\n"))
    return "\n".join(line for line in lines if line)
