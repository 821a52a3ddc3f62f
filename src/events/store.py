"""The store: opening and migrating it, idempotent writes, and filtered queries.

An article is stored once: a copy of a stored text (models.content_key) through any door is not stored again,
and a new text under a stored article's id, URL or file replaces it with its events.

The tables and their migration steps are in schema.py, the filters' conditions in filters.py; all SQL lives in
these three files.

One code path for SQLite (default) and PostgreSQL, through SQLAlchemy Core.
"""

import hashlib
import json
import sqlite3
import time
from collections.abc import Iterable
from dataclasses import asdict, dataclass
from datetime import UTC, datetime

import pandas as pd
import sqlalchemy as sa
from sqlalchemy.ext.compiler import compiles

from events import config
from events.config import db_url
from events.errors import StoreError, StoreFullError
from events.filters import Filters, conditions
from events.models import Article, Event, content_key
from events.schema import (
    EVENT_COLUMNS,
    MIGRATIONS,
    articles,
    events,
    insert,
    places,
    raise_max_span,
    refresh_max_span,
    schema_version,
    seen_items,
    span_days,
)


@dataclass(frozen=True)
class Added:
    """What `Store.add` did: "stored", "updated" (replaced the article `matched`), or "already stored" (as
    `matched`, its id)."""

    status: str
    matched: str = ""

    def __bool__(self) -> bool:  # something new went in
        return self.status != "already stored"


class Store:
    """Open (and migrate) a store; `add` writes one article and its events in one transaction."""

    def __init__(self, url: str | None = None):
        self.url = _driver_url(db_url(url))
        try:
            self.engine = sa.create_engine(self.url, future=True, **_engine_options(self.url))
            if self.engine.dialect.name == "sqlite":
                sa.event.listen(self.engine, "connect", _sqlite_pragmas)
                sa.event.listen(self.engine, "begin", _sqlite_begin)
            # Write transactions take the write lock up front (SQLite) so check-then-insert is atomic.
            self.writer = self.engine.execution_options(sqlite_immediate=True)
            self.migrate()
        except sa.exc.SQLAlchemyError as exc:
            reason = " ".join(str(getattr(exc, "orig", None) or exc).split())  # the driver's words, one line
            raise StoreError(
                f"cannot open store {_safe(self.url)}: {exc.__class__.__name__}: {reason}"
            ) from exc

    def close(self) -> None:
        """Close the pooled connections."""
        self.engine.dispose()

    def migrate(self) -> int:
        """Apply the migration steps not yet applied; returns the schema version."""
        with self.writer.begin() as conn:
            if conn.dialect.name == "postgresql":  # several processes may open a fresh database at once
                conn.execute(sa.text("SELECT pg_advisory_xact_lock(4242)"))
            schema_version.create(conn, checkfirst=True)
            current = conn.execute(sa.select(sa.func.max(schema_version.c.version))).scalar() or 0
            for version, step in enumerate(MIGRATIONS[current:], start=current + 1):
                step(conn)
                conn.execute(schema_version.insert().values(version=version))
        return len(MIGRATIONS)

    def unseen(self, keys: Iterable[str]) -> list[str]:
        """The keys (of watched items) not yet marked seen, in the order given."""
        keys = list(dict.fromkeys(keys))
        seen: set[str] = set()
        with self.engine.connect() as conn:
            for i in range(0, len(keys), 500):
                chunk = keys[i : i + 500]
                seen.update(
                    conn.execute(sa.select(seen_items.c.key).where(seen_items.c.key.in_(chunk))).scalars()
                )
        return [k for k in keys if k not in seen]

    def mark_seen(self, keys: Iterable[str], target: str = "") -> None:
        """Remember watched items as read, in one transaction (marking twice is harmless)."""
        now = datetime.now(UTC).isoformat(timespec="seconds")
        rows = [{"key": k, "target": target, "seen_at": now} for k in dict.fromkeys(keys)]
        if not rows:
            return
        try:
            with self.writer.begin() as conn:
                conn.execute(insert(conn, seen_items).on_conflict_do_nothing(), rows)
        except sa.exc.SQLAlchemyError as exc:
            raise StoreError(f"cannot record watched items: {exc}") from exc

    def stored_as(self, article: Article) -> str | None:
        """The id of the stored article with the same text (through any door), if there is one. The copy's
        URL and file are kept on that article when it has none, so that a later edit of them replaces it.
        A read; the write lock is taken only when a copy is found and has a URL or file to leave."""
        key = content_key(article.text)
        try:
            with self.engine.connect() as conn:
                same = _same_text(conn, key)
            if same is None or not (article.url or article.origin):
                return same
            with self.writer.begin() as conn:
                return _copy_of(conn, key, article)
        except sa.exc.SQLAlchemyError as exc:
            raise _store_error(exc, _safe(self.url), article.id) from exc

    def add(self, article: Article, found: Iterable[Event]) -> Added:
        """Store an article with its events, all or nothing.

        A copy of a stored text (same words, any id) is not stored again; a new text under a stored article's
        id, URL or file replaces that article and its events in the same transaction.
        """
        found = list(found)
        key = content_key(article.text)
        try:
            with self.writer.begin() as conn:
                if same := _copy_of(conn, key, article):
                    return Added("already stored", same)
                earlier = conn.execute(sa.select(articles.c.id).where(_same_article(article))).scalars().all()
                _delete(conn, earlier)
                # ON CONFLICT: a concurrent writer of the same article waits, then inserts nothing.
                inserted = conn.execute(
                    insert(conn, articles)
                    .values(
                        id=article.id,
                        title=article.title,
                        url=article.url,
                        published=article.published.isoformat() if article.published else None,
                        source=article.source,
                        language=article.language,
                        text=article.text,
                        ingested_at=datetime.now(UTC).isoformat(timespec="seconds"),
                        n_events=len(found),
                        content_key=key,
                        origin=article.origin,
                    )
                    .on_conflict_do_nothing(index_elements=["id"])
                    .returning(articles.c.id)
                ).first()
                if inserted is None:
                    return Added("already stored", article.id)
                rows = [_event_row(conn, event) for event in found]
                if rows:
                    conn.execute(events.insert(), rows)
                    raise_max_span(conn, max(span_days(r["date_start"], r["date_end"]) for r in rows))
            return Added("updated", earlier[0]) if earlier else Added("stored")
        except sa.exc.SQLAlchemyError as exc:
            raise _store_error(exc, _safe(self.url), article.id) from exc

    def counts(self) -> dict[str, int]:
        with self.engine.connect() as conn:
            return {
                t.name: conn.execute(sa.select(sa.func.count()).select_from(t)).scalar()
                for t in (articles, events, places)
            }

    def query(self, filters: Filters = Filters(), limit: int | None = None) -> pd.DataFrame:
        """Events matching the filters, with their article's title, url and source, in date order."""
        stmt = (
            sa.select(
                *[events.c[c] for c in EVENT_COLUMNS],
                articles.c.title,
                articles.c.url,
                articles.c.source,
                articles.c.published,
            )
            .join(articles, events.c.article_id == articles.c.id)
            .order_by(events.c.date_start.nulls_last(), events.c.article_id, events.c.seq)
            .limit(limit)
        )
        with self.engine.connect() as conn:
            stmt = stmt.where(*conditions(filters, conn))
            frame = pd.DataFrame(
                conn.execute(stmt).mappings().all(),
                columns=EVENT_COLUMNS + ["title", "url", "source", "published"],
            )
        frame["actors"] = frame["actors"].map(json.loads)
        return frame

    def count(self, filters: Filters = Filters()) -> int:
        """How many events match, without loading them (to choose single markers or grid cells)."""
        stmt = sa.select(sa.func.count()).select_from(events)
        if filters.sources or filters.text:
            stmt = stmt.join_from(events, articles, events.c.article_id == articles.c.id)
        with self.engine.connect() as conn:
            return conn.execute(stmt.where(*conditions(filters, conn))).scalar()

    def aggregate(self, filters: Filters = Filters(), cell_deg: float = 1.0) -> pd.DataFrame:
        """Counts of mapped events per grid cell of `cell_deg` degrees and type, with the members' mean position.

        Columns: lat, lon (mean of the cell's events of that type), type, count, date_start, date_end.
        """
        if not 0 < cell_deg <= 180:
            raise ValueError(f"cell_deg must be in (0, 180], got {cell_deg!r}")
        row = _floor((events.c.lat + 90) / cell_deg).label("row")
        col = _floor((events.c.lon + 180) / cell_deg).label("col")
        stmt = (
            sa.select(
                sa.func.avg(events.c.lat).label("lat"),
                sa.func.avg(events.c.lon).label("lon"),
                events.c.type,
                sa.func.count().label("count"),
                sa.func.min(events.c.date_start).label("date_start"),
                sa.func.max(events.c.date_end).label("date_end"),
            )
            .where(events.c.lat.is_not(None))
            .group_by(row, col, events.c.type)
            .order_by(sa.desc("count"))
        )
        if filters.sources or filters.text:  # only these filters need the article
            stmt = stmt.join_from(events, articles, events.c.article_id == articles.c.id)
        with self.engine.connect() as conn:
            return pd.DataFrame(
                conn.execute(stmt.where(*conditions(filters, conn))).mappings().all(),
                columns=["lat", "lon", "type", "count", "date_start", "date_end"],
            )

    def analyze(self) -> None:
        """Refresh statistics after a bulk load that bypassed `add` (and fold SQLite's write-ahead log back in)."""
        with self.writer.begin() as conn:
            refresh_max_span(conn)
            conn.execute(sa.text("ANALYZE"))
        if self.engine.dialect.name == "sqlite":
            raw = self.engine.raw_connection()  # outside any transaction, or the log cannot be truncated
            try:
                raw.cursor().execute("PRAGMA wal_checkpoint(TRUNCATE)")
            finally:
                raw.close()

    def date_bounds(self, include_background: bool = True) -> tuple[str | None, str | None]:
        """First start and last end date (an open end counts as its start) of the events."""
        stmt = sa.select(
            sa.func.min(events.c.date_start),
            sa.func.max(sa.func.coalesce(events.c.date_end, events.c.date_start)),
        )
        if not include_background:
            stmt = stmt.where(events.c.background.is_(False))
        with self.engine.connect() as conn:
            return tuple(conn.execute(stmt).first())

    def summary(self, filters: Filters = Filters()) -> dict:
        """Counts and extent of the matching events in one pass, for a page that does not load them all.

        Keys: events, articles, countries, mapped, first, last (date_start), south, north, west, east."""
        stmt = sa.select(
            sa.func.count().label("events"),
            sa.func.count(events.c.article_id.distinct()).label("articles"),
            sa.func.count(sa.func.nullif(events.c.country, "").distinct()).label("countries"),
            sa.func.count(events.c.lat).label("mapped"),
            sa.func.min(events.c.date_start).label("first"),
            sa.func.max(events.c.date_start).label("last"),
            sa.func.min(events.c.lat).label("south"),
            sa.func.max(events.c.lat).label("north"),
            sa.func.min(events.c.lon).label("west"),
            sa.func.max(events.c.lon).label("east"),
        )
        if filters.sources or filters.text:
            stmt = stmt.join_from(events, articles, events.c.article_id == articles.c.id)
        with self.engine.connect() as conn:
            return dict(conn.execute(stmt.where(*conditions(filters, conn))).mappings().first())

    def histogram(self, filters: Filters = Filters()) -> pd.DataFrame:
        """Matching events per start day and type (columns day, type, count), counted in SQL."""
        # Grouped in the covering index's own order (date_end included), so no sort; pandas sums the rest.
        stmt = (
            sa.select(events.c.date_start, events.c.type, sa.func.count())
            .where(events.c.date_start.is_not(None))
            .group_by(events.c.date_start, events.c.date_end, events.c.type)
        )
        if filters.sources or filters.text:
            stmt = stmt.join_from(events, articles, events.c.article_id == articles.c.id)
        with self.engine.connect() as conn:
            rows = [
                tuple(r) for r in conn.execute(stmt.where(*conditions(filters, conn)))
            ]  # plain tuples: fast
        frame = pd.DataFrame(rows, columns=["day", "type", "count"])
        return frame.groupby(["day", "type"], as_index=False)["count"].sum()

    def distinct(self, column: str) -> list[str]:
        """Distinct non-empty values of an events column (type, country) or of articles.source."""
        col = articles.c.source if column == "source" else events.c[column]
        with self.engine.connect() as conn:
            return [v for (v,) in conn.execute(sa.select(col).distinct().order_by(col)) if v]


def _copy_of(conn, key: str, article: Article) -> str | None:
    """In a write transaction: the id of the stored article with this text (the copy's URL and file kept on it
    where it has none), after the writers of the same text, id, URL or file before it have finished."""
    _lock(conn, key, article)
    same = _same_text(conn, key)
    if same:
        _keep_doors(conn, same, article)
    return same


def _same_text(conn, key: str) -> str | None:
    return conn.execute(sa.select(articles.c.id).where(articles.c.content_key == key).limit(1)).scalar()


def _keep_doors(conn, article_id: str, copy: Article) -> None:
    """Give the stored article the copy's URL and file where it has none."""
    for column, value in ((articles.c.url, copy.url), (articles.c.origin, copy.origin)):
        if value:
            conn.execute(
                articles.update()
                .where(articles.c.id == article_id, column == "")
                .values({column.name: value})
            )


def _same_article(article: Article):
    """Stored versions of the article: the same id, URL or file."""
    same = [articles.c.id == article.id]
    if article.url:
        same.append(articles.c.url == article.url)
    if article.origin:
        same.append(articles.c.origin == article.origin)
    return sa.or_(*same)


def _delete(conn, ids: list[str]) -> None:
    """Remove articles with their events, and the places only they used."""
    if not ids:
        return
    used = sa.select(events.c.place_id).where(events.c.article_id.in_(ids), events.c.place_id.is_not(None))
    place_ids = set(conn.execute(used).scalars())
    conn.execute(events.delete().where(events.c.article_id.in_(ids)))
    conn.execute(articles.delete().where(articles.c.id.in_(ids)))
    still = sa.select(events.c.place_id).where(events.c.place_id.in_(place_ids))
    unused = place_ids - set(conn.execute(still).scalars())
    if unused:
        conn.execute(places.delete().where(places.c.id.in_(unused)))


def _lock(conn, key: str, article: Article) -> None:
    """PostgreSQL: writers of the same text, id, URL or file take turns (SQLite's BEGIN IMMEDIATE already
    serialises every writer)."""
    if conn.dialect.name != "postgresql":
        return
    names = {key, article.id, article.url, article.origin} - {""}
    for lock in sorted(int(hashlib.sha1(n.encode()).hexdigest()[:15], 16) for n in names):
        conn.execute(sa.text("SELECT pg_advisory_xact_lock(:lock)"), {"lock": lock})


class _floor(sa.sql.functions.FunctionElement):
    """floor() of a non-negative number, as an integer, on both databases."""

    type = sa.Integer()
    inherit_cache = True


@compiles(_floor)
def _floor_default(element, compiler, **kw):
    return f"CAST(floor({compiler.process(element.clauses, **kw)}) AS INTEGER)"


@compiles(_floor, "sqlite")
def _floor_sqlite(element, compiler, **kw):
    # SQLite may lack floor(); casting truncates toward zero, which is floor for the non-negative argument.
    return f"CAST({compiler.process(element.clauses, **kw)} AS INTEGER)"


def _event_row(conn, event: Event) -> dict:
    row = {c: getattr(event, c) for c in EVENT_COLUMNS if hasattr(event, c) and c != "actors"}
    row["id"] = f"{event.article_id}#{event.seq}"
    row["actors"] = json.dumps([asdict(a) for a in event.actors], ensure_ascii=False)
    row["place_id"] = _place_id(conn, event) if event.lat is not None else None
    return row


def _place_id(conn, event: Event) -> int:
    key = {
        "name": event.place,
        "lat": round(event.lat, 5),
        "lon": round(event.lon, 5),
        "country": event.country,
    }
    found = conn.execute(sa.select(places.c.id).filter_by(**key)).scalar()
    if found is None:
        # Two writers may add the same new place at once: the second inserts nothing and reads the first's.
        conn.execute(
            insert(conn, places)
            .values(**key)
            .on_conflict_do_nothing(index_elements=["name", "lat", "lon", "country"])
        )
        found = conn.execute(sa.select(places.c.id).filter_by(**key)).scalar_one()
    return found


DISK_FULL = ("database or disk is full", "no space left on device", "could not extend file", "disk full")
LOCKED = ("database is locked", "database table is locked")


def _store_error(exc: sa.exc.SQLAlchemyError, store: str, article_id: str) -> StoreError:
    """The driver's error in the project's words: a full disk and a held lock say what to do."""
    reason = " ".join(str(getattr(exc, "orig", None) or exc).split())  # no SQL, no link to the driver's docs
    low = reason.lower()
    kept = f"the articles stored before {article_id!r} are kept"
    if (
        any(words in low for words in DISK_FULL)
        or getattr(getattr(exc, "orig", None), "sqlstate", "") == "53100"
    ):
        return StoreFullError(
            f"store {store}: the disk is full; {kept}: free some space and run the same command again to "
            "store the rest"
        )
    if any(words in low for words in LOCKED):
        return StoreError(
            f"store {store}: another process held it locked for over {config.get('EVENTS_DB_WAIT')} s; {kept}: "
            "stop the other writer (an `events ingest` or `events watch`) or set EVENTS_DB_WAIT higher, then "
            "run the same command again"
        )
    return StoreError(f"cannot store article {article_id!r} in {store}: {reason}")


def _driver_url(url: str) -> str:
    """postgresql://... means the psycopg (3) driver, the one the project installs."""
    for prefix in ("postgresql://", "postgres://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


def _safe(url: str) -> str:
    return sa.engine.make_url(url).render_as_string(hide_password=True)


def _engine_options(url: str) -> dict:
    if url.startswith("sqlite"):  # the driver's timeout is SQLite's busy timeout: how long a write waits
        return {"connect_args": {"timeout": float(config.get("EVENTS_DB_WAIT"))}}
    return {"pool_pre_ping": True}


def _sqlite_begin(conn):
    # pysqlite's own BEGIN handling is off (see _sqlite_pragmas): SQLAlchemy's transactions are the real ones.
    conn.exec_driver_sql(
        "BEGIN IMMEDIATE" if conn.get_execution_options().get("sqlite_immediate") else "BEGIN"
    )


def _sqlite_pragmas(dbapi_conn, _record):
    dbapi_conn.isolation_level = None  # no implicit BEGIN; _sqlite_begin emits it, DDL included
    cur = dbapi_conn.cursor()
    cur.execute("PRAGMA foreign_keys=ON")
    # WAL (readers never block the writer) is stored in the file, so only a new file needs switching; two
    # processes creating one file at once can get SQLITE_BUSY without the busy handler: try again briefly.
    for attempt in range(50):
        try:
            if cur.execute("PRAGMA journal_mode").fetchone()[0].lower() != "wal":
                cur.execute("PRAGMA journal_mode=WAL")
            break
        except sqlite3.OperationalError:
            if attempt == 49:
                raise
            time.sleep(0.1)
    cur.close()
