"""What a marker says: its popup (what, where, when, who, the source sentence, how sure) and its story card.

Every value from an article is escaped here, before it reaches the page's HTML.
"""

import html
import math
from urllib.parse import urlparse

import pandas as pd

from events.models import ontology

ICON_SLOT = '<i class="ev-ico"></i>'  # mapview.js puts the type's SVG here: one copy per type, not per event
PRECISION_NOTE = {
    "exact": "exact place",
    "near": "near the place",
    "region": "somewhere in the region",
    "country": "somewhere in the country",
    "unknown": "place unknown",
}


def popup_html(row) -> str:
    """The popup of one event; every value from the article is escaped."""
    style = ontology().get(row.type, {})
    actors = ", ".join(a.get("text", "") for a in (plain(row.actors) or []) if isinstance(a, dict))
    conf = float(plain(row.confidence) or 0.0)
    parts = [
        (
            f'<div class="ev-pop"><div class="ev-pop-type" style="background:{style.get("colour", "#555")}">'
            f"{ICON_SLOT}<span>{html.escape(type_label(row.type))}</span></div>"
        ),
        _field("When", html.escape(when_text(row)), row.date_precision),
        _field("Where", html.escape(_where(row)) + _located_by(row), row.geo_precision),
    ]
    if actors:
        parts.append(_field("Who", html.escape(actors)))
    parts.append(f'<blockquote class="ev-sentence">{highlight(row)}</blockquote>')
    parts.append(
        f'<div class="ev-conf"><span>Confidence {conf:.2f}</span>'
        f'<span class="ev-bar"><i style="width:{conf * 100:.0f}%"></i></span></div>'
    )
    reports = plain(getattr(row, "sources", None)) or []
    if len(reports) > 1:  # an incident: every report that told it
        items = "".join(
            f"<li>{source_link(plain(r.get('title')) or '', plain(r.get('url')) or '')}{_source_note(r)}</li>"
            for r in reports
        )
        parts.append(f'<div class="ev-src">Reported by {len(reports)} articles<ol>{items}</ol></div></div>')
    else:
        parts.append(
            f'<div class="ev-src">{source_link(plain(row.title) or "", plain(row.url) or "")}'
            f"{_source_note(row)}</div></div>"
        )
    return "".join(parts)


def story_html(row) -> str:
    """The large card of one event in presentation mode (escaped like the popup)."""
    style = ontology().get(row.type, {})
    return (
        f'<div class="ev-story-head"><span class="ev-chip" style="background:{style.get("colour", "#555")}">'
        f"{ICON_SLOT} {html.escape(type_label(row.type))}</span>"
        f"<span>{html.escape(when_text(row))}</span><span>{html.escape(_where(row))}</span></div>"
        f'<div class="ev-story-sentence">{highlight(row)}</div>'
        f'<div class="ev-story-src">{source_link(plain(row.title) or "", plain(row.url) or "")}</div>'
    )


def highlight(row) -> str:
    """The sentence, escaped, with the trigger wrapped in <mark> by its offsets (escape first, then wrap)."""
    sentence = str(row.sentence)
    a, b = plain(row.trigger_start), plain(row.trigger_end)
    lo = hi = None
    if a is not None and b is not None:
        lo, hi = int(a) - int(row.start), int(b) - int(row.start)
        if not (0 <= lo < hi <= len(sentence)):
            lo = hi = None
    trigger = plain(row.trigger) or ""
    if lo is None and trigger:  # offsets missing or stale: fall back to the first match of the word
        found = sentence.lower().find(trigger.lower())
        if found >= 0:
            lo, hi = found, found + len(trigger)
    if lo is None:
        return html.escape(sentence.strip())
    # A blanked dateline leaves spaces before the sentence: trim them, keeping the trigger's place.
    lead, tail = len(sentence) - len(sentence.lstrip()), len(sentence.rstrip())
    lo, hi = max(lo, lead), min(hi, tail)
    return (
        html.escape(sentence[lead:lo])
        + "<mark>"
        + html.escape(sentence[lo:hi])
        + "</mark>"
        + html.escape(sentence[hi:tail])
    )


def source_link(title: str, url: str) -> str:
    """The article's title, linked only when the URL is http(s): never javascript: or data:."""
    text = html.escape(title or url or "source article")
    if urlparse(url.strip()).scheme.lower() in ("http", "https"):
        return f'<a href="{html.escape(url.strip(), quote=True)}" target="_blank" rel="noopener noreferrer">{text}</a>'
    return f"<span>{text}</span>"


def _located_by(row) -> str:
    """Where the place came from, when not the event's own sentence (a dateline, the previous sentence)."""
    source = str(plain(getattr(row, "location_source", "")) or "")
    if source in ("", "sentence", "none"):
        return ""
    return f' <span class="ev-muted">(from the {html.escape(source.replace("_", " "))})</span>'


def _source_note(row) -> str:
    """ " · source · published" of an event row or of one report (a dict) of an incident."""
    get = row.get if isinstance(row, dict) else lambda name: getattr(row, name, None)
    bits = [html.escape(str(v)) for v in (plain(get("source")), plain(get("published"))) if v]
    return f'<span class="ev-muted"> · {" · ".join(bits)}</span>' if bits else ""


def _field(name: str, value_html: str, precision: str | None = None) -> str:
    badge = f' <span class="ev-prec">{html.escape(str(precision))}</span>' if precision else ""
    return f'<div class="ev-field"><b>{name}</b><span>{value_html}{badge}</span></div>'


def when_text(row) -> str:
    d, lo, hi = plain(row.date), plain(row.date_start), plain(row.date_end)
    if d and (row.date_precision == "day" or not (lo and hi)):
        return str(d)
    if lo and hi and lo != hi:
        return f"{lo} – {hi}"
    return str(d or lo or hi or "date unknown")


def _where(row) -> str:
    place = plain(row.place) or "unknown place"
    country = plain(row.country)
    return f"{place} ({country})" if country and country not in place else place


def type_label(event_type: str) -> str:
    return ontology().get(event_type, {}).get("label", event_type)


def plain(value):
    """None for missing values (None, NaN, NaT), the value otherwise."""
    if value is None:
        return None
    if isinstance(value, float) and math.isnan(value):
        return None
    if value is pd.NaT:
        return None
    return value
