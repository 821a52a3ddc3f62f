"""The real pipeline on the invented fixture articles (regression floor) and on the seed article (acceptance)."""

import json
import math
from collections import defaultdict
from datetime import date, timedelta

import pytest
from click.testing import CliRunner
from conftest import REPO, SAMPLES

GOLD = REPO / "tests" / "fixtures" / "events_gold.jsonl"
F1_FLOOR = 0.88  # measured 0.96 when written; the goal is 0.9
FAMILY = {"defection": "crossing", "border_crossing": "crossing"}


def km(lat1, lon1, lat2, lon2):
    p1, p2 = math.radians(lat1), math.radians(lat2)
    a = (
        math.sin((p2 - p1) / 2) ** 2
        + math.cos(p1) * math.cos(p2) * math.sin(math.radians(lon2 - lon1) / 2) ** 2
    )
    return 2 * 6371.0088 * math.asin(min(1.0, math.sqrt(a)))


def score(gold_rows, preds):
    """The `events` scorer's matching (shared eval score.py), reduced to precision, typed recall and F1."""
    by_article = defaultdict(list)
    for p in preds:
        if p["lat"] is not None:
            by_article[p["article_id"]].append(p)
    n_gold = hit = n_pred = right = 0
    for art in gold_rows:
        pred = by_article.get(art["id"], [])
        n_pred += len(pred)
        used = set()
        for g in art["events"]:
            n_gold += 1
            tol = g.get("tolerance_km", 25) * 1.2
            match = [
                i
                for i, p in enumerate(pred)
                if i not in used
                and km(g["lat"], g["lon"], p["lat"], p["lon"]) <= tol
                and FAMILY.get(g["type"], g["type"]) == FAMILY.get(p["type"], p["type"])
            ]
            if match:
                hit += 1
                used.add(match[0])
        right += sum(
            any(
                km(g["lat"], g["lon"], p["lat"], p["lon"]) <= g.get("tolerance_km", 25) * 1.2
                for g in art["events"]
            )
            for p in pred
        )
    precision, recall = right / n_pred, hit / n_gold
    return precision, recall, 2 * precision * recall / (precision + recall)


@pytest.fixture(scope="module")
def fixture_run(nlp):
    from events.models import Article
    from events.pipeline import process

    rows = [json.loads(line) for line in GOLD.read_text(encoding="utf-8").splitlines() if line.strip()]
    preds = []
    for row in rows:
        article = Article(id=row["id"], text=row["text"], published=date.fromisoformat(row["published"]))
        preds += [e.to_contract() for e in process(article)]
    return rows, preds


def test_fixture_set_is_big_and_varied():
    rows = [json.loads(line) for line in GOLD.read_text(encoding="utf-8").splitlines() if line.strip()]
    assert len(rows) >= 30
    types = {e["type"] for r in rows for e in r["events"]}
    assert types >= {
        "defection",
        "border_crossing",
        "arrival",
        "gunfire",
        "explosion",
        "missile_launch",
        "detention",
        "repatriation",
        "propaganda",
        "talks",
        "other",
    }
    assert all("Invented" in r["text"] for r in rows)


def test_fixture_f1_floor(fixture_run):
    rows, preds = fixture_run
    precision, recall, f1 = score(rows, preds)
    assert f1 >= F1_FLOOR, f"F1 {f1:.3f} (P {precision:.3f}, R {recall:.3f}) below the floor {F1_FLOOR}"


def test_confidence_is_calibrated(fixture_run):
    """Of events the model finds likely (confidence >= 0.6), at least 80% are right (same family, within
    tolerance). The model is fitted on real news (benchmarks/calibrate.py prints its cross-validated table),
    where events like the fixtures' clean ones are right about two times in three: it is modest here."""
    rows, preds = fixture_run
    gold = {r["id"]: r["events"] for r in rows}
    sure = [p for p in preds if p["confidence"] >= 0.6 and p["lat"] is not None]
    right = [
        p
        for p in sure
        if any(
            FAMILY.get(g["type"], g["type"]) == FAMILY.get(p["type"], p["type"])
            and km(g["lat"], g["lon"], p["lat"], p["lon"]) <= g.get("tolerance_km", 25) * 1.2
            for g in gold[p["article_id"]]
        )
    ]
    assert sure and len(right) / len(sure) >= 0.8


def test_article_of_only_denials_and_plans_has_no_events(fixture_run):
    _, preds = fixture_run
    assert [p for p in preds if p["article_id"] == "fx-20"] == []


def test_seed_article_acceptance(nlp):
    from events.cli import main

    result = CliRunner().invoke(
        main, ["extract", str(SAMPLES / "seed.txt"), "--published", "2026-11-26", "--format", "jsonl"]
    )
    assert result.exit_code == 0, result.output
    events = [json.loads(line) for line in result.output.splitlines() if line.startswith("{")]
    week = {date(2026, 11, 26) - timedelta(days=n) for n in range(1, 8)}

    def dated_in_week(e):
        start, end = date.fromisoformat(e["date_start"]), date.fromisoformat(e["date_end"])
        return any(start <= d <= end for d in week)

    def two_soldiers(e):
        return any(
            a["count"] == 2 and a["affiliation"] == "KP" and "soldiers" in a["text"]
            for a in e["actors_detail"]
        )

    crossing = [
        e
        for e in events
        if e["type"] in ("defection", "border_crossing")
        and km(e["lat"], e["lon"], 38.3, 127.2) <= 150
        and dated_in_week(e)
        and two_soldiers(e)
    ]
    arrival = [
        e
        for e in events
        if e["type"] == "arrival"
        and km(e["lat"], e["lon"], 37.57, 126.98) <= 60
        and dated_in_week(e)
        and two_soldiers(e)
    ]
    assert crossing and arrival, events
    assert "two North Korean soldiers" in crossing[0]["actors"]
    assert not [e for e in events if "could indicate" in e["sentence"]]
