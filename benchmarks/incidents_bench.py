"""Time incident grouping on synthetic events: python benchmarks/incidents_bench.py [--events 10000]."""

import argparse
import random
import time
from datetime import date, timedelta

import pandas as pd

from events.incidents import group_incidents

# Hot spots along the borders the project maps: reports cluster here, which is the hard case for grouping.
SPOTS = [
    (37.956, 126.677),
    (38.30, 127.20),
    (28.709, -100.499),
    (29.362, -100.896),
    (27.506, -99.507),
    (53.15, 23.90),
    (50.95, 1.85),
    (35.89, -5.32),
    (41.15, 26.30),
    (33.77, 74.09),
]
TYPES = ["defection", "border_crossing", "arrival", "gunfire", "detention", "propaganda"]
PRECISIONS = ["exact"] * 6 + ["near"] * 2 + ["region", "country"]


def synthetic(n: int, seed: int = 7, days: int = 730) -> pd.DataFrame:
    """n events as Store.query returns them: ~3 reports per happening, over `days` days and 10 hot spots."""
    rng = random.Random(seed)
    rows, start = [], date(2025, 1, 1)
    while len(rows) < n:
        lat, lon = rng.choice(SPOTS)
        lat, lon = lat + rng.uniform(-0.4, 0.4), lon + rng.uniform(-0.4, 0.4)
        day = start + timedelta(days=rng.randrange(days))
        kind = rng.choice(TYPES)
        affiliation = rng.choice(["", "KP", "KR", "MX", "US", "PL", "BY"])
        for _ in range(rng.choice([1, 1, 2, 3, 4, 6])):
            article = f"a{len(rows)}"
            precision = rng.choice(PRECISIONS)
            shift = rng.choice([0, 0, 0, 1, 2])
            rows.append(
                {
                    "id": f"{article}#0",
                    "article_id": article,
                    "seq": 0,
                    "type": kind,
                    "place": "somewhere",
                    "lat": lat + rng.uniform(-0.05, 0.05),
                    "lon": lon + rng.uniform(-0.05, 0.05),
                    "country": "",
                    "geo_precision": precision,
                    "location_source": "sentence",
                    "date": (day + timedelta(days=shift)).isoformat(),
                    "date_start": (day + timedelta(days=shift)).isoformat(),
                    "date_end": (day + timedelta(days=shift)).isoformat(),
                    "date_precision": "day",
                    "actors": [{"text": "x", "count": None, "affiliation": affiliation, "role": ""}],
                    "sentence": "s",
                    "start": 0,
                    "end": 1,
                    "confidence": rng.random(),
                    "title": "t",
                    "url": "",
                    "source": f"outlet{rng.randrange(20)}",
                    "published": (day + timedelta(days=shift + 1)).isoformat(),
                }
            )
    return pd.DataFrame(rows[:n])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--events", type=int, default=10_000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    frame = synthetic(args.events)
    times = []
    for _ in range(args.repeat):
        began = time.perf_counter()
        incidents = group_incidents(frame)
        times.append(time.perf_counter() - began)
    print(
        f"{len(frame)} events -> {len(incidents)} incidents "
        f"({(incidents['n_sources'] > 1).sum()} with several sources, max {incidents['n_events'].max()} events); "
        f"group_incidents best of {args.repeat}: {min(times):.2f} s"
    )


if __name__ == "__main__":
    main()
