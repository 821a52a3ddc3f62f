"""How sure an event is: a logistic model over what the extractor knows of it, fitted on real news.

`confidence_model.json` is written by `benchmarks/calibrate.py`, which fits it on hand-annotated real
articles (../shared/eval/events/dev.jsonl) and prints the reliability table of folds it did not fit on
(articles split five ways): a confidence of 0.8 means that about 8 in 10 such events are right (the right type
family within the annotated tolerance of the place). Without the file every event gets 0.5.
"""

import json
import math
from functools import cache
from pathlib import Path

from events.models import Event

MODEL_PATH = Path(__file__).with_name("confidence_model.json")


def features(e: Event) -> dict[str, float]:
    """What the extractor knows of an event, as named 0/1 (or 0..1) values; their names are the model's."""
    x = e.extra
    mentions = len(x.get("mentions", ())) or 1
    link = float(x.get("link_score", 0.0))
    return {
        f"type={e.type}": 1.0,
        f"trigger={e.rule.split(':')[1] if ':' in e.rule else e.rule}": 1.0,
        f"source={e.location_source}": 1.0,
        f"precision={e.geo_precision}": 1.0,
        f"kind={x.get('place_kind', 'none')}": 1.0,
        f"place_rule={x.get('place_rule', 'none')}": 1.0,
        f"date={e.date_precision}": 1.0,
        f"date_source={x.get('date_source', 'none')}": 1.0,
        "told_again": 1.0 if mentions > 1 else 0.0,
        "tellings": min(mentions, 4) / 4,
        "actor": 1.0 if e.actors else 0.0,
        "link": max(-1.0, min(1.0, link)),
        "background": 1.0 if e.background else 0.0,
        "headline": 1.0 if x.get("headline") else 0.0,
        "lead": 1.0 if x.get("sentence_index", 99) <= 3 else 0.0,
        "quoted": 1.0 if e.sentence[:1] in "“\"‘'" else 0.0,
        "place_named": min(x.get("place_named", 0), 4) / 4,
    }


@cache
def model() -> dict:
    if not MODEL_PATH.exists():
        return {"intercept": 0.0, "weights": {}}
    return json.loads(MODEL_PATH.read_text(encoding="utf-8"))


def confidence(e: Event) -> float:
    """The model's probability that the event is right, to two decimals."""
    m = model()
    z = m["intercept"] + sum(m["weights"].get(k, 0.0) * v for k, v in features(e).items())
    return round(1.0 / (1.0 + math.exp(-max(-30.0, min(30.0, z)))), 2)
