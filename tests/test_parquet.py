"""Parquet export read back with pandas."""

import io
import json
from datetime import date

import pandas as pd

from events.export import to_parquet
from events.models import Actor, Article, Event
from events.store import Filters, Store


def _store(tmp_path) -> Store:
    store = Store(f"sqlite:///{tmp_path / 'events.sqlite'}")
    for n, (place, lat, lon) in enumerate([("Panmunjom", 37.956, 126.677), ("", None, None)]):
        art = Article(
            id=f"a{n}", text=f"Article {n}", title=f"Title {n} “quoted”", published=date(2024, 5, n + 1)
        )
        found = [
            Event(
                article_id=art.id,
                seq=0,
                type="defection",
                sentence="Two soldiers defected.",
                start=0,
                end=22,
                actors=(Actor("two soldiers", 2, "KP", "soldier"),),
                place=place,
                lat=lat,
                lon=lon,
                date_start=f"2024-05-0{n + 1}",
                date_end=f"2024-05-0{n + 1}",
            )
        ]
        store.add(art, found)
    return store


def test_parquet_round_trip_with_pandas(tmp_path):
    frame = _store(tmp_path).query(Filters())
    path = tmp_path / "events.parquet"
    assert to_parquet(frame, str(path)) == 2
    back = pd.read_parquet(path)
    assert list(back.columns) == [*frame.columns, "cameo", "plover"]
    assert list(back["cameo"]) == ["0233", "0233"]
    assert list(back["id"]) == ["a0#0", "a1#0"]
    assert back["lat"].iloc[0] == 37.956 and pd.isna(back["lat"].iloc[1])
    assert back["background"].dtype == bool
    assert back["title"].iloc[0] == "Title 0 “quoted”"
    assert json.loads(back["actors"].iloc[0]) == [
        {"text": "two soldiers", "count": 2, "affiliation": "KP", "role": "soldier"}
    ]


def test_parquet_to_a_stream_and_an_empty_frame(tmp_path):
    frame = _store(tmp_path).query(Filters(types=("gunfire",)))
    stream = io.BytesIO()
    assert to_parquet(frame, stream) == 0
    back = pd.read_parquet(io.BytesIO(stream.getvalue()))
    assert back.empty and "date_start" in back.columns
