"""Longer fuzzing: the Hypothesis properties of tests/test_hostile_fuzz.py with a bigger budget.

    python benchmarks/fuzz_bench.py [--examples 2000] [--only date,jsonl]

Prints, per property, how many examples ran, how long it took and whether it failed (with the falsifying
example); exits non-zero when any property failed. The properties that run the NLP pipeline get a fifth of
the budget. Bounded: about 2-4 minutes at 2000 examples on two cores.
"""

import argparse
import os
import sys
import time
import traceback
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--examples", type=int, default=2000, help="examples per property (default 2000)")
    parser.add_argument("--only", default="", help="comma-separated substrings of property names to run")
    args = parser.parse_args()
    os.environ["HOSTILE_FUZZ_EXAMPLES"] = str(args.examples)  # read when the test module is imported
    sys.path.insert(0, str(ROOT / "tests"))
    import test_hostile_fuzz as props

    wanted = [w for w in args.only.split(",") if w]
    names = [n for n in dir(props) if n.startswith("test_") and (not wanted or any(w in n for w in wanted))]
    failures = 0
    total_started = time.perf_counter()
    print(f"{'property':58} {'examples':>8} {'seconds':>8}  result")
    for name in names:
        before = sum(props.RAN.values())
        started = time.perf_counter()
        try:
            getattr(props, name)()
            result = "ok"
        except Exception as exc:  # noqa: BLE001 - any failure of a property is reported, then the next runs
            # a property failed: Hypothesis has shrunk it to a small example
            failures += 1
            result = f"FAILED: {exc.__class__.__name__}: {str(exc).splitlines()[0][:200] if str(exc) else ''}"
            traceback.print_exc(limit=3, file=sys.stderr)
        ran = sum(props.RAN.values()) - before
        print(f"{name:58} {ran:8d} {time.perf_counter() - started:8.1f}  {result}", flush=True)
    print(
        f"{len(names)} properties, {sum(props.RAN.values())} examples, {failures} failed, "
        f"{time.perf_counter() - total_started:.0f} s"
    )
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
