"""The page's parts: the sidebar's filters (all in the URL), adding articles, the timeline chart, the table,
the downloads and the page styles. dashboard.py puts them together.
"""

import tempfile
from collections.abc import Callable
from datetime import date, timedelta
from functools import partial
from pathlib import Path

import altair as alt
import pandas as pd
import streamlit as st

from events.countries import label as country_label
from events.models import ontology
from events.readers import SUFFIXES
from events.store import Filters, Store

BIND = {"bind": "query-params"}  # every filter lives in the URL, so a link reproduces the view
DEFAULTS = {"type": [], "country": [], "actor": "", "q": "", "conf": 0.0, "source": [], "background": False}
DOWNLOADS = (  # label, format, file name, MIME type, icon
    ("CSV", "csv", "border-events.csv", "text/csv", ":material/table:"),
    ("GeoJSON", "geojson", "border-events.geojson", "application/geo+json", ":material/map:"),
    ("JSONL", "jsonl", "border-events.jsonl", "application/jsonl", ":material/data_object:"),
    ("Parquet", "parquet", "border-events.parquet", "application/vnd.apache.parquet", ":material/dataset:"),
    ("HTML map", "html", "border-events.html", "text/html", ":material/public:"),
)


def extract_with_progress(store: Store, items: list, label: str):
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


def reset_filters() -> None:
    """Back to the defaults (bound widgets take their value from session state, then update the URL)."""
    st.session_state.update(DEFAULTS)
    if "_bounds" in st.session_state:
        st.session_state["dates"] = st.session_state["_bounds"]


def sidebar(choices: Callable[[bool], dict]) -> tuple[Filters, dict]:
    """The filter widgets (bound to the URL) -> Filters, plus page options. `choices(background)` gives the
    filters' options (date bounds, countries, sources, store counts)."""
    info = choices(bool(st.session_state.get("background") or st.query_params.get("background")))
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
        codes = [c for c in st.query_params.get_all("country") if c in info["country"]]
        if codes and "country" not in st.session_state:  # a hand-made link may say ?country=KR
            st.session_state["country"] = codes
        countries = st.multiselect(
            "Country",
            info["country"],
            format_func=country_label,
            key="country",
            placeholder="All countries (type a name or code)",
            **BIND,
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


def add_articles(ingest: Callable[[list, str], object]) -> None:
    """Upload files or paste an article; `ingest(items, label)` extracts and stores them."""
    from events.readers import read_paths, text_article

    with st.sidebar.expander("Add articles"):
        files = st.file_uploader(
            "Files: text (first line title), HTML, RSS/Atom, CSV, JSONL",
            type=sorted(suffix.lstrip(".") for suffix in SUFFIXES),
            accept_multiple_files=True,
        )
        pasted = st.text_area("…or paste an article (first line is the title)", height=120)
        published = st.date_input(
            "Its publication date",
            value=None,
            help="Empty: unknown, unless the text has a dateline date; weekdays in the text are read from it",
        )
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
                items.append(text_article(pasted, "pasted text", published))
            except ValueError as exc:
                items.append(exc)
        summary = ingest(items, "Extracting")
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
            "country": frame["country"].map(country_label, na_action="ignore"),
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


def downloads(exported: Callable[[str], bytes]) -> None:
    """One button per format; `exported(fmt)` writes the file when its button is clicked, not on every rerun
    (10,000 events: seconds each)."""
    cols = st.columns([1] * len(DOWNLOADS) + [1])
    for col, (label, fmt, name, mime, icon) in zip(cols, DOWNLOADS):
        col.download_button(
            label,
            partial(exported, fmt),
            name,
            mime,
            icon=icon,
            key=f"dl_{fmt}",
            on_click="ignore",
            width="stretch",
        )
    st.caption(
        "Downloads hold the filtered events with provenance (article, sentence, offsets, "
        "precision) and the filter used. The HTML map opens offline."
    )


# A zero-height component (same origin as the page) that scrolls the page's map iframe into view: again after
# the rerun has settled, which may redraw the map's iframe. {focus} (a hash of the row's id) makes each row's
# script new, so it runs.
SCROLL_TO_MAP = """<script>/* {focus} */
function toMap() {{
  const map = window.parent.document.querySelector('iframe[title="streamlit_folium.st_folium"]');
  if (map) map.scrollIntoView({{block: "center"}});
}}
[0, 400, 1200, 2500].forEach(t => setTimeout(toMap, t));
</script>"""

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
/* The map fits the window under the title and metrics, so its first view is seen whole without scrolling. */
iframe[title="streamlit_folium.st_folium"] { height: clamp(380px, calc(100vh - 230px), 640px) !important; }
</style>"""
