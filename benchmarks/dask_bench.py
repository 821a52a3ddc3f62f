"""Extraction throughput: in-process, then a Dask LocalCluster with 1 and with 2 worker processes.

    python benchmarks/dask_bench.py                    # 2,000 generated ~500-word articles
    python benchmarks/dask_bench.py --articles 300     # a quick look
    python benchmarks/dask_bench.py --in-process-articles 300   # the in-process reference on a subset

Articles are built from templates around real border sentences (places spelled as in GeoNames) with filler
paragraphs to about 500 words. Every run ingests the same articles into its own temp SQLite store through
pipeline.ingest. Worker start-up and model loading are done before the clock starts (a long-running cluster
pays them once); the clock covers extraction, transfer and storing.
"""

import argparse
import os
import random
import sys
import tempfile
import time
from datetime import date, timedelta

from events import pipeline
from events.models import Article
from events.store import Store

DATELINES = [
    "Seoul, South Korea",
    "PAJU, South Korea",
    "EAGLE PASS, Texas",
    "EL PASO, Texas",
    "DOVER, England",
    "WARSAW",
    "CALAIS, France",
    "CEUTA, Spain",
    "AMRITSAR, India",
    "ATHENS",
]
EVENTS = [
    "Two North Korean soldiers defected across the Military Demarcation Line near Paju on {day}.",
    "South Korean troops fired warning shots after North Korean soldiers crossed the border near Cheorwon.",
    "About {n} migrants crossed the Rio Grande into Eagle Pass on {day}, Border Patrol agents said.",
    "Polish border guards detained {n} migrants near Kuźnica after they crossed from Belarus.",
    "North Korea launched a ballistic missile from Sunan into the East Sea on {day}.",
    "A boat carrying {n} people arrived in Dover after crossing the English Channel from Calais.",
    "Officials from the two Koreas held talks at Panmunjom on {day}.",
    "Spanish police returned {n} swimmers to Morocco after they reached Ceuta.",
    "Indian and Pakistani troops exchanged fire along the Line of Control near Poonch on {day}.",
    "A defector arrived in Seoul after crossing the Demilitarized Zone near Goseong.",
]
FILLER = [
    "Residents said the area had been quiet for weeks before the incident.",
    "Officials declined to give further details, citing the ongoing investigation.",
    "Analysts said the episode reflected long-running tensions along the frontier.",
    "Local officials said they would review security arrangements in the coming days.",
    "The government has faced growing pressure over its handling of the border.",
    "Human rights groups called for an independent inquiry into what happened.",
    "Weather conditions in the region have made patrols more difficult this season.",
    "Several families in nearby villages said they had heard loud noises overnight.",
]
DAYS = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"]


def articles(n: int, words: int = 500, seed: int = 3) -> list[Article]:
    """`n` articles of about `words` words: a dateline, two or three event sentences, filler."""
    rng = random.Random(seed)
    out = []
    for i in range(n):
        events = [
            rng.choice(EVENTS).format(n=rng.randint(2, 300), day=rng.choice(DAYS))
            for _ in range(rng.randint(2, 3))
        ]
        body = [f"{rng.choice(DATELINES)} – {events[0]}"]
        paragraph: list[str] = []
        for sentence in events[1:] + [rng.choice(FILLER) for _ in range(60)]:
            paragraph.append(sentence)
            if len(paragraph) == 4:
                body.append(" ".join(paragraph))
                paragraph = []
            if sum(len(p.split()) for p in body) >= words:
                break
        out.append(
            Article(
                id=f"bench-{i}",
                text="\n".join(body),
                title=f"Border report {i}",
                published=date(2025, 1, 1) + timedelta(days=rng.randrange(300)),
                source="bench",
            )
        )
    return out


def run(batch: list[Article], scheduler=None) -> tuple[float, pipeline.Summary]:
    with tempfile.TemporaryDirectory() as tmp:
        store = Store(f"sqlite:///{tmp}/bench.sqlite")
        t0 = time.perf_counter()
        summary = pipeline.ingest(batch, store, batch=16, scheduler=scheduler)
        return time.perf_counter() - t0, summary


def on_cluster(batch: list[Article], workers: int) -> tuple[float, pipeline.Summary]:
    from distributed import Client, LocalCluster

    from events.distributed import WarmUp

    with (
        LocalCluster(
            n_workers=workers, threads_per_worker=1, processes=True, dashboard_address=None, silence_logs=40
        ) as cluster,
        Client(cluster) as client,
    ):
        client.register_plugin(
            WarmUp(pipeline.process), name=WarmUp.name
        )  # load the model on every worker before timing
        return run(batch, client)


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--articles", type=int, default=2000)
    parser.add_argument(
        "--in-process-articles",
        type=int,
        default=None,
        help="time the in-process reference on the first N articles only (default: all)",
    )
    parser.add_argument("--skip-in-process", action="store_true")
    args = parser.parse_args(argv)
    batch = articles(args.articles)
    words = sum(len(a.text.split()) for a in batch) / len(batch)
    print(f"{len(batch)} articles, {words:.0f} words on average", file=sys.stderr)

    rows = []
    if not args.skip_in_process:
        pipeline.process(batch[0])  # load the model and gazetteer before timing, as the workers do
        rows.append(("in-process", *run(batch[: args.in_process_articles])))
        print(f"in-process: {rows[-1][1]:.1f} s", file=sys.stderr)
    for workers in (1, 2):
        rows.append((f"LocalCluster {workers} worker{'s' * (workers > 1)}", *on_cluster(batch, workers)))
        print(f"{rows[-1][0]}: {rows[-1][1]:.1f} s", file=sys.stderr)

    # Speed-up in articles per second, so a reference run on a subset compares fairly.
    one = next(s.read / seconds for name, seconds, s in rows if name.startswith("LocalCluster 1"))
    print(f"\n{'run':<24}{'articles':>9}{'seconds':>10}{'articles/s':>12}{'events':>9}{'speed-up':>10}")
    for name, seconds, summary in rows:
        print(
            f"{name:<24}{summary.read:>9}{seconds:>10.1f}{summary.read / seconds:>12.2f}{summary.events:>9}"
            f"{summary.read / seconds / one:>9.2f}x"
        )
        assert not summary.errors, summary.errors[:3]
    print(f"load average at the end (2 cores, shared): {' '.join(f'{x:.1f}' for x in os.getloadavg())}")


if __name__ == "__main__":
    main()
