"""Time build_map + render for 100 to 10,000 events, made by jittering the events of a store.

python scripts/bench_map.py STORE      (e.g. a store holding the ingested data/samples)
"""

import sys
import time

import numpy as np

from events import mapview
from events.store import Store


def main(db: str) -> None:
    base = Store(db).query()
    rng = np.random.default_rng(0)
    for n in (100, 1000, 3000, 10000):
        frame = base.sample(n=n, replace=True, random_state=1).reset_index(drop=True)
        frame["id"] = [f"x#{i}" for i in range(n)]
        frame["lat"] = (frame["lat"] + rng.uniform(-1, 1, n)).clip(-89, 89)
        frame["lon"] = (frame["lon"] + rng.uniform(-1, 1, n)).clip(-179, 179)
        start = time.perf_counter()
        page = mapview.build_map(frame).get_root().render()
        took = time.perf_counter() - start
        print(f"{n:>6} events: {took:.2f} s, {len(page) / 1e6:.1f} MB page; {mapview.plan_map(frame).line()}")


if __name__ == "__main__":
    main(sys.argv[1])
