"""Fit the confidence model on real news and print how reliable it is on articles it was not fitted on.

    python benchmarks/calibrate.py [--shared ../shared] [--write]

Runs the extractor (events.pipeline.process, what `events extract` runs) on ../shared/eval/events/dev.jsonl,
labels each reported event right or wrong (the right type family within 1.2 x the gold tolerance of a gold
event of its article, as the scorer counts), and fits a logistic regression over `events.extract.confidence`'s
features. The articles are split five ways: each fold's events are scored by a model fitted on the other four,
and the reliability table printed is of those held-out scores. `--write` refits on every article and writes
src/events/extract/confidence_model.json, the model the package ships.
"""

import argparse
import importlib.util
import json
from datetime import date
from pathlib import Path

from sklearn.feature_extraction import DictVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import GroupKFold

from events import pipeline
from events.extract import confidence
from events.models import Article

ROOT = Path(__file__).resolve().parents[1]

BANDS = [(0.8, 1.01), (0.6, 0.8), (0.4, 0.6), (0.0, 0.4)]
C = 0.5  # regularisation: a few hundred events, a few dozen features


def load_scorer(shared: Path):
    spec = importlib.util.spec_from_file_location("score", shared / "eval/score.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def labelled(rows: list[dict], score) -> list[tuple[str, dict, bool, float]]:
    """(article id, features, right?, shipped confidence) for every event `events extract` reports."""
    out = []
    for r in rows:
        published = date.fromisoformat(r["published"][:10]) if r.get("published") else None
        article = Article(id=r["id"], text=r["text"], published=published, url=r.get("url") or "")
        for e in pipeline.process(article):
            if e.background:
                continue  # `events extract` leaves history out unless asked
            right = e.lat is not None and any(
                score.same_type(g["type"], e.type)
                and score.km(g["lat"], g["lon"], e.lat, e.lon) <= g.get("tolerance_km", 25) * 1.2
                for g in r["events"]
            )
            out.append((r["id"], confidence.features(e), right, e.confidence))
    return out


def table(probs: list[float], right: list[bool]) -> list[str]:
    lines = []
    for lo, hi in BANDS:
        inside = [ok for p, ok in zip(probs, right) if lo <= p < hi]
        share = f"{sum(inside) / len(inside):6.1%}" if inside else "     -"
        lines.append(f"  confidence {lo:.1f}-{min(hi, 1.0):.1f}: {len(inside):4} events, {share} right")
    brier = sum((p - ok) ** 2 for p, ok in zip(probs, right)) / len(probs)
    lines.append(
        f"  Brier score {brier:.3f} (lower is better; always saying the base rate gives "
        f"{_base_brier(right):.3f})"
    )
    return lines


def _base_brier(right: list[bool]) -> float:
    rate = sum(right) / len(right)
    return sum((rate - ok) ** 2 for ok in right) / len(right)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--shared", default=str(ROOT.parent / "shared"))
    ap.add_argument("--write", action="store_true", help="refit on every article and write the shipped model")
    args = ap.parse_args()
    shared = Path(args.shared)
    rows = [
        json.loads(line)
        for line in (shared / "eval/events/dev.jsonl").read_text(encoding="utf-8").splitlines()
        if line.strip()
    ]
    data = labelled(rows, load_scorer(shared))
    groups = [a for a, _x, _y, _c in data]
    vec = DictVectorizer()
    X = vec.fit_transform([x for _a, x, _y, _c in data])
    y = [ok for _a, _x, ok, _c in data]
    held_out = [0.0] * len(y)
    for train, test in GroupKFold(n_splits=5).split(X, y, groups):
        fit = LogisticRegression(C=C, max_iter=2000).fit(X[train], [y[i] for i in train])
        for i, p in zip(test, fit.predict_proba(X[test])[:, 1]):
            held_out[i] = float(p)
    print(
        f"dev.jsonl: {len(rows)} articles, {len(y)} reported events, {sum(y)} right ({sum(y) / len(y):.1%})"
    )
    print("\nthe shipped model, as `events extract` reports it now (fitted on these articles: in-sample)")
    print("\n".join(table([c for _a, _x, _y, c in data], y)))
    print("\ncross-validated: each article scored by a model fitted on the other four fifths")
    print("\n".join(table(held_out, y)))
    if args.write:
        fit = LogisticRegression(C=C, max_iter=2000).fit(X, y)
        weights = {
            name: round(float(w), 4) for name, w in zip(vec.get_feature_names_out(), fit.coef_[0]) if w
        }
        model = {
            "about": "events.extract.confidence: logistic regression fitted by benchmarks/calibrate.py",
            "fitted_on": f"dev.jsonl, {len(rows)} articles, {len(y)} events",
            "intercept": round(float(fit.intercept_[0]), 4),
            "weights": dict(sorted(weights.items())),
        }
        confidence.MODEL_PATH.write_text(json.dumps(model, indent=1) + "\n", encoding="utf-8")
        print(f"\nwrote {confidence.MODEL_PATH.relative_to(ROOT)} ({len(weights)} weights)")


if __name__ == "__main__":
    main()
