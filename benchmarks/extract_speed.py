"""Throughput of `events extract` on generated ~500-word articles, and the share of time per step.

    python benchmarks/extract_speed.py [--n 1000] [--profile 200]

Generates N invented articles (fixed seed) into benchmarks/out/speed_articles.jsonl, times the real command
`events extract FILE --format jsonl` end to end (process start included), then times each step in-process
on the first --profile articles: parse (spaCy), geoparse, dateline, extract_events; last, the spaCy pipeline
alone on the same texts with two processes (the ceiling of the model on this machine).
"""

import argparse
import json
import random
import subprocess
import time
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

PLACES = [
    "Panmunjom",
    "Paju",
    "Cheorwon",
    "Eagle Pass",
    "El Paso",
    "Del Rio",
    "Calais",
    "Dover",
    "Dunkirk",
    "Kuznica",
    "Hajnowka",
    "Wagah",
    "Poonch",
    "Kupwara",
    "Orestiada",
    "Alexandroupolis",
    "Ceuta",
    "Melilla",
]
EVENTS = [
    "{n} migrants crossed the border near {p} on {d}, officials said.",
    "Border guards detained {n} people near {p} {d}.",
    "Troops fired warning shots near {p} on {d} after a group approached the fence.",
    "A North Korean soldier defected across the frontier near {p} on {d}.",
    "A land mine exploded near {p} on {d}, wounding two soldiers.",
    "The group was later taken to {p} for questioning.",
    "Officials from both sides held talks in {p} on {d}.",
    "{n} people were sent back across the border at {p} {d}.",
    "Officials said more people could try to cross near {p} in the coming weeks.",
    "In 2019, a similar crossing near {p} ended with several arrests.",
]
FILLER = [
    "The ministry did not give further details about the people involved or their nationalities.",
    "Local residents said the area has seen more patrols in recent months, and roads were closed for hours.",
    "Rights groups have criticised the policy, saying it puts vulnerable people at risk in harsh weather.",
    "The government has spent heavily on fences, cameras and new staff along the frontier over the past year.",
    "Analysts said the numbers rise and fall with the seasons and with policy changes on both sides.",
    "A spokesperson declined to comment on the operation, citing security reasons and an ongoing review.",
    "Farmers in nearby villages said they were used to the sound of patrol vehicles at night.",
    "The issue is expected to feature in talks between ministers later this year, according to diplomats.",
]
DAYS = [
    "Monday",
    "Tuesday",
    "Wednesday",
    "Thursday",
    "Friday",
    "Saturday",
    "Sunday",
    "earlier this week",
    "last weekend",
    "yesterday",
]


def article(rng: random.Random, i: int, event_share: float = 0.35) -> dict:
    """One invented article of about 500 words; `event_share` of its sentences report an event."""
    place = rng.choice(PLACES)
    sentences, words = [], 0
    while words < 500:
        pool = EVENTS if rng.random() < event_share else FILLER
        s = rng.choice(pool).format(
            n=rng.choice(["Two", "Twelve", "About 40", "Three"]),
            p=rng.choice([place] + PLACES),
            d=rng.choice(DAYS),
        )
        sentences.append(s)
        words += len(s.split())
    paragraphs = [" ".join(sentences[j : j + 4]) for j in range(0, len(sentences), 4)]
    return {
        "id": f"speed-{i:04d}",
        "published": "2026-06-18",
        "text": f"{place} – " + "\n".join(paragraphs) + " (Invented article for benchmarks.)",
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, default=1000)
    ap.add_argument("--profile", type=int, default=200)
    ap.add_argument(
        "--event-share",
        type=float,
        default=0.35,
        help="share of sentences that report an event (0.35: ~12 events an article, a worst case)",
    )
    args = ap.parse_args()
    rng = random.Random(7)
    rows = [article(rng, i, args.event_share) for i in range(args.n)]
    path = ROOT / "benchmarks/out/speed_articles.jsonl"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    words = sum(len(r["text"].split()) for r in rows) / len(rows)

    started = time.perf_counter()
    out = subprocess.run(
        ["events", "extract", str(path), "--format", "jsonl"], capture_output=True, text=True, check=False
    )
    seconds = time.perf_counter() - started
    n_events = sum(1 for line in out.stdout.splitlines() if line.startswith("{"))
    print(
        f"`events extract` on {len(rows)} articles (~{words:.0f} words): {seconds:.1f} s, "
        f"{len(rows) / seconds:.1f} articles/s, {n_events} events (exit {out.returncode})"
    )

    from events import extract, geo, nlp, pipeline
    from events.models import Article

    steps = {"parse": 0.0, "geoparse": 0.0, "dateline": 0.0, "extract": 0.0}
    nlp.load()
    for r in rows[: args.profile]:
        art = Article(id=r["id"], text=r["text"], published=date.fromisoformat(r["published"]))
        t0 = time.perf_counter()
        parsed = nlp.parse(art.text, focus=pipeline.FOCUS)
        t1 = time.perf_counter()
        tops = geo.geoparse(parsed)
        t2 = time.perf_counter()
        line = geo.place_of(parsed.dateline) if parsed.dateline else None
        t3 = time.perf_counter()
        extract.extract_events(art, parsed, tops, line)
        t4 = time.perf_counter()
        for name, dt in zip(steps, (t1 - t0, t2 - t1, t3 - t2, t4 - t3)):
            steps[name] += dt
    total = sum(steps.values())
    print(
        f"in-process on {args.profile} articles: {args.profile / total:.1f} articles/s; share of time: "
        + ", ".join(f"{k} {v / total:.0%}" for k, v in steps.items())
    )

    arts = [
        Article(id=r["id"], text=r["text"], published=date.fromisoformat(r["published"]))
        for r in rows[: args.profile]
    ]
    started = time.perf_counter()
    for i in range(0, len(arts), 32):
        pipeline.process_many(arts[i : i + 32])
    print(
        f"in-process, batched with nlp.pipe (pipeline.process_many, 32 a batch): "
        f"{len(arts) / (time.perf_counter() - started):.1f} articles/s"
    )
    started = time.perf_counter()
    list(pipeline.process_stream(arts))  # past PARALLEL_FROM articles: two parse processes
    print(
        f"in-process, streamed (pipeline.process_stream, one nlp.pipe): "
        f"{len(arts) / (time.perf_counter() - started):.1f} articles/s"
    )
    # The ceiling: the spaCy pipeline alone on the same whole texts, two processes, nothing of ours around it.
    texts = [r["text"] for r in rows]
    started = time.perf_counter()
    for _ in nlp.load().pipe(texts, batch_size=32, n_process=2):
        pass
    print(
        f"spaCy {nlp.MODEL} alone on all {len(texts)} whole texts (nlp.pipe, 2 processes): "
        f"{len(texts) / (time.perf_counter() - started):.1f} articles/s"
    )


if __name__ == "__main__":
    main()
