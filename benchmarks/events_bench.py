"""Score the extraction on the invented fixture articles with the shared `events` scorer.

    python benchmarks/events_bench.py [--gold tests/fixtures/events_gold.jsonl] [--shared ../shared]

Runs events.pipeline.process on each fixture article, writes the predictions (extract contract, one event a
line) to benchmarks/out/events_pred.jsonl, prints score.py's figures, and checks the confidence calibration:
of events with confidence >= 0.8, how many lie within tolerance of a gold event of the same type family.
"""

import argparse
import importlib.util
import json
import subprocess
import sys
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def predict(gold_rows: list[dict]) -> list[dict]:
    """Extract-contract rows for every fixture article."""
    from events.models import Article
    from events.pipeline import process

    out = []
    for row in gold_rows:
        article = Article(id=row["id"], text=row["text"], published=date.fromisoformat(row["published"]))
        out += [e.to_contract() for e in process(article)]
    return out


def calibration(gold_rows: list[dict], preds: list[dict], scorer, floor: float = 0.8) -> tuple[int, int]:
    """(right, total) among predictions with confidence >= floor: right = same family within tolerance,
    judged with the shared scorer's own distance and type family."""
    gold = {r["id"]: r["events"] for r in gold_rows}
    right = total = 0
    for p in preds:
        if p["confidence"] < floor or p["lat"] is None:
            continue
        total += 1
        right += any(
            scorer.same_type(g["type"], p["type"])
            and scorer.km(g["lat"], g["lon"], p["lat"], p["lon"]) <= g.get("tolerance_km", 25) * 1.2
            for g in gold[p["article_id"]]
        )
    return right, total


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--gold", default=str(ROOT / "tests/fixtures/events_gold.jsonl"))
    ap.add_argument("--shared", default=str(ROOT.parent / "shared"))
    args = ap.parse_args()
    gold_rows = [
        json.loads(line) for line in Path(args.gold).read_text(encoding="utf-8").splitlines() if line.strip()
    ]
    preds = predict(gold_rows)
    out = ROOT / "benchmarks/out/events_pred.jsonl"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text("".join(json.dumps(p, ensure_ascii=False) + "\n" for p in preds), encoding="utf-8")
    scorer = Path(args.shared) / "eval/score.py"
    result = subprocess.run(
        [sys.executable, str(scorer), "events", args.gold, str(out)],
        capture_output=True,
        text=True,
        check=True,
    )
    print(result.stdout)
    spec = importlib.util.spec_from_file_location("score", scorer)
    score = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(score)
    for floor in (0.8, 0.6):  # the model is fitted on real news, where events like these are less sure
        right, total = calibration(gold_rows, preds, score, floor)
        print(
            f"calibration: {right}/{total} events with confidence >= {floor} are right ({right / total:.1%})"
            if total
            else f"calibration: no events with confidence >= {floor}"
        )


if __name__ == "__main__":
    main()
