"""The store's tables and the migration steps that made them, each step stating its own schema.

A fresh store runs every step in order, an existing one the steps it has not had; the schema's version is the
number of steps applied. A step never reads today's table definitions, so a later step that adds a column works
on a fresh store too; tests/test_store.py checks that the steps, run from nothing, give today's tables.
"""

from datetime import date

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite

from events.models import content_key


def _articles_v1_columns() -> list:
    """The articles table's columns as step 1 made them (frozen: a new column gets a step of its own)."""
    return [
        sa.Column("id", sa.String, primary_key=True),
        sa.Column("title", sa.Text, nullable=False, default=""),
        sa.Column("url", sa.Text, nullable=False, default=""),
        sa.Column("published", sa.String(10)),
        sa.Column("source", sa.Text, nullable=False, default=""),
        sa.Column("language", sa.String(8), nullable=False, default="en"),
        sa.Column("text", sa.Text, nullable=False),
        sa.Column("ingested_at", sa.String(32), nullable=False),
        sa.Column("n_events", sa.Integer, nullable=False, default=0),
    ]


def _places_v1_columns() -> list:
    """The places table's columns as step 1 made them (frozen: a new column gets a step of its own)."""
    return [
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("name", sa.Text, nullable=False),
        sa.Column("lat", sa.Float, nullable=False),
        sa.Column("lon", sa.Float, nullable=False),
        sa.Column("country", sa.String(8), nullable=False, default=""),
        sa.UniqueConstraint("name", "lat", "lon", "country", name="uq_places"),
    ]


def _events_v1_columns() -> list:
    """The events table's columns as step 1 made them (frozen: a new column gets a step of its own)."""
    return [
        sa.Column("id", sa.String, primary_key=True),  # "<article_id>#<seq>"
        sa.Column("article_id", sa.String, sa.ForeignKey("articles.id", ondelete="CASCADE"), nullable=False),
        sa.Column("seq", sa.Integer, nullable=False),
        sa.Column("type", sa.String(32), nullable=False),
        sa.Column("place_id", sa.Integer, sa.ForeignKey("places.id")),
        sa.Column("place", sa.Text, nullable=False, default=""),
        sa.Column("lat", sa.Float),
        sa.Column("lon", sa.Float),
        sa.Column("country", sa.String(8), nullable=False, default=""),
        sa.Column("geo_precision", sa.String(16), nullable=False),
        sa.Column("location_source", sa.String(32), nullable=False),
        sa.Column("date", sa.String(10)),
        sa.Column("date_start", sa.String(10)),
        sa.Column("date_end", sa.String(10)),
        sa.Column("date_precision", sa.String(16), nullable=False),
        sa.Column("actors", sa.Text, nullable=False, default="[]"),  # JSON list of Actor records
        sa.Column("sentence", sa.Text, nullable=False),
        sa.Column("start", sa.Integer, nullable=False),
        sa.Column("end", sa.Integer, nullable=False),
        sa.Column("trigger", sa.Text, nullable=False, default=""),
        sa.Column("trigger_start", sa.Integer),
        sa.Column("trigger_end", sa.Integer),
        sa.Column("confidence", sa.Float, nullable=False),
        sa.Column("rule", sa.Text, nullable=False, default=""),
        sa.Column("background", sa.Boolean, nullable=False, default=False),
    ]


# Covers every column the date-window filters, counts and grid aggregates read: a month out of ten years scans
# index entries only, and fetches table rows just for the matches (step 3).
WHEN_COLUMNS = ("date_start", "date_end", "type", "background", "country", "confidence", "lat", "lon")
OTHER_INDEXES = {
    "ix_events_type": ("type",),
    "ix_events_country": ("country",),
    "ix_events_article": ("article_id", "seq"),
}


def _seen_items_v2_columns() -> list:
    """Items `events watch` has read (path|mtime|size, or feed URL|entry id), so a restart neither re-reads nor
    misses; `target` is the folder or feed being watched."""
    return [
        sa.Column("key", sa.Text, primary_key=True),
        sa.Column("target", sa.Text, nullable=False, default=""),
        sa.Column("seen_at", sa.String(32), nullable=False),
    ]


def _store_stats_v4_columns() -> list:
    """Numbers the queries rely on, kept up to date by every write. max_span_days: the longest date range of any
    stored event, so a date window becomes a two-sided range on date_start (an index range, not half a scan)."""
    return [
        sa.Column("key", sa.String(32), primary_key=True),
        sa.Column("value", sa.Integer, nullable=False),
    ]


def _articles_v5_columns() -> list:
    """What tells a copy and an edit apart from a new article (step 5): content_key, the hash of the text's words
    (models.content_key), the same through every door; origin, the file the article alone came from."""
    return [
        sa.Column("content_key", sa.String(40), nullable=False, server_default=""),
        sa.Column("origin", sa.Text, nullable=False, server_default=""),
    ]


ARTICLE_INDEXES = {  # how add() finds the stored copy or the earlier version of an article
    "ix_articles_content": ("content_key",),
    "ix_articles_url": ("url",),
    "ix_articles_origin": ("origin",),
}


# -- today's tables: what the queries read and write -------------------------------------------------------------

meta = sa.MetaData()
schema_version = sa.Table("schema_version", meta, sa.Column("version", sa.Integer, primary_key=True))
articles = sa.Table(
    "articles",
    meta,
    *_articles_v1_columns(),
    *_articles_v5_columns(),
    *(sa.Index(name, *columns) for name, columns in ARTICLE_INDEXES.items()),
)
places = sa.Table("places", meta, *_places_v1_columns())
events = sa.Table(
    "events",
    meta,
    *_events_v1_columns(),
    sa.Index("ix_events_when", *WHEN_COLUMNS),
    *(sa.Index(name, *columns) for name, columns in OTHER_INDEXES.items()),
)
seen_items = sa.Table("seen_items", meta, *_seen_items_v2_columns())
store_stats = sa.Table("store_stats", meta, *_store_stats_v4_columns())
EVENT_COLUMNS = [c.name for c in events.columns]


# -- the steps ------------------------------------------------------------------------------------------------


def _v1(conn):
    md = sa.MetaData()
    sa.Table("articles", md, *_articles_v1_columns())
    sa.Table("places", md, *_places_v1_columns())
    sa.Table(
        "events",
        md,
        *_events_v1_columns(),
        sa.Index("ix_events_date", "date_start", "date_end"),
        *(sa.Index(name, *columns) for name, columns in OTHER_INDEXES.items()),
    )
    md.create_all(conn, checkfirst=True)


def _v2(conn):
    sa.Table("seen_items", sa.MetaData(), *_seen_items_v2_columns()).create(conn, checkfirst=True)


def _v3(conn):
    conn.execute(sa.text("DROP INDEX IF EXISTS ix_events_date"))  # a prefix of ix_events_when
    conn.execute(sa.text(f"CREATE INDEX IF NOT EXISTS ix_events_when ON events ({', '.join(WHEN_COLUMNS)})"))


def _v4(conn):
    sa.Table("store_stats", sa.MetaData(), *_store_stats_v4_columns()).create(conn, checkfirst=True)
    refresh_max_span(conn)


def _v5(conn):
    for column in _articles_v5_columns():
        ddl = sa.schema.CreateColumn(column).compile(dialect=conn.dialect)
        conn.execute(sa.text(f"ALTER TABLE articles ADD COLUMN {ddl}"))
    last = ""
    while True:  # the stored articles' keys, a thousand texts at a time
        rows = conn.execute(
            sa.text("SELECT id, text FROM articles WHERE id > :last ORDER BY id LIMIT 1000"), {"last": last}
        ).all()
        if not rows:
            break
        conn.execute(
            sa.text("UPDATE articles SET content_key = :key WHERE id = :id"),
            [{"key": content_key(text), "id": id} for id, text in rows],
        )
        last = rows[-1][0]
    for name, columns in ARTICLE_INDEXES.items():
        conn.execute(sa.text(f"CREATE INDEX IF NOT EXISTS {name} ON articles ({', '.join(columns)})"))


# Registered migration steps, in order; the schema's version is the number of steps applied.
MIGRATIONS = [_v1, _v2, _v3, _v4, _v5]


# -- the numbers kept with the tables -------------------------------------------------------------------------


def span_days(start: str | None, end: str | None) -> int:
    if not start or not end:
        return 0
    try:
        return max(0, (date.fromisoformat(end) - date.fromisoformat(start)).days)
    except ValueError:
        return 366 * 100  # unreadable dates: assume the worst, so no window ever misses the event


def raise_max_span(conn, span: int) -> None:
    """Raise the stored max span to `span` (never lower it: concurrent writers each keep the larger)."""
    stmt = insert(conn, store_stats).values(key="max_span_days", value=span)
    conn.execute(
        stmt.on_conflict_do_update(
            index_elements=[store_stats.c.key],
            set_={
                "value": sa.case(
                    (stmt.excluded.value > store_stats.c.value, stmt.excluded.value),
                    else_=store_stats.c.value,
                )
            },
        )
    )


def refresh_max_span(conn) -> None:
    ranged = sa.select(events.c.date_start, events.c.date_end).where(events.c.date_end > events.c.date_start)
    span = max((span_days(a, b) for a, b in conn.execute(ranged)), default=0)
    conn.execute(store_stats.delete().where(store_stats.c.key == "max_span_days"))
    conn.execute(store_stats.insert().values(key="max_span_days", value=span))


def insert(conn, table: sa.Table):
    return (postgresql if conn.dialect.name == "postgresql" else sqlite).insert(table)
