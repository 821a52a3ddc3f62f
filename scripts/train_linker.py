"""Train the event-location linker on the Halterman event_location set and write linker_model.json.

    python scripts/train_linker.py [--data ../shared/eval/event_location/dev.jsonl]
        [--out src/events/extract/linker_model.json] [--docs /tmp/linker_docs]

Split by a hash of each row's id (`bucket`): buckets 0-7 (about 80%) train, buckets 8-9 are held out for
benchmarks/link_bench.py and never read here. Everything tunable (C, thresholds) is chosen by 4-fold
cross-validation inside buckets 0-7 (fold = bucket % 4), and the script prints the cross-validated token
precision/recall/F1 (the same token scoring as score.py link).

The model has two stages, both logistic regressions stored as plain JSON weights:
  1. each candidate alone: sparse parse/context features (events.extract.link_features.features) plus spaCy's
     contextual token vectors (link_features.dense);
  2. each candidate against the rest of its sentence (link_features.sentence_features over stage-one scores, trained
     on out-of-fold stage-one scores), which decides "no place at all" and whether to add a second place.
Retraining takes about two minutes on 2 cores (parsing ~7,400 sentences is most of it; --docs caches the
parsed sentences and their tensors so a rerun skips it).
"""

import argparse
import hashlib
import json
import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
FOLDS = 4
SECOND_WIDTH = 16  # columns of link_features.sentence_features


def bucket(row_id: str) -> int:
    """0-9 from a hash of the id: 0-7 train (cross-validated), 8-9 held out."""
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


def gold_tokens(row: dict) -> set[int]:
    return token_starts(row["text"], [(g["start"], g["end"]) for g in row["event_locations"]])


def examples(rows: list[dict], docs: list) -> list[tuple]:
    """(sparse features, dense features, label, row index, span) for every candidate of every row."""
    from events.extract import link_features, linking

    out = []
    for n, (row, doc) in enumerate(zip(rows, docs)):
        verb = doc.char_span(row["event_verb"]["start"], row["event_verb"]["end"], alignment_mode="expand")
        if verb is None:
            continue
        cands = linking.candidate_spans(doc, verb.root.sent)
        gold = gold_tokens(row)
        for c in cands:
            toks = token_starts(row["text"], [(c.start_char, c.end_char)])
            label = bool(toks) and len(toks & gold) * 2 >= len(toks)
            feats = link_features.features(verb.root, c, cands, c.label_)
            out.append((feats, link_features.dense(verb.root, c), label, n, c))
    return out


def pick(exs: list[tuple], probs, threshold: float, extra: float) -> dict[int, list]:
    """Each sentence keeps its best candidate at >= threshold and others at >= extra (as linking.link does)."""
    from events.extract.linking import without_class_word

    best: dict[int, float] = {}
    for e, p in zip(exs, probs):
        best[e[3]] = max(best.get(e[3], 0.0), p)
    picked: dict[int, list] = {}
    for e, p in zip(exs, probs):
        if best[e[3]] >= threshold and (p == best[e[3]] or p >= extra):
            span = without_class_word(e[4])
            picked.setdefault(e[3], []).append((span.start_char, span.end_char))
    return picked


def prf(rows: list[dict], picked: dict[int, list]) -> tuple[float, float, float]:
    """Token F1, P, R of picked spans against the gold."""
    tp = fp = fn = 0
    for n, row in enumerate(rows):
        gold, pred = gold_tokens(row), token_starts(row["text"], picked.get(n, []))
        tp, fp, fn = tp + len(gold & pred), fp + len(pred - gold), fn + len(gold - pred)
    p = tp / (tp + fp) if tp + fp else 0.0
    r = tp / (tp + fn) if tp + fn else 0.0
    return (2 * p * r / (p + r) if p + r else 0.0), p, r


def parse(rows: list[dict], cache: str | None) -> tuple[list, list]:
    """Parsed sentences and their tensors, from a cache when given and present (DocBin drops tensors)."""
    from spacy.tokens import DocBin

    from events import nlp

    if cache and Path(cache + ".spacy").exists() and Path(cache + ".npz").exists():
        docs = list(DocBin().from_disk(cache + ".spacy").get_docs(nlp.load().vocab))
        tensor = np.load(cache + ".npz")["tensor"]  # read once: each ["tensor"] decompresses the whole file
        if len(docs) == len(rows):
            bounds = np.concatenate([[0], np.cumsum([len(d) for d in docs])])
            for d, a, b in zip(docs, bounds[:-1], bounds[1:]):
                d.tensor = tensor[a:b].astype("float32")
            return docs
    docs = list(nlp.load().pipe((r["text"] for r in rows), batch_size=128))
    if cache:
        DocBin(docs=docs).to_disk(cache + ".spacy")
        np.savez_compressed(cache + ".npz", tensor=np.concatenate([d.tensor for d in docs]).astype("float16"))
    return docs


def first_stage_matrix(exs, vec, scale, fit=False):
    from scipy import sparse

    sp = vec.fit_transform([e[0] for e in exs]) if fit else vec.transform([e[0] for e in exs])
    return sparse.hstack([sp, sparse.csr_matrix(np.array([e[1] for e in exs]) * scale)]).tocsr()


def fit_first(exs, C, scale):
    from sklearn.feature_extraction import DictVectorizer
    from sklearn.linear_model import LogisticRegression

    vec = DictVectorizer()
    X = first_stage_matrix(exs, vec, scale, fit=True)
    clf = LogisticRegression(C=C, max_iter=5000, fit_intercept=False).fit(X, [e[2] for e in exs])
    return vec, clf


def second_features(exs, first) -> np.ndarray:
    """link_features.sentence_features for every sentence, in example order."""
    from events.extract import link_features

    rows_of: dict[int, list[int]] = {}
    for i, e in enumerate(exs):
        rows_of.setdefault(e[3], []).append(i)
    X = np.zeros((len(exs), SECOND_WIDTH))
    for idx in rows_of.values():
        feats = link_features.sentence_features([exs[i][4] for i in idx], [float(first[i]) for i in idx])
        X[idx] = feats
    return X


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data", default=str(ROOT.parent / "shared/eval/event_location/dev.jsonl"))
    ap.add_argument("--out", default=str(ROOT / "src/events/extract/linker_model.json"))
    ap.add_argument("--C", type=float, default=0.5)
    ap.add_argument(
        "--dense-scale", type=float, default=0.15, help="weight of the tensor features vs one-hots"
    )
    ap.add_argument(
        "--docs", help="cache the parsed sentences in DOCS.spacy + DOCS.npz (re-used when present)"
    )
    args = ap.parse_args()
    from sklearn.linear_model import LogisticRegression

    rows = [
        json.loads(line) for line in Path(args.data).read_text(encoding="utf-8").splitlines() if line.strip()
    ]
    rows = [r for r in rows if bucket(r["id"]) <= 7]  # buckets 8-9 are the held-out benchmark
    print(f"{len(rows)} training rows (buckets 0-7); parsing...", file=sys.stderr)
    docs = parse(rows, args.docs)
    exs = examples(rows, docs)
    fold = np.array([bucket(rows[e[3]]["id"]) % FOLDS for e in exs])
    y = np.array([e[2] for e in exs])

    # stage one out of fold, so stage two learns from scores like those it will see on new sentences
    first = np.zeros(len(exs))
    for k in range(FOLDS):
        tr, te = np.where(fold != k)[0], np.where(fold == k)[0]
        vec, clf = fit_first([exs[i] for i in tr], args.C, args.dense_scale)
        first[te] = clf.predict_proba(first_stage_matrix([exs[i] for i in te], vec, args.dense_scale))[:, 1]
    X2 = second_features(exs, first)
    second = np.zeros(len(exs))
    for k in range(FOLDS):
        tr, te = fold != k, fold == k
        second[te] = LogisticRegression(C=1.0, max_iter=3000).fit(X2[tr], y[tr]).predict_proba(X2[te])[:, 1]
    grid = [(t / 100, x / 100) for t in range(20, 62, 2) for x in range(20, 92, 4) if x >= t]
    best = max(
        (prf(rows, pick(exs, second, t, x)) + (t, x) for t, x in grid),
        key=lambda r: r[0] - abs(r[1] - r[2]) * 0.25,  # F1, preferring precision and recall close together
    )
    stage_one = max(prf(rows, pick(exs, first, t / 100, t / 100)) for t in range(10, 80, 2))
    print(f"cross-validated ({FOLDS} folds): stage one alone F1 {stage_one[0]:.3f}", file=sys.stderr)
    print(
        f"cross-validated: F1 {best[0]:.3f} P {best[1]:.3f} R {best[2]:.3f} at thresholds "
        f"{best[3]:.2f}/{best[4]:.2f}",
        file=sys.stderr,
    )

    vec, clf = fit_first(exs, args.C, args.dense_scale)
    names = list(vec.get_feature_names_out())
    coef = clf.coef_[0]
    weights = {n: round(float(w), 4) for n, w in zip(names, coef[: len(names)]) if abs(w) >= 1e-3}
    final2 = LogisticRegression(C=1.0, max_iter=3000).fit(X2, y)
    model = {
        "about": "Two logistic regressions (events.extract.linking: features + dense, then sentence_features), "
        "trained by scripts/train_linker.py on buckets 0-7 of the event_location set.",
        "cross_validated": {
            "f1": round(best[0], 4),
            "precision": round(best[1], 4),
            "recall": round(best[2], 4),
        },
        "threshold": best[3],
        "extra_threshold": best[4],
        "C": args.C,
        "dense_scale": args.dense_scale,
        "dense": [round(float(w), 4) for w in coef[len(names) :]],
        "sentence": {
            "coef": [round(float(w), 5) for w in final2.coef_[0]],
            "intercept": round(float(final2.intercept_[0]), 5),
        },
        "weights": dict(sorted(weights.items())),
    }
    Path(args.out).write_text(json.dumps(model, indent=0, ensure_ascii=False) + "\n", encoding="utf-8")
    print(f"wrote {args.out}: {len(weights)} weights", file=sys.stderr)


if __name__ == "__main__":
    main()
