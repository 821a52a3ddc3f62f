"""Score `events extract` on the real, hand-annotated news articles of ../shared/eval/events/dev.jsonl.

    python benchmarks/real_events_bench.py [--shared ../shared] [--misses 60]

Runs the `events extract` command on the articles (id, text, published; nothing else of the gold is given),
scores the output with the shared scorer (`score.py events`), and prints: F1, precision, typed and located
recall, date accuracy; a table by type and by region (ids dk/dw/da); the share of events with an actor; the
reliability of the confidence (of events with confidence >= 0.8, the share that is right), and the misses.
The texts are third-party: they are read from ../shared by path and never copied into the project.
"""

import argparse
import importlib.util
import json
import subprocess
import sys
import tempfile
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
REGIONS = {"dk": "Korea", "dw": "Americas+Europe", "da": "Asia+MidEast+Africa"}


def load_scorer(shared: Path):
    spec = importlib.util.spec_from_file_location("score", shared / "eval/score.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def extract(gold_rows: list[dict], out: Path) -> list[dict]:
    """Run `events extract` on the articles as a user would; its JSONL output, one event a line."""
    with tempfile.TemporaryDirectory() as tmp:
        given = Path(tmp) / "articles.jsonl"
        given.write_text(
            "".join(
                json.dumps({"id": r["id"], "text": r["text"], "published": r["published"]}) + "\n"
                for r in gold_rows
            ),
            encoding="utf-8",
        )
        with out.open("w", encoding="utf-8") as f:
            subprocess.run([sys.executable, "-m", "events", "extract", str(given)], stdout=f, check=True)
    return [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines() if line.strip()]


def right(score, pred: dict, golds: list[dict], typed: bool) -> bool:
    """The scorer's test: within 1.2 x tolerance of a gold event of the article (and of its type family)."""
    return any(
        score.km(g["lat"], g["lon"], pred["lat"], pred["lon"]) <= g.get("tolerance_km", 25) * 1.2
        and (not typed or score.same_type(g["type"], pred["type"]))
        for g in golds
    )


def by_region(score, gold_rows, preds) -> dict[str, dict]:
    """The scorer's figures for each region's articles (ids dk/dw/da)."""
    out = {}
    for prefix, region in REGIONS.items():
        rows = [r for r in gold_rows if r["id"].startswith(prefix)]
        ids = {r["id"] for r in rows}
        out[region] = score.score_events(rows, [p for p in preds if p["article_id"] in ids])
    return out


def type_table(score, gold_rows, preds) -> list[tuple]:
    """Per gold type: gold events, found (same family within tolerance); per predicted type: predicted, right."""
    gold_n, found, pred_n, pred_right = (defaultdict(int) for _ in range(4))
    by_article = defaultdict(list)
    for p in preds:
        if p.get("lat") is not None:
            by_article[p["article_id"]].append(p)
    for r in gold_rows:
        for g in r["events"]:
            gold_n[g["type"]] += 1
            found[g["type"]] += any(right(score, p, [g], typed=True) for p in by_article[r["id"]])
        for p in by_article[r["id"]]:
            pred_n[p["type"]] += 1
            pred_right[p["type"]] += right(score, p, r["events"], typed=True)
    types = sorted(set(gold_n) | set(pred_n), key=lambda t: -gold_n[t])
    return [(t, gold_n[t], found[t], pred_n[t], pred_right[t]) for t in types]


def reliability(score, gold_rows, preds) -> list[tuple]:
    """(band, events, right share) by confidence band: right = same family within tolerance."""
    gold = {r["id"]: r["events"] for r in gold_rows}
    bands = [(0.8, 1.01), (0.6, 0.8), (0.4, 0.6), (0.0, 0.4)]
    rows = []
    for lo, hi in bands:
        inside = [p for p in preds if p.get("lat") is not None and lo <= p["confidence"] < hi]
        ok = sum(right(score, p, gold[p["article_id"]], typed=True) for p in inside)
        rows.append((f"{lo:.1f}-{min(hi, 1.0):.1f}", len(inside), ok / len(inside) if inside else None))
    return rows


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--shared", default=str(ROOT.parent / "shared"))
    ap.add_argument("--misses", type=int, default=80, help="how many misses and spurious events to list")
    ap.add_argument("--pred", help="score this prediction file instead of running events extract")
    args = ap.parse_args()
    shared = Path(args.shared)
    gold_path = shared / "eval/events/dev.jsonl"
    gold_rows = [
        json.loads(line) for line in gold_path.read_text(encoding="utf-8").splitlines() if line.strip()
    ]
    score = load_scorer(shared)
    out = ROOT / "benchmarks/out/real_events_pred.jsonl"
    out.parent.mkdir(parents=True, exist_ok=True)
    preds = (
        [
            json.loads(line)
            for line in Path(args.pred).read_text(encoding="utf-8").splitlines()
            if line.strip()
        ]
        if args.pred
        else extract(gold_rows, out)
    )
    result = score.score_events(gold_rows, preds)
    print(
        f"dev.jsonl: {len(gold_rows)} articles, {result['gold_events']} gold events, "
        f"{result['predicted_events']} predicted (located)"
    )
    for name in ("f1", "precision", "typed_recall", "located_recall", "date_accuracy"):
        print(f"  {name:15} {result[name]:.3f}")
    print(f"  {'dated_matches':15} {result['dated_matches']}")

    print("\nby region           F1     P      typed R  located R  dates   gold  pred")
    for group, r in by_region(score, gold_rows, preds).items():
        print(
            f"  {group:17} {r['f1']:.3f}  {r['precision']:.3f}  {r['typed_recall']:.3f}    "
            f"{r['located_recall']:.3f}      {r['date_accuracy']:.3f}   {r['gold_events']:4}  "
            f"{r['predicted_events']:4}"
        )

    print("\nby type            gold  found  recall   pred  right  precision")
    for t, n_gold, n_found, n_pred, n_right in type_table(score, gold_rows, preds):
        rec = f"{n_found / n_gold:.2f}" if n_gold else "  - "
        prec = f"{n_right / n_pred:.2f}" if n_pred else "  - "
        print(f"  {t:15} {n_gold:5} {n_found:6}   {rec}   {n_pred:5} {n_right:6}   {prec}")

    with_actor = sum(1 for p in preds if p.get("actors"))
    print(f"\nevents with an actor: {with_actor}/{len(preds)} ({with_actor / max(1, len(preds)):.1%})")
    print(
        "\nreliability (right = same type family within tolerance of a gold event; in-sample: the shipped confidence model was fitted on these articles, `benchmarks/calibrate.py` prints the cross-validated table)"
    )
    for band, n, share in reliability(score, gold_rows, preds):
        print(f"  confidence {band}: {n:4} events, {'-' if share is None else f'{share:.1%}'} right")

    full = _all_errors(score, gold_rows, preds)
    print(f"\nmisses and spurious events ({len(full)}; first {args.misses}):")
    for line in full[: args.misses]:
        print("  " + line)


def _all_errors(score, gold_rows, preds) -> list[str]:
    """Every miss and spurious prediction (the scorer lists only its first 40)."""
    lines = []
    for row in gold_rows:
        lines += score.score_events([row], [p for p in preds if p["article_id"] == row["id"]])[
            "errors_sample"
        ]
    return lines


if __name__ == "__main__":
    main()
