"""The library's documented entry points (events/__init__.py) work as the docstring shows."""

from datetime import date

import events


def test_every_documented_name_is_there():
    for name in events.__all__:
        assert getattr(events, name) is not None, name


def test_process_geoparse_geocode_and_store_round_trip(nlp, tmp_path):
    text = (
        "PAJU, South Korea – A North Korean soldier defected across the Demilitarized Zone near Panmunjom "
        "on Tuesday, officials said. (Invented article for tests.)"
    )
    article = events.Article(id="api-1", text=text, published=date(2026, 11, 26))
    found = events.process(article)
    assert [e.type for e in found] == ["defection"] and found[0].date == "2026-11-24"
    assert "Panmunjom" in {t.name for t in events.geoparse(text)}
    assert events.geocode("Panmunjom")[0].country == "KR"
    (span,) = events.resolve(text, [(text.index("Panmunjom"), text.index("Panmunjom") + 9)])
    assert span.kind == "site"
    store = events.Store(f"sqlite:///{tmp_path / 'api.sqlite'}")
    assert store.add(article, found)
    assert list(store.query(events.Filters(types=("defection",)))["id"]) == ["api-1#0"]
    store.close()
