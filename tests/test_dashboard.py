"""The Streamlit page through AppTest, against a temp SQLite store: filters, URL parameters, downloads."""

from datetime import date
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

PAGE = str(Path(__file__).resolve().parents[1] / "dashboard.py")


@pytest.fixture
def app(sample_store, monkeypatch):
    """An AppTest of dashboard.py on the sample store (no first-start ingest)."""
    monkeypatch.setenv("EVENTS_DB", sample_store.url)
    monkeypatch.setenv("EVENTS_NO_SAMPLES", "1")
    return AppTest.from_file(PAGE, default_timeout=90)


def _events(at: AppTest) -> int:
    return int(next(m for m in at.metric if m.label == "Events").value)


def test_date_filter_changes_the_count(app):
    app.run()
    assert not app.exception
    assert _events(app) == 8
    assert app.slider(key="dates").value == (date(2026, 7, 1), date(2026, 11, 24))
    app.slider(key="dates").set_value((date(2026, 7, 1), date(2026, 9, 30))).run()
    assert _events(app) == 5  # the Korean article (November) drops out
    app.slider(key="dates").set_value((date(2026, 11, 1), date(2026, 11, 24))).run()
    assert _events(app) == 3


def test_query_params_restore_filters(app):
    app.query_params["type"] = ["Arrival", "Detention"]
    app.query_params["country"] = "KR"
    app.query_params["dates"] = ["2026-11-24", "2026-11-24"]
    app.run()
    assert not app.exception
    assert app.multiselect(key="type").value == ["arrival", "detention"]
    assert app.multiselect(key="country").value == ["KR"]
    assert _events(app) == 1  # the arrival in Seoul


def test_reset_filters(app):
    app.query_params["type"] = "Arrival"
    app.query_params["country"] = "KR"
    app.run()
    assert _events(app) == 1
    next(b for b in app.sidebar.button if b.label == "Reset filters").click().run()
    assert _events(app) == 8 and app.multiselect(key="type").value == []


def test_text_actor_and_confidence_filters(app):
    app.query_params["q"] = "Dover"
    app.run()
    assert _events(app) == 2  # the sentence or the title mentions Dover
    app.text_input(key="q").set_value("").run()
    app.text_input(key="actor").set_value("soldiers").run()
    assert _events(app) == 1
    app.text_input(key="actor").set_value("").run()
    app.slider(key="conf").set_value(0.8).run()
    assert _events(app) == 3


def test_download_buttons_present(app):
    app.run()
    buttons = {b.key: b.label for b in app.get("download_button")}
    assert buttons == {"dl_csv": "CSV", "dl_geojson": "GeoJSON", "dl_html": "HTML map"}


def test_presentation_mode(app):
    app.query_params["present"] = "1"
    app.run()
    assert not app.exception
    assert app.title[0].value == "Border events"
    assert any("present-sub" in m.value for m in app.markdown)
    assert not app.get("download_button")  # the audience sees the map, not the tools


def test_pasted_article_appears_without_restart(app):
    app.run()
    before = _events(app)
    app.text_area[0].set_value(
        "Soldier crosses the DMZ\n"
        "A North Korean soldier crossed the Military Demarcation Line near Panmunjom on Thursday, "
        "South Korea's military said. He was taken into custody by South Korean troops.").run()
    next(b for b in app.button if b.label == "Extract and add").click().run()
    assert not app.exception
    assert any("1 stored" in s.value for s in app.sidebar.success)
    # Dated after the store's last day (pasted text is published today): the open date range widens to it.
    assert app.slider(key="dates").value[1] > date(2026, 11, 24)
    assert _events(app) > before


def test_empty_store_and_empty_result(app, db_path, monkeypatch, tmp_path):
    app.query_params["q"] = "no such text"
    app.run()
    assert not app.exception and _events(app) == 0
    monkeypatch.setenv("EVENTS_DB", str(tmp_path / "empty.sqlite"))
    empty = AppTest.from_file(PAGE, default_timeout=90).run()
    assert not empty.exception and _events(empty) == 0


def test_first_start_ingests_the_samples(monkeypatch, tmp_path):
    monkeypatch.setenv("EVENTS_DB", str(tmp_path / "fresh.sqlite"))
    monkeypatch.delenv("EVENTS_NO_SAMPLES", raising=False)
    at = AppTest.from_file(PAGE, default_timeout=300).run()
    assert not at.exception
    assert _events(at) > 20  # the bundled sample articles, extracted on first start
    assert any("stored" in t.value for t in at.toast)
