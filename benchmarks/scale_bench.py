"""How the store, the dashboard's queries and the map scale: synthetic stores of 10k, 100k, 1M events.

    python benchmarks/scale_bench.py                      # 10k and 100k events, temp SQLite files
    python benchmarks/scale_bench.py --sizes 1000000      # 1M events (about 4 minutes on 2 cores)
    python benchmarks/scale_bench.py --db-url postgresql+psycopg://user@host/db   # PostgreSQL (emptied first!)

Events cluster around real border crossing points (Gaussian spread over a finite set of gazetteer-like
places, as geocoded events snap to places) plus 10 % world-wide noise, spread over ten years (2016-2025).
Bulk loading uses executemany on the store's own tables (a benchmark-only fast path); the real ingest
rate is measured separately by timing Store.add on a sample of articles.
"""

import argparse
import json
import random
import statistics
import sys
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

import sqlalchemy as sa

from events import schema
from events import store as store_module
from events.models import Actor, Article, Event, ontology
from events.store import Filters, Store

# (name, country, lat, lon, weight, spread in degrees): crossings and flashpoints where news clusters.
BORDER_POINTS = [
    ("Panmunjom", "KR", 37.956, 126.677, 8, 0.05),
    ("Paju", "KR", 37.76, 126.78, 5, 0.1),
    ("Cheorwon", "KR", 38.15, 127.31, 3, 0.1),
    ("Goseong", "KR", 38.38, 128.47, 3, 0.1),
    ("Yeonpyeong Island", "KR", 37.66, 125.70, 3, 0.05),
    ("Baengnyeong Island", "KR", 37.96, 124.67, 2, 0.05),
    ("Kaesong", "KP", 37.97, 126.55, 2, 0.1),
    ("Seoul", "KR", 37.566, 126.978, 6, 0.1),
    ("Eagle Pass", "US", 28.709, -100.499, 8, 0.1),
    ("El Paso", "US", 31.759, -106.487, 7, 0.15),
    ("San Diego", "US", 32.54, -117.03, 6, 0.15),
    ("Nogales", "US", 31.34, -110.94, 4, 0.1),
    ("Del Rio", "US", 29.36, -100.90, 3, 0.1),
    ("Brownsville", "US", 25.90, -97.50, 4, 0.1),
    ("Ciudad Juárez", "MX", 31.69, -106.42, 4, 0.1),
    ("Tijuana", "MX", 32.52, -117.04, 4, 0.1),
    ("Dover", "GB", 51.127, 1.316, 6, 0.1),
    ("Calais", "FR", 50.95, 1.85, 6, 0.1),
    ("Dunkirk", "FR", 51.03, 2.37, 3, 0.1),
    ("Kuźnica", "PL", 53.50, 23.64, 4, 0.15),
    ("Białowieża", "PL", 52.70, 23.85, 3, 0.15),
    ("Kastanies", "GR", 41.65, 26.47, 3, 0.2),
    ("Ceuta", "ES", 35.889, -5.32, 4, 0.05),
    ("Melilla", "ES", 35.29, -2.94, 4, 0.05),
    ("Wagah", "IN", 31.605, 74.573, 3, 0.05),
    ("Poonch", "IN", 33.77, 74.09, 3, 0.2),
    ("Lampedusa", "IT", 35.50, 12.60, 4, 0.1),
    ("Darién", "PA", 8.0, -77.5, 3, 0.4),
    ("Rafah", "EG", 31.29, 34.25, 3, 0.05),
    ("Lesbos", "GR", 39.10, 26.55, 3, 0.2),
    ("Narva", "EE", 59.38, 28.19, 2, 0.05),
    ("Torkham", "AF", 34.10, 71.10, 2, 0.1),
    ("Cúcuta", "CO", 7.89, -72.50, 3, 0.1),
    ("Beitbridge", "ZA", -22.22, 30.0, 2, 0.1),
]
TYPE_WEIGHTS = {
    "border_crossing": 30,
    "arrival": 15,
    "detention": 12,
    "repatriation": 8,
    "gunfire": 8,
    "defection": 6,
    "talks": 6,
    "propaganda": 5,
    "explosion": 4,
    "missile_launch": 3,
    "other": 3,
}
SENTENCES = [
    "{n} people crossed the border near {place} early on {day}, officials said.",
    "Border guards detained {n} migrants after they crossed into {place}.",
    "Soldiers fired {n} warning shots near {place} as troops approached the line.",
    "{n} defectors arrived in {place} after crossing the demarcation line.",
]
START, DAYS = date(2016, 1, 1), 3653  # ten years
EVENTS_PER_ARTICLE = 3


def make_places(rng: random.Random, per_point: int = 120, noise: int = 2000) -> list[dict]:
    """A gazetteer-like pool: places scattered around each border point, and towns anywhere on earth."""
    pool = []
    for name, country, lat, lon, weight, spread in BORDER_POINTS:
        for i in range(per_point):
            pool.append(
                {
                    "name": name if i == 0 else f"{name} area {i}",
                    "country": country,
                    "weight": weight,
                    "group": name,
                    "lat": round(max(-89.0, min(89.0, rng.gauss(lat, spread * (1 + i / 40)))), 5),
                    "lon": round(((rng.gauss(lon, spread * (1 + i / 40)) + 180) % 360) - 180, 5),
                }
            )
    for i in range(noise):
        pool.append(
            {
                "name": f"Town {i}",
                "country": "",
                "weight": 0.35,
                "group": f"Town {i}",
                "lat": round(rng.uniform(-45, 65), 5),
                "lon": round(rng.uniform(-170, 175), 5),
            }
        )
    return pool


def synthetic(n_events: int, seed: int = 7):
    """Yield (article row, [event rows]) as plain dicts shaped like the store's tables."""
    rng = random.Random(seed)
    pool = make_places(rng)
    weights = [p["weight"] for p in pool]
    groups: dict[str, list[int]] = {}
    for i, place in enumerate(pool):
        groups.setdefault(place["group"], []).append(i)
    types, type_weights = list(TYPE_WEIGHTS), list(TYPE_WEIGHTS.values())
    assert set(types) <= set(ontology())
    for a in range((n_events + EVENTS_PER_ARTICLE - 1) // EVENTS_PER_ARTICLE):
        day = START + timedelta(days=rng.randrange(DAYS))
        aid = f"syn{a:08d}"
        # An article's events happen around one border point (crossed -> detained -> taken to ...).
        first = rng.choices(range(len(pool)), weights)[0]
        picks = [first] + rng.choices(groups[pool[first]["group"]], k=EVENTS_PER_ARTICLE - 1)
        rows = []
        for seq, pi in enumerate(picks):
            place = pool[pi]
            sentence = rng.choice(SENTENCES).format(n=rng.randint(1, 400), place=place["name"], day=day)
            monthly = rng.random() < 0.15  # some events are only dated to the month
            d0 = day.replace(day=1) if monthly else day - timedelta(days=rng.choice([0, 0, 0, 1, 2]))
            d1 = (d0 + timedelta(days=31)).replace(day=1) - timedelta(days=1) if monthly else d0
            rows.append(
                {
                    "id": f"{aid}#{seq}",
                    "article_id": aid,
                    "seq": seq,
                    "type": rng.choices(types, type_weights)[0],
                    "place_id": pi + 1,
                    "place": place["name"],
                    "lat": place["lat"],
                    "lon": place["lon"],
                    "country": place["country"],
                    "geo_precision": "exact",
                    "location_source": "sentence",
                    "date": None if monthly else d0.isoformat(),
                    "date_start": d0.isoformat(),
                    "date_end": d1.isoformat(),
                    "date_precision": "month" if monthly else "day",
                    "actors": json.dumps(
                        [
                            {
                                "text": "migrants",
                                "count": rng.randint(1, 400),
                                "affiliation": "",
                                "role": "migrant",
                            }
                        ]
                    ),
                    "sentence": sentence,
                    "start": 0,
                    "end": len(sentence),
                    "trigger": "crossed",
                    "trigger_start": None,
                    "trigger_end": None,
                    "confidence": round(rng.uniform(0.3, 1.0), 2),
                    "rule": "synthetic",
                    "background": rng.random() < 0.05,
                }
            )
        text = " ".join(r["sentence"] for r in rows) + " " + "Officials gave no further details. " * 12
        article = {
            "id": aid,
            "title": f"Border report {a}",
            "url": f"https://news.example/{a}",
            "published": day.isoformat(),
            "source": rng.choice(["wire", "herald", "times", "post"]),
            "language": "en",
            "text": text,
            "ingested_at": "2026-01-01T00:00:00+00:00",
            "n_events": len(rows),
        }
        yield article, rows


def bulk_load(store: Store, n_events: int, chunk: int = 20000) -> None:
    """Benchmark-only fast path: executemany on the store's own tables, in large transactions."""
    rng = random.Random(7)
    pool = make_places(rng)
    places = schema.places
    with store.writer.begin() as conn:
        conn.execute(places.insert(), [{k: p[k] for k in ("name", "lat", "lon", "country")} for p in pool])
        # The database numbers the places (explicit ids would leave PostgreSQL's sequence behind).
        ids = {
            tuple(r[1:]): r[0]
            for r in conn.execute(
                sa.select(places.c.id, places.c.name, places.c.lat, places.c.lon, places.c.country)
            )
        }
    place_ids = [ids[(p["name"], p["lat"], p["lon"], p["country"])] for p in pool]
    arts, evs = [], []

    def flush():
        with store.writer.begin() as conn:
            conn.execute(schema.articles.insert(), arts)
            conn.execute(schema.events.insert(), evs)
        arts.clear()
        evs.clear()

    for article, rows in synthetic(n_events):
        arts.append(article)
        for row in rows:
            row["place_id"] = place_ids[row["place_id"] - 1]
        evs.extend(rows)
        if len(evs) >= chunk:
            flush()
    if arts:
        flush()
    store.analyze()


def sample_adds(store: Store, n: int = 300) -> float:
    """Articles per second through the real Store.add (one transaction each) into the loaded store."""
    made = []
    for article, rows in synthetic(n * EVENTS_PER_ARTICLE, seed=99):
        art = Article(
            id="add-" + article["id"],
            text=article["text"],
            title=article["title"],
            source=article["source"],
            published=date.fromisoformat(article["published"]),
        )
        found = [
            Event(
                article_id=art.id,
                seq=r["seq"],
                type=r["type"],
                sentence=r["sentence"],
                start=0,
                end=r["end"],
                actors=(Actor("migrants", 3, "", "migrant"),),
                place=r["place"],
                lat=r["lat"],
                lon=r["lon"],
                country=r["country"],
                geo_precision="exact",
                date_start=r["date_start"],
                date_end=r["date_end"],
                confidence=r["confidence"],
            )
            for r in rows
        ]
        made.append((art, found))
    t0 = time.perf_counter()
    for art, found in made:
        store.add(art, found)
    return len(made) / (time.perf_counter() - t0)


def timed(fn, repeat: int = 3):
    """Median wall time in ms of `repeat` calls, and the last result."""
    times, result = [], None
    for _ in range(repeat):
        t0 = time.perf_counter()
        result = fn()
        times.append((time.perf_counter() - t0) * 1000)
    return statistics.median(times), result


def disk_size(url: str) -> int | None:
    if not url.startswith("sqlite:///"):
        return None
    path = Path(url.removeprefix("sqlite:///"))
    return sum(p.stat().st_size for p in path.parent.glob(path.name + "*"))


def build_map_html(frame, **options):
    """Build the dashboard's map and render its HTML; None when mapview is not available."""
    try:
        from events.mapview import build_map
    except ImportError:
        return None
    return build_map(frame, **options).get_root().render()


def measure(url: str, n_events: int, max_map_rows: int) -> dict:
    out = {"events": n_events}
    store = Store(url)
    t0 = time.perf_counter()
    bulk_load(store, n_events)
    out["bulk load s"] = time.perf_counter() - t0
    out["Store.add art/s"] = sample_adds(store)
    if disk_size(url) is not None:  # SQLite only
        out["disk MB"] = disk_size(url) / 1e6
    month = Filters(start="2021-06-01", end="2021-06-30", types=("border_crossing", "gunfire"))
    year = Filters(start="2021-01-01", end="2021-12-31")
    every = Filters()
    out["query month+2 types ms"], frame_month = timed(lambda: store.query(month))
    out["rows month"] = len(frame_month)
    out["query year ms"], frame_year = timed(lambda: store.query(year), repeat=1 if n_events > 200_000 else 3)
    out["rows year"] = len(frame_year)
    if hasattr(store, "aggregate"):
        out["aggregate year ms"], _ = timed(lambda: store.aggregate(year, 0.5))
        out["aggregate all ms"], cells_all = timed(lambda: store.aggregate(every, 0.5))
        out["cells all"] = len(cells_all)
    for label, frame in (("month", frame_month), ("year", frame_year)):
        if len(frame) > max_map_rows:
            continue
        for suffix, options in (("", {}), (" no routes", {"routes": False})):
            t0 = time.perf_counter()
            html = build_map_html(frame, **options)
            if html is not None:
                out[f"map {label}{suffix} ms"] = (time.perf_counter() - t0) * 1000
                out[f"html {label}{suffix} MB"] = len(html.encode("utf-8")) / 1e6
    store.close()
    return out


def print_table(results: list[dict]) -> None:
    keys = list(dict.fromkeys(k for r in results for k in r))
    width = max(len(k) for k in keys)
    print("\n" + "metric".ljust(width) + "".join(f"{r['events']:>14,}" for r in results))
    for key in keys[1:]:
        cells = []
        for r in results:
            v = r.get(key)
            cells.append(
                "-".rjust(14) if v is None else (f"{v:>14,.1f}" if isinstance(v, float) else f"{v:>14,}")
            )
        print(key.ljust(width) + "".join(cells))


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="10000,100000", help="comma-separated event counts")
    parser.add_argument(
        "--db-url", help="a PostgreSQL URL to use instead of temp SQLite files (it is emptied)"
    )
    parser.add_argument("--max-map-rows", type=int, default=200_000, help="skip the map above this many rows")
    args = parser.parse_args(argv)
    results = []
    for n in (int(s) for s in args.sizes.split(",")):
        t0 = time.perf_counter()
        with tempfile.TemporaryDirectory() as tmp:
            url = args.db_url or f"sqlite:///{tmp}/scale-{n}.sqlite"
            if args.db_url:
                _empty(url)
            results.append(measure(url, n, args.max_map_rows))
        print(f"{n:,} events measured in {time.perf_counter() - t0:.0f} s", file=sys.stderr)
    print_table(results)


def _empty(url: str) -> None:
    engine = sa.create_engine(store_module._driver_url(url))
    schema.meta.drop_all(engine)
    schema.schema_version.drop(engine, checkfirst=True)
    engine.dispose()


if __name__ == "__main__":
    main()
