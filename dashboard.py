"""The page: sidebar filters (all in the URL) -> the store -> a map plan -> mapview.build_map -> st_folium.

Above mapview.MAX_POINTS matching events the page never loads them all (mapview.too_many): the map draws
Store.aggregate grid cells, the chart Store.histogram day counts, the metrics come from Store.summary, and the
table lists the first TABLE_ROWS (downloads still hold every matching event; they are built on click).

A page only: the widgets are in events.page, querying in events.store, the map in events.mapview, files in
events.export. Run with `streamlit run dashboard.py`; EVENTS_DB picks the store, EVENTS_NO_SAMPLES=1 skips
the first-start ingest of data/samples.
"""

import hashlib
from functools import partial
from pathlib import Path

import pandas as pd
import streamlit as st
import streamlit.components.v1 as components
from streamlit_folium import st_folium

from events import assets, config, export, grid, mapview, page
from events.config import SAMPLES_PUBLISHED, db_url
from events.errors import EventsError
from events.incidents import group_incidents
from events.store import Filters, Store

HERE = Path(__file__).resolve().parent
SAMPLES = HERE / "data" / "samples"  # the bundled sample articles, ingested into an empty store
TABLE_ROWS = 2000  # rows listed when the filtered set is too large to load whole


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
def exported(url: str, filters: Filters, grouped: bool, fmt: str) -> bytes:
    """A download: every matching event (data files list each report); the HTML map draws what the page draws,
    one point per incident while reports are grouped."""
    frame = load(url, filters)
    return export.to_bytes(group_incidents(frame) if grouped and fmt == "html" else frame, fmt, filters)


def incidents_of(frame: pd.DataFrame, plan: mapview.MapPlan, options: dict) -> pd.DataFrame | None:
    """The incidents the map draws when reports are grouped (None when not grouped, or drawn as grid cells)."""
    return group_incidents(frame) if options["incidents"] and not plan.aggregated else None


def counted(info: dict, shown: pd.DataFrame | None) -> str:
    """The page's one way of counting: '83 reports of 78 incidents' while grouped, else '83 events'."""
    if shown is None:
        return f"{info['events']:,} events"
    return f"{info['events']:,} reports of {len(shown):,} incidents"


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


def first_start(store: Store) -> None:
    if store.counts()["articles"] or config.get("EVENTS_NO_SAMPLES"):
        return
    from events.readers import read_paths

    with st.spinner("First start: extracting events from the bundled sample articles…"):
        summary = page.extract_with_progress(
            store, list(read_paths([str(SAMPLES)], SAMPLES_PUBLISHED)), "Sample articles"
        )
    st.toast(summary.line())


def map_plan(url: str, filters: Filters, info: dict) -> tuple[pd.DataFrame, mapview.MapPlan]:
    """The rows the table lists and what the map draws: every matching event, or, when too many, the first
    TABLE_ROWS for the table and the store's grid cells for the map."""
    if not mapview.too_many(info["events"]):
        frame = load(url, filters)
        return frame, mapview.plan_map(frame)
    frame = load(url, filters, TABLE_ROWS)
    deg = (
        grid.cell_size(info["south"], info["north"], info["west"], info["east"]) if info["mapped"] else 0.125
    )
    return frame, mapview.plan_map(
        frame, cells=cells_of(url, filters, deg), cell_deg=deg, total=info["events"]
    )


def presentation(frame: pd.DataFrame, plan: mapview.MapPlan, info: dict, options: dict) -> None:
    """The classroom view: the map fills the window and tells the events in date order."""
    st.markdown(page.PRESENT_CSS, unsafe_allow_html=True)
    st.title("Border events")
    shown = incidents_of(frame, plan, options)
    st.markdown(
        f'<div class="present-sub">{counted(info, shown)} · {info["articles"]} articles · '
        f"{info['countries']} countries — use Next to step through them</div>",
        unsafe_allow_html=True,
    )
    if shown is not None:
        plan = mapview.plan_map(shown)
    m = mapview.build_map(plan, story=True, heat=options["heat"], title="Events in date order")
    st_folium(m, key="map", height=780, use_container_width=True, returned_objects=[])


def analyst(
    url: str, filters: Filters, frame: pd.DataFrame, plan: mapview.MapPlan, info: dict, options: dict
):
    """The working view: metrics, the map, downloads, the timeline and the table."""
    st.markdown(page.ANALYST_CSS, unsafe_allow_html=True)
    st.title("Border events")
    st.markdown(
        '<div class="sub">Border incidents reported in news articles, extracted and geolocated offline. '
        "Click a marker for its source sentence; the filters live in the URL.</div>",
        unsafe_allow_html=True,
    )
    focus = None
    selection = st.session_state.get("table")
    if selection and selection.get("selection", {}).get("rows"):
        row = selection["selection"]["rows"][0]
        if row < len(frame):
            focus = str(frame.iloc[row]["id"])
    shown = incidents_of(frame, plan, options)
    if shown is not None:
        focus = next((str(i) for i, ids in zip(shown["id"], shown["event_ids"]) if focus in ids), None)
        plan = mapview.plan_map(shown)
    cols = st.columns([1, 1, 1, 1, 1, 2])
    cols[0].metric("Events", info["events"], help="Reports: one a sentence that tells a happening")
    cols[1].metric(
        "Incidents",
        "—" if shown is None else len(shown),
        help=counted(info, shown) + " (reports of one happening from several articles are one incident)",
    )
    cols[2].metric("Articles", info["articles"])
    cols[3].metric("Countries", info["countries"])
    cols[4].metric("On the map", plan.mapped)
    cols[5].metric("Dates", f"{info['first']} – {info['last']}" if info["first"] else "—")
    if not info["events"]:
        st.info(
            "No event matches these filters. Widen the dates or clear a filter (Reset filters in the sidebar)."
            if open_store(url).counts()["events"]
            else "The store holds no events yet: add articles in the sidebar, or run `events ingest`."
        )
    if plan.aggregated or plan.mapped < plan.total:
        (st.warning if plan.aggregated else st.caption)(plan.line())

    m = mapview.build_map(plan, focus=focus, heat=options["heat"], story=options["story"])
    st_folium(m, key="map", height=600, use_container_width=True, returned_objects=[])
    if focus:  # a table row was chosen below the fold: bring the map, with the row's popup open, into view
        row = hashlib.sha1(focus.encode()).hexdigest()[:12]  # an id is article text: only its hash goes in
        components.html(page.SCROLL_TO_MAP.format(focus=row), height=0)
    page.downloads(partial(exported, url, filters, shown is not None))

    counts = per_day(url, filters) if plan.aggregated else page.day_counts(frame)
    chart, outside = page.histogram(counts)
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
    page.table(frame)


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
    try:
        mapview.tile_layer(config.get("EVENTS_TILES"))
        store = open_store(url)
    except EventsError as exc:  # one line with the setting or store and the reason, as the CLI says it
        st.error(
            f"{exc}. Fix the setting (EVENTS_DB: the store's path or URL; EVENTS_TILES), then reload the page."
        )
        st.stop()
    first_start(store)
    filters, options = page.sidebar(partial(choices, url))
    if not present:
        page.add_articles(partial(page.extract_with_progress, store))
        page.added_message()
    info = summary_of(url, filters)  # counts in SQL first: the rows are loaded only when few enough to map
    frame, plan = map_plan(url, filters, info)
    if present:
        presentation(frame, plan, info, options)
    else:
        analyst(url, filters, frame, plan, info, options)


main()
