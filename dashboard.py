"""The page: sidebar filters (all in the URL) -> Store.query -> mapview.build_map -> st_folium.

Above mapview.MAX_POINTS matching events the page never loads them all: the map draws Store.aggregate grid
cells, the chart Store.histogram day counts, the metrics come from Store.summary, and the table lists the
first TABLE_ROWS (downloads still hold every matching event; they are built on click).

Thin on purpose: querying, mapping and exporting live in events.store, events.mapview and events.export.
Run with `streamlit run dashboard.py`; EVENTS_DB picks the store, EVENTS_NO_SAMPLES=1 skips the first-start
ingest of data/samples.
"""

import io
import os
import tempfile
from datetime import date, timedelta
from functools import partial
from pathlib import Path

import altair as alt
import pandas as pd
import streamlit as st
from streamlit_folium import st_folium

from events import assets, export, mapview
from events.config import SAMPLES_PUBLISHED, db_url
from events.incidents import group_incidents
from events.ingest import SUFFIXES
from events.models import ontology
from events.store import Filters, Store

HERE = Path(__file__).resolve().parent
SAMPLES = HERE / "data" / "samples"  # the bundled sample articles, ingested into an empty store
BIND = {"bind": "query-params"}  # every filter lives in the URL, so a link reproduces the view
TABLE_ROWS = 2000  # rows listed when the filtered set is too large to load whole
DEFAULTS = {"type": [], "country": [], "actor": "", "q": "", "conf": 0.0, "source": [], "background": False}


@st.cache_resource
def open_store(url: str) -> Store:
    """One Store (engine + connection pool) per database URL for the whole server."""
    return Store(url)


@st.cache_resource
def static_assets() -> Path:
    """Copy Leaflet and its plugins under ./static once per server start (served at /app/static/)."""
    return assets.ensure_static(HERE / "static")


@st.cache_data(show_spinner=False)
def load(url: str, filters: Filters, limit: int | None = None) -> pd.DataFrame:
    return open_store(url).query(filters, limit=limit)


@st.cache_data(show_spinner=False)
def summary_of(url: str, filters: Filters) -> dict:
    return open_store(url).summary(filters)


@st.cache_data(show_spinner=False)
def cells_of(url: str, filters: Filters, cell_deg: float) -> pd.DataFrame:
    return open_store(url).aggregate(filters, cell_deg)


@st.cache_data(show_spinner=False)
def per_day(url: str, filters: Filters) -> pd.DataFrame:
    return open_store(url).histogram(filters)


@st.cache_data(show_spinner=False)
def exported(url: str, filters: Filters, fmt: str) -> str:
    out = io.StringIO()
    export.export(load(url, filters), fmt, out, filters)
    return out.getvalue()


@st.cache_data(show_spinner=False)
def choices(url: str, background: bool) -> dict:
    """Filter options; the date bounds span the events the page can show (history only when asked for)."""
    store = open_store(url)
    return {
        "bounds": store.date_bounds(include_background=background),
        "country": store.distinct("country"),
        "source": store.distinct("source"),
        "counts": store.counts(),
    }


def ingest(store: Store, items: list, label: str):
    """Extract and store articles with a progress bar, then drop cached queries so new events show."""
    from events import pipeline

    bar = st.progress(0.0, text=f"{label}: 0 of {len(items)}")
    done = [0]

    def tick():
        done[0] += 1
        bar.progress(min(1.0, done[0] / max(1, len(items))), text=f"{label}: {done[0]} of {len(items)}")

    summary = pipeline.ingest(items, store, on_item=tick)
    bar.empty()
    st.cache_data.clear()
    return summary


def first_start(store: Store) -> None:
    if store.counts()["articles"] or os.environ.get("EVENTS_NO_SAMPLES"):
        return
    from events.ingest import read_paths

    with st.spinner("First start: extracting events from the bundled sample articles…"):
        summary = ingest(store, list(read_paths([str(SAMPLES)], SAMPLES_PUBLISHED)), "Sample articles")
    st.toast(summary.line())


def reset_filters() -> None:
    """Back to the defaults (bound widgets take their value from session state, then update the URL)."""
    st.session_state.update(DEFAULTS)
    if "_bounds" in st.session_state:
        st.session_state["dates"] = st.session_state["_bounds"]


def sidebar(url: str) -> tuple[Filters, dict]:
    """The filter widgets (bound to the URL) -> Filters, plus page options."""
    info = choices(url, bool(st.session_state.get("background") or st.query_params.get("background")))
    lo, hi = (date.fromisoformat(d) if d else None for d in info["bounds"])
    types = list(ontology())
    with st.sidebar:
        st.markdown("### Filters")
        start = end = None
        if lo and hi:
            hi = max(hi, lo + timedelta(days=1))
            # New articles can widen the bounds: a range that was open at an end stays open at that end.
            prev = st.session_state.get("_bounds")
            if prev and prev != (lo, hi) and st.session_state.get("dates"):
                s0, e0 = st.session_state["dates"]
                st.session_state["dates"] = (
                    lo if s0 <= prev[0] else min(max(s0, lo), hi),
                    hi if e0 >= prev[1] else max(min(e0, hi), lo),
                )
            st.session_state["_bounds"] = (lo, hi)
            start, end = st.slider(
                "Dates", min_value=lo, max_value=hi, value=(lo, hi), format="YYYY-MM-DD", key="dates", **BIND
            )
        chosen = st.multiselect(
            "Event type",
            types,
            format_func=lambda t: ontology()[t]["label"],
            key="type",
            placeholder="All types",
            **BIND,
        )
        countries = st.multiselect(
            "Country", info["country"], key="country", placeholder="All countries", **BIND
        )
        actor = st.text_input("Actor", key="actor", placeholder="e.g. soldiers, migrants", **BIND)
        text = st.text_input("Search sentences and titles", key="q", placeholder="free text", **BIND)
        min_conf = st.slider("Minimum confidence", 0.0, 1.0, 0.0, 0.05, key="conf", **BIND)
        sources = st.multiselect("Source", info["source"], key="source", placeholder="All sources", **BIND)
        background = st.toggle(
            "Include background events",
            key="background",
            help="History mentioned in passing, not news of the day",
            **BIND,
        )
        st.button("Reset filters", icon=":material/restart_alt:", type="tertiary", on_click=reset_filters)
        st.markdown("### Map")
        heat = st.toggle("Heat map", key="heat", **BIND)
        story = st.toggle("Story (step through events)", key="story", **BIND)
        grouped = st.toggle(
            "Group reports into incidents",
            key="incidents",
            value=True,
            **BIND,
            help="Reports of one happening from several articles are one point listing every source",
        )
        st.caption(f"Store: {info['counts']['articles']} articles, {info['counts']['events']} events")
    filters = Filters(
        start=start.isoformat() if start and start != lo else None,
        end=end.isoformat() if end and end != hi else None,
        types=tuple(chosen),
        countries=tuple(countries),
        actor=actor.strip(),
        text=text.strip(),
        min_confidence=float(min_conf),
        sources=tuple(sources),
        include_background=background,
    )
    return filters, {"heat": heat, "story": story, "incidents": grouped}


def add_articles(store: Store) -> None:
    from events.ingest import read_paths, text_article

    with st.sidebar.expander("Add articles"):
        files = st.file_uploader(
            "Files: text (first line title), HTML, RSS/Atom, CSV, JSONL",
            type=sorted(suffix.lstrip(".") for suffix in SUFFIXES),
            accept_multiple_files=True,
        )
        pasted = st.text_area("…or paste an article (first line is the title)", height=120)
        if not st.button("Extract and add", disabled=not (files or pasted.strip())):
            return
        items = []
        with tempfile.TemporaryDirectory() as tmp:
            for upload in files or []:
                path = Path(tmp) / Path(upload.name).name
                path.write_bytes(upload.getvalue())
                items += list(read_paths([str(path)]))
        if pasted.strip():
            try:
                items.append(text_article(pasted, "pasted text", date.today()))
            except ValueError as exc:
                items.append(exc)
        summary = ingest(store, items, "Extracting")
        st.session_state["added"] = (summary.line(), summary.errors)
        st.rerun()  # redraw filters and map with the new events, no restart


def added_message() -> None:
    if "added" in st.session_state:
        line, errors = st.session_state.pop("added")
        for error in errors:
            st.sidebar.text(
                f"error: {error}"
            )  # plain text: an article's words are never rendered as Markdown
        st.sidebar.success(line)


def day_counts(frame: pd.DataFrame) -> pd.DataFrame:
    """Events per day and type of a loaded frame, shaped like Store.histogram (day, type, count)."""
    day = frame["date_start"].fillna(frame["date"])
    return frame.assign(day=day).groupby(["day", "type"]).size().reset_index(name="count")


def histogram(counts: pd.DataFrame) -> tuple[alt.Chart | None, int]:
    """Stacked bars of events per day (per week over long spans), coloured by type as on the map.

    `counts` has columns day, type, count. The bars cover the dates of 98% of the events, so one stray old
    date does not squash the chart; returns the chart and how many events fall outside it."""
    counts = counts.assign(day=pd.to_datetime(counts["day"], errors="coerce")).dropna(subset=["day"])
    if counts.empty:
        return None, 0
    counts = counts.sort_values("day")
    total = int(counts["count"].sum())
    share = counts["count"].cumsum() / total
    first = counts["day"][share >= 0.02].iloc[0] if total >= 50 else counts["day"].iloc[0]
    kept = counts[counts["day"] >= first.normalize()]
    weekly = (kept["day"].max() - kept["day"].min()).days > 60
    bins = kept["day"].dt.to_period("W").dt.start_time if weekly else kept["day"].dt.normalize()
    labels = kept["type"].map(lambda t: ontology()[t]["label"])
    # Counted here or in SQL, not by Vega: the chart carries a few hundred rows, not one per event.
    data = (
        pd.DataFrame({"when": bins, "type": labels, "events": kept["count"]})
        .groupby(["when", "type"])["events"]
        .sum()
        .reset_index()
    )
    data["until"] = data["when"] + pd.Timedelta(days=7 if weekly else 1)
    present = [row["label"] for row in ontology().values() if row["label"] in set(data["type"])]
    colours = [row["colour"] for row in ontology().values() if row["label"] in set(data["type"])]
    chart = (
        alt.Chart(data)
        .mark_bar(stroke="white", strokeWidth=0.5)
        .encode(
            x=alt.X("when:T", title="week" if weekly else "day"),
            x2="until:T",
            y=alt.Y("sum(events):Q", title="events"),
            color=alt.Color(
                "type:N",
                scale=alt.Scale(domain=present, range=colours),
                legend=alt.Legend(title=None, symbolLimit=0, columns=2, labelFontSize=11, symbolSize=70),
            ),
            tooltip=[alt.Tooltip("when:T", title="from"), "type:N", alt.Tooltip("events:Q", title="events")],
        )
        .properties(height=220)
    )
    return chart, total - int(kept["count"].sum())


def table(frame: pd.DataFrame):
    view = pd.DataFrame(
        {
            "date": frame["date"].fillna(frame["date_start"]),
            "type": frame["type"].map(lambda t: ontology()[t]["label"]),
            "place": frame["place"],
            "country": frame["country"],
            "precision": frame["geo_precision"],
            "actors": frame["actors"].map(lambda a: "; ".join(x.get("text", "") for x in a)),
            "sentence": frame["sentence"].str.strip(),
            "confidence": frame["confidence"],
            "source": frame["source"],
            "article": frame["title"],
            "url": frame["url"].where(frame["url"].str.match(r"(?i)^https?://"), None),
        }
    )
    return st.dataframe(
        view,
        hide_index=True,
        on_select="rerun",
        selection_mode="single-row",
        key="table",
        height=320,
        column_config={
            "confidence": st.column_config.ProgressColumn(
                "confidence", min_value=0.0, max_value=1.0, format="%.2f"
            ),
            "url": st.column_config.LinkColumn("link", display_text="open"),
            "sentence": st.column_config.TextColumn("sentence", width="large"),
        },
    )


PRESENT_CSS = """<style>
[data-testid="stSidebar"], [data-testid="stSidebarCollapsedControl"], header, footer,
[data-testid="stToolbar"], [data-testid="stDecoration"] { display: none !important; }
.block-container { padding: 0.6rem 1rem 0 1rem !important; max-width: 100% !important; }
h1 { font-size: 2.4rem !important; padding: 0 !important; }
.present-sub { font-size: 1.3rem; color: #4a5561; margin: -0.4rem 0 0.6rem; }
/* The map fills the window below the title, on a laptop as on a projector (mapview.css fills the iframe). */
iframe[title="streamlit_folium.st_folium"] { height: max(360px, calc(100vh - 120px)) !important; }
</style>"""

ANALYST_CSS = """<style>
.block-container { padding-top: 1.2rem !important; max-width: 100% !important; }
h1 { font-size: 1.9rem !important; padding-bottom: 0 !important; }
.sub { color: #5c6773; margin: -0.6rem 0 0.4rem; }
[data-testid="stMetricValue"] { font-size: 1.45rem; }
</style>"""


def main() -> None:
    present = st.query_params.get("present") == "1"
    st.set_page_config(
        page_title="Border events",
        page_icon=":world_map:",
        layout="wide",
        initial_sidebar_state="collapsed" if present else "expanded",
    )
    static_assets()
    url = db_url()
    store = open_store(url)
    first_start(store)
    filters, options = sidebar(url)
    if not present:
        add_articles(store)
        added_message()
    info = summary_of(url, filters)  # counts in SQL first: the rows are loaded only when few enough to map
    cells, cell_deg = None, 0.125
    if info["events"] > mapview.MAX_POINTS:
        frame = load(url, filters, TABLE_ROWS)
        if info["mapped"]:
            cell_deg = mapview.cell_size(info["south"], info["north"], info["west"], info["east"])
        cells = cells_of(url, filters, cell_deg)
        summary = mapview.summarize(frame, cells=cells, cell_deg=cell_deg, total=info["events"])
    else:
        frame = load(url, filters)
        summary = mapview.summarize(frame)
    if present:
        st.markdown(PRESENT_CSS, unsafe_allow_html=True)
        st.title("Border events")
        st.markdown(
            f'<div class="present-sub">{info["events"]} events · {info["articles"]} articles · '
            f"{info['countries']} countries — use Next to step through them"
            "</div>",
            unsafe_allow_html=True,
        )
        m = mapview.build_map(
            frame,
            story=True,
            heat=options["heat"],
            title="Events in date order",
            cells=cells,
            cell_deg=cell_deg,
        )
        st_folium(m, key="map", height=780, use_container_width=True, returned_objects=[])
        return

    st.markdown(ANALYST_CSS, unsafe_allow_html=True)
    st.title("Border events")
    st.markdown(
        '<div class="sub">Border incidents reported in news articles, extracted and geolocated offline. '
        "Click a marker for its source sentence; the filters live in the URL.</div>",
        unsafe_allow_html=True,
    )
    cols = st.columns([1, 1, 1, 1, 2])
    cols[0].metric("Events", info["events"])
    cols[1].metric("Articles", info["articles"])
    cols[2].metric("Countries", info["countries"])
    cols[3].metric("On the map", summary.mapped)
    cols[4].metric("Dates", f"{info['first']} – {info['last']}" if info["first"] else "—")
    if summary.aggregated or summary.mapped < summary.total:
        (st.warning if summary.aggregated else st.caption)(summary.line())

    focus = None
    selection = st.session_state.get("table")
    if selection and selection.get("selection", {}).get("rows"):
        row = selection["selection"]["rows"][0]
        if row < len(frame):
            focus = str(frame.iloc[row]["id"])
    shown = frame
    if options["incidents"] and cells is None:
        shown = group_incidents(frame)
        focus = next((str(i) for i, ids in zip(shown["id"], shown["event_ids"]) if focus in ids), None)
    m = mapview.build_map(
        shown, focus=focus, heat=options["heat"], story=options["story"], cells=cells, cell_deg=cell_deg
    )
    st_folium(m, key="map", height=600, use_container_width=True, returned_objects=[])

    downloads = st.columns([1, 1, 1, 3])
    # Files are written when a button is clicked, not on every rerun (10,000 events: seconds each).
    downloads[0].download_button(
        "CSV",
        partial(exported, url, filters, "csv"),
        "border-events.csv",
        "text/csv",
        icon=":material/table:",
        key="dl_csv",
        on_click="ignore",
    )
    downloads[1].download_button(
        "GeoJSON",
        partial(exported, url, filters, "geojson"),
        "border-events.geojson",
        "application/geo+json",
        icon=":material/map:",
        key="dl_geojson",
        on_click="ignore",
    )
    downloads[2].download_button(
        "HTML map",
        partial(exported, url, filters, "html"),
        "border-events.html",
        "text/html",
        icon=":material/public:",
        key="dl_html",
        on_click="ignore",
    )
    downloads[3].caption(
        "Downloads hold the filtered events with provenance (article, sentence, offsets, "
        "precision) and the filter used. The HTML map opens offline."
    )

    chart, outside = histogram(per_day(url, filters) if cells is not None else day_counts(frame))
    if chart is not None:
        st.markdown("##### Events over time")
        st.altair_chart(chart, width="stretch")
        if outside:
            st.caption(
                f"{outside} event{'s' if outside > 1 else ''} dated earlier not drawn here "
                "(counted on the map and in the downloads)."
            )
    st.markdown("##### Events (select a row to show it on the map)")
    if len(frame) < info["events"]:
        st.caption(
            f"The table lists the first {len(frame):,} of {info['events']:,} matching events in date order; "
            "the downloads hold all of them. Narrow the filters to list the rest."
        )
    table(frame)


main()
