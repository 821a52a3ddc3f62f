"""The Streamlit page through AppTest, against a temp SQLite store: filters, URL parameters, downloads."""

import json
import re
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


def _map_config(at: AppTest) -> dict:
    """The data the page's map hands to mapview.js, read from the st_folium component's arguments."""
    component = at.get("component_instance")[0].proto
    script = json.loads(component.json_args)["script"]
    return json.loads(re.search(r"var cfg = (\{.*?\});\n", script, re.DOTALL).group(1))


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
    for given in ("South Korea (KR)", "KR"):  # the page's own links name the country; a hand-made one may not
        again = AppTest.from_file(PAGE, default_timeout=90)
        again.query_params["country"] = given
        assert again.run().multiselect(key="country").value == ["KR"]


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
    assert buttons == {
        "dl_csv": "CSV",
        "dl_geojson": "GeoJSON",
        "dl_jsonl": "JSONL",
        "dl_parquet": "Parquet",
        "dl_html": "HTML map",
    }  # the README's list; test_export checks that each parses and carries the filter


def test_countries_are_named_and_a_filter_that_matches_nothing_says_so(app):
    app.run()
    country = app.multiselect(key="country")
    assert "South Korea (KR)" in country.options and "Mexico (MX)" not in country.options
    assert "Poland (PL)" in country.options
    assert not app.info
    app.text_input(key="q").set_value("no such text").run()
    assert _events(app) == 0
    assert any("No event matches these filters" in i.value for i in app.info)


def test_a_store_that_cannot_open_is_one_message(monkeypatch, tmp_path):
    monkeypatch.setenv("EVENTS_DB", str(tmp_path / "no such folder" / "events.sqlite"))
    monkeypatch.setenv("EVENTS_NO_SAMPLES", "1")
    at = AppTest.from_file(PAGE, default_timeout=90).run()
    assert not at.exception  # no traceback on the page
    (error,) = at.error
    assert error.value.startswith("cannot open store ") and "no such folder" in error.value
    assert "EVENTS_DB" in error.value and "\n" not in error.value


def test_presentation_mode(app):
    app.query_params["present"] = "1"
    app.run()
    assert not app.exception
    assert app.title[0].value == "Border events"
    sub = next(m.value for m in app.markdown if 'present-sub">' in m.value)
    assert re.search(r"8 reports of \d incidents", sub)  # grouped, as on the analyst view
    grouped = int(re.search(r"of (\d) incidents", sub).group(1))
    app.toggle(key="incidents").set_value(False).run()
    assert "8 events ·" in next(m.value for m in app.markdown if 'present-sub">' in m.value)
    analyst = AppTest.from_file(PAGE, default_timeout=90).run()
    assert next(m for m in analyst.metric if m.label == "Incidents").value == str(grouped)
    assert not app.get("download_button")  # the audience sees the map, not the tools


PASTED = (
    "Soldier crosses the DMZ\n"
    "A North Korean soldier crossed the Military Demarcation Line near Panmunjom on Thursday, "
    "South Korea's military said. He was taken into custody by South Korean troops."
)


def _paste(app: AppTest, published: date | None) -> None:
    app.text_area[0].set_value(PASTED)
    app.date_input[0].set_value(published)
    app.run()
    next(b for b in app.button if b.label == "Extract and add").click().run()
    assert not app.exception
    assert any("1 stored" in s.value for s in app.sidebar.success)


def test_pasted_article_appears_without_restart(app, sample_store):
    app.run()
    before = _events(app)
    _paste(app, date(2026, 12, 4))  # a Friday: "on Thursday" is the 3rd
    # Dated after the store's last day: the open date range widens to it.
    assert app.slider(key="dates").value[1] == date(2026, 12, 3)
    assert _events(app) > before
    pasted = sample_store.query()
    assert set(pasted[pasted["source"] == "pasted text"]["date"]) == {"2026-12-03"}


def test_a_pasted_article_without_a_date_stays_undated(app, sample_store):
    app.run()
    assert app.date_input[0].value is None  # empty: unknown, as the CLI keeps it
    _paste(app, None)
    pasted = sample_store.query()
    pasted = pasted[pasted["source"] == "pasted text"]
    assert len(pasted) >= 1 and pasted["date"].isna().all() and pasted["published"].isna().all()


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


@pytest.fixture
def big_app(sample_store, monkeypatch):
    """The page on the sample store plus 2,400 generated events, with a map budget of 50 points."""
    import random

    from events import mapview
    from events.models import Article, Event

    rng = random.Random(3)
    for a in range(800):
        day = date(2025, 1, 1).toordinal() + rng.randrange(300)
        art = Article(
            id=f"gen{a}", title=f"Generated report {a}", text=f"Generated article {a}.", source="gen"
        )
        found = []
        for seq in range(3):
            when = date.fromordinal(day + seq).isoformat()
            found.append(
                Event(
                    article_id=art.id,
                    seq=seq,
                    type=rng.choice(["border_crossing", "arrival", "gunfire"]),
                    sentence=f"Generated article {a}.",
                    start=0,
                    end=len(art.text),
                    place=f"Place {a}",
                    lat=rng.uniform(-40, 60),
                    lon=rng.uniform(-120, 140),
                    country="US",
                    date=when,
                    date_start=when,
                    date_end=when,
                )
            )
        sample_store.add(art, found)
    monkeypatch.setattr(mapview, "MAX_POINTS", 50)  # the page reads it at run time
    monkeypatch.setenv("EVENTS_DB", sample_store.url)
    monkeypatch.setenv("EVENTS_NO_SAMPLES", "1")
    return AppTest.from_file(PAGE, default_timeout=90)


def test_many_events_map_cells_and_list_a_page(big_app):
    big_app.run()
    assert not big_app.exception
    assert _events(big_app) == 2408  # counted in SQL, not from the loaded rows
    assert int(next(m for m in big_app.metric if m.label == "On the map").value) == 2407
    assert int(next(m for m in big_app.metric if m.label == "Articles").value) == 804
    warning = big_app.warning[0].value
    assert "aggregated into" in warning and "grid cells" in warning
    cfg = _map_config(big_app)
    assert cfg["events"] == [] and 0 < len(cfg["cells"]) <= 750  # cells from Store.aggregate
    assert sum(c["n"] for c in cfg["cells"]) == 2407 and f"{len(cfg['cells'])} grid cells" in warning
    assert len(big_app.dataframe[0].value) == 2000  # a page of rows, not all of them
    assert any("first 2,000 of 2,408" in c.value for c in big_app.caption)
    assert big_app.slider(key="dates").value == (date(2025, 1, 1), date(2026, 11, 24))  # bounds from SQL
    big_app.multiselect(key="type").set_value(["gunfire"]).run()
    assert not big_app.exception and 50 < _events(big_app) < 2000 and big_app.warning  # still cells
    big_app.multiselect(key="type").set_value([])
    big_app.text_input(key="q").set_value(
        "Dover"
    ).run()  # a narrow filter: single events, the whole set listed
    assert _events(big_app) == 2 and not big_app.warning and len(big_app.dataframe[0].value) == 2
    cfg = _map_config(big_app)
    assert len(cfg["events"]) == 1 and cfg["cells"] == []  # Dover as a single marker (Calais has no place)


def test_store_queries_behind_the_large_page(big_app, sample_store):
    """Summary, day counts and date bounds in SQL agree with the loaded rows."""
    from events.store import Filters

    for filters in (Filters(), Filters(types=("gunfire",)), Filters(text="Generated", start="2025-03-01")):
        frame = sample_store.query(filters)
        info = sample_store.summary(filters)
        assert (info["events"], info["articles"], info["mapped"]) == (
            len(frame),
            frame["article_id"].nunique(),
            int(frame["lat"].notna().sum()),
        )
        assert (info["first"], info["last"]) == (frame["date_start"].min(), frame["date_start"].max())
        days = sample_store.histogram(filters)
        assert days["count"].sum() == frame["date_start"].notna().sum()
        assert (
            days.set_index(["day", "type"])["count"].to_dict()
            == frame.groupby(["date_start", "type"]).size().to_dict()
        )
    assert sample_store.date_bounds(include_background=False) == ("2025-01-01", "2026-11-24")


def test_reports_of_one_incident_are_one_point_until_ungrouped(sample_store, monkeypatch):
    from dataclasses import replace

    from conftest import sample_articles

    from events.models import Article

    frame = sample_store.query()
    row = frame[frame["lat"].notna()].iloc[0]
    twin = Article(
        id="twin",
        text="Another outlet's report of the same event.",
        title="Second report",
        source="Second Outlet",
        published=date(2026, 11, 25),
    )
    original = next(
        e for _, found in sample_articles() for e in found if f"{e.article_id}#{e.seq}" == row["id"]
    )
    sample_store.add(twin, [replace(original, article_id="twin", seq=0)])
    monkeypatch.setenv("EVENTS_DB", sample_store.url)
    monkeypatch.setenv("EVENTS_NO_SAMPLES", "1")
    at = AppTest.from_file(PAGE, default_timeout=90).run()
    assert not at.exception
    grouped = _map_config(at)["events"]
    assert any("Reported by 2 articles" in e["popup"] for e in grouped)
    assert _map_config(at)["options"]["unit"] == "incidents"  # the timeline counts "7 of 7 incidents"
    at.toggle(key="incidents").set_value(False).run()
    assert len(_map_config(at)["events"]) == len(grouped) + 1
    assert _map_config(at)["options"]["unit"] == "events"
