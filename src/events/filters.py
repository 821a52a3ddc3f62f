"""What the map, the table and `events export` filter on, and the SQL conditions that say it."""

from dataclasses import dataclass
from datetime import date, timedelta

import sqlalchemy as sa

from events.errors import InputError
from events.schema import articles, events, store_stats


@dataclass(frozen=True)
class Filters:
    """What the dashboard and `events export` filter on; every field optional."""

    start: str | None = None  # YYYY-MM-DD; events whose date range overlaps [start, end]
    end: str | None = None
    types: tuple[str, ...] = ()
    countries: tuple[str, ...] = ()
    actor: str = ""
    text: str = ""  # free text over sentence and title
    min_confidence: float = 0.0
    sources: tuple[str, ...] = ()
    include_background: bool = False


def conditions(f: Filters, conn) -> list:
    """The WHERE conditions of a filter (conn: to read the store's max span)."""
    conds = []
    if not f.include_background:
        conds.append(events.c.background.is_(False))
    if f.start:
        conds.append(sa.func.coalesce(events.c.date_end, events.c.date_start) >= f.start)
        # Implied by the overlap, and gives the index a lower bound: no stored range is longer than max span.
        span = conn.execute(
            sa.select(store_stats.c.value).where(store_stats.c.key == "max_span_days")
        ).scalar()
        conds.append(events.c.date_start >= _days_before(f.start, 0 if span is None else span))
    if f.end:
        conds.append(events.c.date_start <= f.end)
    if f.types:
        conds.append(events.c.type.in_(f.types))
    if f.countries:
        conds.append(events.c.country.in_(f.countries))
    if f.sources:
        conds.append(articles.c.source.in_(f.sources))
    if f.min_confidence:
        conds.append(events.c.confidence >= f.min_confidence)
    if f.actor:
        conds.append(events.c.actors.ilike(f"%{_escape_like(f.actor)}%", escape="\\"))
    if f.text:
        pattern = f"%{_escape_like(f.text)}%"
        conds.append(
            sa.or_(
                events.c.sentence.ilike(pattern, escape="\\"), articles.c.title.ilike(pattern, escape="\\")
            )
        )
    return conds


def _days_before(day: str, days: int) -> str:
    try:
        return (date.fromisoformat(day) - timedelta(days=days)).isoformat()
    except (ValueError, OverflowError) as exc:
        raise InputError(f"date filter {day!r}: not a YYYY-MM-DD date") from exc


def _escape_like(value: str) -> str:
    return value.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
