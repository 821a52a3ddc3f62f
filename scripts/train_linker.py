"""Train the event-location linker on the Halterman event_location set and write linker_model.json.

    python scripts/train_linker.py [--data ../shared/eval/event_location/dev.jsonl] [--out src/events/extract/linker_model.json]

Split by a hash of each row's id: buckets 0-6 train, 7 tunes the threshold, 8-9 are held out for
benchmarks/link_bench.py and never seen here.
"""

import argparse
import hashlib
import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def bucket(row_id: str) -> int:
    """0-9 from a hash of the id: 0-6 train, 7 tune, 8-9 held out."""
    return int(hashlib.sha1(row_id.encode("utf-8")).hexdigest(), 16) % 10


def token_starts(text: str, spans: list[tuple[int, int]]) -> set[int]:
    """Whitespace tokens touched by spans, as the `link` scorer counts them."""
    out, pos = set(), 0
    for word in text.split():
        start = text.index(word, pos)
        end = pos = start + len(word)
        if any(start < e and s < end for s, e in spans):
            out.add(start)
    return out


def examples(rows, docs):
    """(features, label, row index, span) for every candidate of every row."""
    from events.extract import linking

    out = []
    for n, (row, doc) in enumerate(zip(rows, docs)):
        verb = doc.char_span(row["event_verb"]["start"], row["event_verb"]["end"], alignment_mode="expand")
        if verb is None:
            continue
        cands = linking.candidates(doc, verb.root.sent)
        gold = token_starts(row["text"], [(g["start"], g["end"]) for g in row["event_locations"]])
        for c in cands:
            toks = token_starts(row["text"], [(c.start_char, c.end_char)])
            label = bool(toks) and len(toks & gold) * 2 >= len(toks)
            out.append((linking.features(verb.root, c, cands, c.label_), label, n, c))
    return out


def f1_at(rows, exs, probs, threshold, extra=None):
    """Token F1, P, R when each sentence keeps its best candidate at >= threshold, others at >= extra."""
    tp = fp = fn = 0
    extra = threshold if extra is None else extra
    best: dict[int, float] = {}
    for (_, _, n, _), p in zip(exs, probs):
        best[n] = max(best.get(n, 0.0), p)
    picked: dict[int, list] = {}
    for (_, _, n, c), p in zip(exs, probs):
        if best[n] >= threshold and (p == best[n] or p >= extra):
            picked.setdefault(n, []).append((c.start_char, c.end_char))
    for n, row in enumerate(rows):
        gold = token_starts(row["text"], [(g["start"], g["end"]) for g in row["event_locations"]])
        pred = token_starts(row["text"], picked.get(n, []))
        tp, fp, fn = tp + len(gold & pred), fp + len(pred - gold), fn + len(gold - pred)
    p = tp / (tp + fp) if tp + fp else 0.0
    r = tp / (tp + fn) if tp + fn else 0.0
    return (2 * p * r / (p + r) if p + r else 0.0), p, r


def parse(rows: list[dict], cache: str | None) -> list:
    """Parsed sentences, from a DocBin cache when given and present (parsing 7k sentences takes minutes)."""
    from spacy.tokens import DocBin

    from events import nlp

    if cache and Path(cache).exists():
        docs = list(DocBin().from_disk(cache).get_docs(nlp.load().vocab))
        if len(docs) == len(rows):
            return docs
    docs = list(nlp.load().pipe((r["text"] for r in rows), batch_size=128))
    if cache:
        DocBin(docs=docs).to_disk(cache)
    return docs


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data", default=str(ROOT.parent / "shared/eval/event_location/dev.jsonl"))
    ap.add_argument("--out", default=str(ROOT / "src/events/extract/linker_model.json"))
    ap.add_argument("--C", type=float, default=0.3)
    ap.add_argument("--docs", help="cache the parsed sentences in this DocBin file (re-used when it exists)")
    args = ap.parse_args()
    from sklearn.feature_extraction import DictVectorizer
    from sklearn.linear_model import LogisticRegression

    rows = [
        json.loads(line) for line in Path(args.data).read_text(encoding="utf-8").splitlines() if line.strip()
    ]
    rows = [r for r in rows if bucket(r["id"]) <= 7]
    print(f"{len(rows)} training rows (buckets 0-7); parsing...", file=sys.stderr)
    docs = parse(rows, args.docs)
    train_rows = [r for r in rows if bucket(r["id"]) <= 6]
    tune_rows = [r for r in rows if bucket(r["id"]) == 7]
    train_docs = [d for r, d in zip(rows, docs) if bucket(r["id"]) <= 6]
    tune_docs = [d for r, d in zip(rows, docs) if bucket(r["id"]) == 7]
    tr, tu = examples(train_rows, train_docs), examples(tune_rows, tune_docs)
    vec = DictVectorizer()
    X = vec.fit_transform([e[0] for e in tr])
    y = [e[1] for e in tr]
    clf = LogisticRegression(C=args.C, max_iter=2000, fit_intercept=False).fit(X, y)
    probs = clf.predict_proba(vec.transform([e[0] for e in tu]))[:, 1]
    # a threshold that balances precision and recall on the tuning bucket
    grid = [(t / 100, x / 100) for t in range(20, 62, 2) for x in range(40, 92, 4) if x >= t]
    best = max(
        (f1_at(tune_rows, tu, probs, t, x) + (t, x) for t, x in grid),
        key=lambda r: r[0] - abs(r[1] - r[2]) * 0.25,
    )
    print(
        f"tune: F1 {best[0]:.3f} P {best[1]:.3f} R {best[2]:.3f} at thresholds {best[3]:.2f}/{best[4]:.2f}",
        file=sys.stderr,
    )
    # refit on train + tune with the chosen threshold
    X = vec.fit_transform([e[0] for e in tr + tu])
    clf = LogisticRegression(C=args.C, max_iter=2000, fit_intercept=False).fit(X, [e[1] for e in tr + tu])
    weights = {
        name: round(float(w), 4)
        for name, w in zip(vec.get_feature_names_out(), clf.coef_[0])
        if abs(w) >= 1e-3
    }
    model = {
        "about": "Logistic regression over parse features (events.extract.linking.features), trained by "
        "scripts/train_linker.py on buckets 0-7 of the event_location set.",
        "threshold": best[3],
        "extra_threshold": best[4],
        "C": args.C,
        "weights": dict(sorted(weights.items())),
    }
    Path(args.out).write_text(json.dumps(model, indent=0, ensure_ascii=False) + "\n", encoding="utf-8")
    print(f"wrote {args.out}: {len(weights)} weights", file=sys.stderr)


if __name__ == "__main__":
    main()
