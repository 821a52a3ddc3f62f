"""Event-location linking on the held-out part of the event_location set, scored with `score.py link`.

    python benchmarks/link_bench.py [--shared ../shared]

The held-out part is buckets 8-9 of scripts/train_linker.py's id hash (1,773 of 9,186 rows, about 20%), fixed
and never used in training or tuning (train_linker cross-validates inside buckets 0-7). Runs the real
`events link` command on it and prints: the number of held-out sentences and how long `events link` took, then
score.py link's JSON: token_precision, token_recall, token_f1 (whitespace tokens of the gold vs predicted
location spans) and sentence_exact (share of sentences whose token sets match exactly, empty ones included).
Gold and predictions are left in benchmarks/out/link_gold.jsonl and link_pred.jsonl for error analysis.
"""

import argparse
import json
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "scripts"))

from train_linker import bucket


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--shared", default=str(ROOT.parent / "shared"))
    args = ap.parse_args()
    data = Path(args.shared) / "eval/event_location/dev.jsonl"
    rows = [json.loads(line) for line in data.open(encoding="utf-8") if line.strip()]
    held = [r for r in rows if bucket(r["id"]) >= 8]
    out_dir = ROOT / "benchmarks/out"
    out_dir.mkdir(parents=True, exist_ok=True)
    gold, pred = out_dir / "link_gold.jsonl", out_dir / "link_pred.jsonl"
    gold.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in held), encoding="utf-8")
    inputs = "".join(
        json.dumps({"id": r["id"], "text": r["text"], "event_verb": r["event_verb"]}) + "\n" for r in held
    )
    started = time.perf_counter()
    result = subprocess.run(["events", "link", "-"], input=inputs, capture_output=True, text=True, check=True)
    seconds = time.perf_counter() - started
    pred.write_text(result.stdout, encoding="utf-8")
    score = subprocess.run(
        [sys.executable, str(Path(args.shared) / "eval/score.py"), "link", str(gold), str(pred)],
        capture_output=True,
        text=True,
        check=True,
    )
    print(f"held-out sentences: {len(held)} of {len(rows)}; `events link` took {seconds:.1f} s")
    print(score.stdout)


if __name__ == "__main__":
    main()
