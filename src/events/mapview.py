"""build_map(events) -> folium.Map: markers by type, clusters, popups, legend, heat, routes, timeline, story.

The events travel to the page as one JSON document read by mapview.js (a Leaflet script shipped beside this
module), not as thousands of folium elements: the map renders in milliseconds and the st_folium script stays
stable between reruns. Everything taken from an article is HTML-escaped here, before it reaches the page.
No Streamlit import: the same map is shown by the dashboard and saved by `export.to_html`.
"""

import html
import json
import math
import re
from dataclasses import dataclass
from datetime import date
from functools import cache
from itertools import pairwise
from pathlib import Path
from types import SimpleNamespace
from urllib.parse import urlparse

import folium
import pandas as pd
from branca.element import MacroElement
from folium.elements import JSCSSMixin
from folium.template import Template

from events import assets
from events.config import DATA_DIR
from events.geo.distance import great_circle_km
from events.models import ontology

HERE = Path(__file__).resolve().parent
BASEMAP_DIR = DATA_DIR / "basemap"
BASEMAP_LAYERS = ("countries", "korea_dmz_mdl")
MAX_POINTS = 3000  # beyond this many mappable events, draw grid cells instead of single markers
ICON_SLOT = '<i class="ev-ico"></i>'  # mapview.js puts the type's SVG here: one copy per type, not per event
OSM_TILES = "https://tile.openstreetmap.org/{z}/{x}/{y}.png"
OSM_ATTRIBUTION = '&copy; <a href="https://www.openstreetmap.org/copyright">OpenStreetMap</a> contributors'
PRECISION_NOTE = {
    "exact": "exact place",
    "near": "near the place",
    "region": "somewhere in the region",
    "country": "somewhere in the country",
    "unknown": "place unknown",
}


@dataclass(frozen=True)
class MapSummary:
    """What the map shows: how many events, how many have coordinates, and whether they were aggregated."""

    total: int
    mapped: int
    aggregated: bool
    cells: int = 0
    cell_deg: float = 0.0

    def line(self) -> str:
        """One sentence for the page."""
        text = f"{self.mapped} of {self.total} events have coordinates"
        if self.aggregated:
            text += (
                f"; too many to draw one by one, so they are aggregated into {self.cells} grid cells of "
                f"{self.cell_deg:g}°. Narrow the filters to see single events"
            )
        return text + "."


def summarize(
    events: pd.DataFrame,
    max_points: int = MAX_POINTS,
    *,
    cells: pd.DataFrame | None = None,
    cell_deg: float = 0.125,
    total: int | None = None,
) -> MapSummary:
    """Count what build_map will draw, and say whether it aggregates (always, given Store.aggregate cells)."""
    if cells is not None:
        grid, deg = _grid(cells, max_points // 4, cell_deg)
        mapped = int(cells["count"].sum())
        return MapSummary(mapped if total is None else total, mapped, True, len(grid), deg)
    mapped = _mappable(events)
    if len(mapped) <= max_points:
        return MapSummary(len(events), len(mapped), False)
    cells, deg = _grid(mapped, max_points // 4)
    return MapSummary(len(events), len(mapped), True, len(cells), deg)


class EventLayer(JSCSSMixin, MacroElement):
    """Everything drawn on the map, as data for mapview.js; its assets are Leaflet plugins served locally."""

    _template = Template("""
        {% macro header(this, kwargs) %}<style>{{ this.css }}</style>{% endmacro %}
        {% macro script(this, kwargs) %}
        (function () {
            var map = {{ this._parent.get_name() }};
            var cfg = {{ this.config }};
            {{ this.js }}
        })();
        {% endmacro %}
    """)

    def __init__(self, config: dict):
        super().__init__()
        self._name = "EventLayer"
        self.config = _json_for_script(config)
        self.js = (HERE / "mapview.js").read_text(encoding="utf-8")
        self.css = (HERE / "mapview.css").read_text(encoding="utf-8")
        self.default_js = [
            ("markercluster", assets.url("markercluster/leaflet.markercluster.js")),
            ("leaflet_heat", assets.url("heat/leaflet-heat.js")),
        ]
        self.default_css = [
            ("markercluster_css", assets.url("markercluster/MarkerCluster.css")),
            ("markercluster_default_css", assets.url("markercluster/MarkerCluster.Default.css")),
        ]


def build_map(
    events: pd.DataFrame,
    *,
    focus: str | None = None,
    story: bool = False,
    timeline: bool = True,
    routes: bool = True,
    heat: bool = False,
    tiles: bool = True,
    max_points: int = MAX_POINTS,
    title: str = "",
    inline_basemap: bool = False,
    cells: pd.DataFrame | None = None,
    cell_deg: float = 0.125,
) -> folium.Map:
    """A Leaflet map of the events (rows as returned by Store.query); `focus` is an event id to open.

    Given `cells` (Store.aggregate(filters, cell_deg) rows) it draws those grid cells and ignores `events`:
    the page need not load a million rows. The Natural Earth basemap is linked as static files unless
    `inline_basemap` (standalone files)."""
    mapped = _mappable(events) if cells is None else cells
    aggregated = cells is not None or len(mapped) > max_points
    m = folium.Map(
        location=_centre(mapped),
        zoom_start=3,
        tiles=None,
        prefer_canvas=False,
        control_scale=True,
        world_copy_jump=True,
    )
    m.options["maxZoom"] = 18  # MarkerCluster needs it when the map has no tile layer of its own
    m.options["minZoom"] = 2
    # Only Leaflet itself: folium's defaults (jQuery, Bootstrap, awesome-markers, Font Awesome) come from CDNs
    # and nothing here uses them; icons are inline SVG.
    m.default_js = [("leaflet", assets.url("leaflet/leaflet.js"))]
    m.default_css = [("leaflet_css", assets.url("leaflet/leaflet.css"))]
    config = {
        "types": _type_styles(),
        "basemap": _basemap()
        if inline_basemap
        else {name: assets.url(f"basemap/{name}.geojson") for name in BASEMAP_LAYERS},
        "tiles": {"url": OSM_TILES, "attribution": OSM_ATTRIBUTION} if tiles else None,
        "options": {
            "timeline": timeline and not aggregated,
            "story": story and not aggregated,
            "heat": heat,
            "focus": focus,
            "title": html.escape(title),
        },  # JS puts it in innerHTML
        "events": [],
        "cells": [],
        "routes": [],
    }
    if aggregated:
        # A quarter of the point budget: readable cells, far under it.
        grid, deg = _grid(mapped, max_points // 4, cell_deg if cells is not None else 0.125)
        config["cells"] = grid
        config["options"]["note"] = f"{sum(c['n'] for c in grid)} events in {len(grid)} cells of {deg:g}°"
    else:
        config["events"] = [_event_record(SimpleNamespace(**row), story) for row in mapped.to_dict("records")]
        if routes:
            config["routes"] = _routes(mapped)
    EventLayer(config).add_to(m)
    return m


# -- records for the page -------------------------------------------------------------------------------


def _event_record(row, story: bool) -> dict:
    start, end = _day(row.date_start) or _day(row.date), _day(row.date_end) or _day(row.date)
    start = start if start is not None else end
    end = end if end is not None else start
    return {
        "id": str(row.id),
        "lat": round(float(row.lat), 5),
        "lon": round(float(row.lon), 5),
        "type": row.type,
        "start": start,
        "end": end,
        "prec": row.geo_precision,
        "article": str(row.article_id),
        "seq": int(row.seq),
        "tip": html.escape(f"{_label(row.type)} · {row.place or 'unknown place'} · {_when(row)}"),
        "popup": popup_html(row),
        "story": story_html(row) if story else "",
    }


def popup_html(row) -> str:
    """The popup of one event; every value from the article is escaped."""
    style = ontology().get(row.type, {})
    actors = ", ".join(a.get("text", "") for a in (_val(row.actors) or []) if isinstance(a, dict))
    conf = float(_val(row.confidence) or 0.0)
    parts = [
        (
            f'<div class="ev-pop"><div class="ev-pop-type" style="background:{style.get("colour", "#555")}">'
            f"{ICON_SLOT}<span>{html.escape(_label(row.type))}</span></div>"
        ),
        _field("When", html.escape(_when(row)), row.date_precision),
        _field("Where", html.escape(_where(row)) + _located_by(row), row.geo_precision),
    ]
    if actors:
        parts.append(_field("Who", html.escape(actors)))
    parts.append(f'<blockquote class="ev-sentence">{highlight(row)}</blockquote>')
    parts.append(
        f'<div class="ev-conf"><span>Confidence {conf:.2f}</span>'
        f'<span class="ev-bar"><i style="width:{conf * 100:.0f}%"></i></span></div>'
    )
    reports = _val(getattr(row, "sources", None)) or []
    if len(reports) > 1:  # an incident: every report that told it
        items = "".join(
            f"<li>{source_link(_val(r.get('title')) or '', _val(r.get('url')) or '')}{_source_note(r)}</li>"
            for r in reports
        )
        parts.append(f'<div class="ev-src">Reported by {len(reports)} articles<ol>{items}</ol></div></div>')
    else:
        parts.append(
            f'<div class="ev-src">{source_link(_val(row.title) or "", _val(row.url) or "")}'
            f"{_source_note(row)}</div></div>"
        )
    return "".join(parts)


def story_html(row) -> str:
    """The large card of one event in presentation mode (escaped like the popup)."""
    style = ontology().get(row.type, {})
    return (
        f'<div class="ev-story-head"><span class="ev-chip" style="background:{style.get("colour", "#555")}">'
        f"{ICON_SLOT} {html.escape(_label(row.type))}</span>"
        f"<span>{html.escape(_when(row))}</span><span>{html.escape(_where(row))}</span></div>"
        f'<div class="ev-story-sentence">{highlight(row)}</div>'
        f'<div class="ev-story-src">{source_link(_val(row.title) or "", _val(row.url) or "")}</div>'
    )


def highlight(row) -> str:
    """The sentence, escaped, with the trigger wrapped in <mark> by its offsets (escape first, then wrap)."""
    sentence = str(row.sentence)
    a, b = _val(row.trigger_start), _val(row.trigger_end)
    lo = hi = None
    if a is not None and b is not None:
        lo, hi = int(a) - int(row.start), int(b) - int(row.start)
        if not (0 <= lo < hi <= len(sentence)):
            lo = hi = None
    trigger = _val(row.trigger) or ""
    if lo is None and trigger:  # offsets missing or stale: fall back to the first match of the word
        found = sentence.lower().find(trigger.lower())
        if found >= 0:
            lo, hi = found, found + len(trigger)
    if lo is None:
        return html.escape(sentence.strip())
    # A blanked dateline leaves spaces before the sentence: trim them, keeping the trigger's place.
    lead, tail = len(sentence) - len(sentence.lstrip()), len(sentence.rstrip())
    lo, hi = max(lo, lead), min(hi, tail)
    return (
        html.escape(sentence[lead:lo])
        + "<mark>"
        + html.escape(sentence[lo:hi])
        + "</mark>"
        + html.escape(sentence[hi:tail])
    )


def source_link(title: str, url: str) -> str:
    """The article's title, linked only when the URL is http(s): never javascript: or data:."""
    text = html.escape(title or url or "source article")
    if urlparse(url.strip()).scheme.lower() in ("http", "https"):
        return f'<a href="{html.escape(url.strip(), quote=True)}" target="_blank" rel="noopener noreferrer">{text}</a>'
    return f"<span>{text}</span>"


def _located_by(row) -> str:
    """Where the place came from, when not the event's own sentence (a dateline, the previous sentence)."""
    source = str(_val(getattr(row, "location_source", "")) or "")
    if source in ("", "sentence", "none"):
        return ""
    return f' <span class="ev-muted">(from the {html.escape(source.replace("_", " "))})</span>'


def _source_note(row) -> str:
    """ " · source · published" of an event row or of one report (a dict) of an incident."""
    get = row.get if isinstance(row, dict) else lambda name: getattr(row, name, None)
    bits = [html.escape(str(v)) for v in (_val(get("source")), _val(get("published"))) if v]
    return f'<span class="ev-muted"> · {" · ".join(bits)}</span>' if bits else ""


def _field(name: str, value_html: str, precision: str | None = None) -> str:
    badge = f' <span class="ev-prec">{html.escape(str(precision))}</span>' if precision else ""
    return f'<div class="ev-field"><b>{name}</b><span>{value_html}{badge}</span></div>'


def _when(row) -> str:
    d, lo, hi = _val(row.date), _val(row.date_start), _val(row.date_end)
    if d and (row.date_precision == "day" or not (lo and hi)):
        return str(d)
    if lo and hi and lo != hi:
        return f"{lo} – {hi}"
    return str(d or lo or hi or "date unknown")


def _where(row) -> str:
    place = _val(row.place) or "unknown place"
    country = _val(row.country)
    return f"{place} ({country})" if country and country not in place else place


ROUTE_TYPES = {"defection", "border_crossing", "detention", "arrival", "repatriation"}  # people on the move
ROUTE_MAX_KM = 600  # longer legs are usually two stories in one article, not one journey


def _routes(frame: pd.DataFrame) -> list[dict]:
    """Per article, its movement events (precisely placed) in seq order joined by a line; an arrow per leg."""
    moving = frame[frame["type"].isin(ROUTE_TYPES) & frame["geo_precision"].isin(("exact", "near"))]
    by_article: dict[str, list[dict]] = {}
    for row in moving.sort_values(["article_id", "seq"]).to_dict("records"):
        by_article.setdefault(str(row["article_id"]), []).append(row)
    out = []
    for article_id, rows in by_article.items():
        points = []
        for row in rows:
            point = (round(float(row["lat"]), 5), round(float(row["lon"]), 5))
            if points and point == points[-1]:
                continue
            if points and great_circle_km(*points[-1], *point) > ROUTE_MAX_KM:
                break
            points.append(point)
        if len(points) < 2:
            continue
        arrows = [
            {"lat": (a[0] + b[0]) / 2, "lon": (a[1] + b[1]) / 2, "angle": _bearing(a, b)}
            for a, b in pairwise(points)
        ]
        title = _val(rows[0]["title"]) or article_id
        out.append(
            {
                "points": points,
                "arrows": arrows,
                "tip": html.escape(f"Sequence in: {title}"),
                "colour": ontology().get(rows[0]["type"], {}).get("colour", "#444"),
            }
        )
    return out


def _bearing(a: tuple[float, float], b: tuple[float, float]) -> float:
    """Screen angle (degrees clockwise from east) of the leg a->b in Web Mercator, the same at every zoom."""

    def merc(lat: float) -> float:
        return math.log(math.tan(math.pi / 4 + math.radians(max(min(lat, 85), -85)) / 2))

    dx = math.radians(b[1] - a[1])
    dy = merc(b[0]) - merc(a[0])
    return round(math.degrees(math.atan2(-dy, dx)), 1)


def _grid(frame: pd.DataFrame, max_cells: int, deg: float = 0.125) -> tuple[list[dict], float]:
    """Aggregate into square lat/lon cells, growing the cell from `deg` until at most max_cells remain.

    Rows are single events, or Store.aggregate cell counts (a `count` column, cells of `deg` degrees, each
    at its events' mean position): a cell of a power-of-two multiple of `deg` holds whole smaller cells."""
    work = frame[["lat", "lon", "type", "date_start", "date_end"]].copy()
    work["n"] = frame["count"].astype(int).values if "count" in frame else 1
    while True:
        gx, gy = (work["lon"] // deg).astype(int), (work["lat"] // deg).astype(int)
        if len(set(zip(gx, gy))) <= max_cells or deg >= 20:
            break
        deg *= 2
    work = work.assign(gx=gx.values, gy=gy.values, wlat=work["lat"] * work["n"], wlon=work["lon"] * work["n"])
    cells = work.groupby(["gx", "gy"]).agg(
        wlat=("wlat", "sum"),
        wlon=("wlon", "sum"),
        n=("n", "sum"),
        lo=("date_start", "min"),
        hi=("date_end", "max"),
    )
    by_type: dict[tuple, list] = {}
    for (x, y, event_type), n in work.groupby(["gx", "gy", "type"])["n"].sum().items():
        by_type.setdefault((x, y), []).append((int(n), event_type))
    out = []
    for (x, y), cell in zip(cells.index, cells.itertuples(index=False)):
        counts = sorted(by_type[(x, y)], reverse=True)
        lines = "".join(f"<li>{n} {html.escape(_label(t))}</li>" for n, t in counts[:6])
        span = f"{html.escape(str(_val(cell.lo) or '?'))} – {html.escape(str(_val(cell.hi) or '?'))}"
        out.append(
            {
                "lat": round(float(cell.wlat / cell.n), 4),
                "lon": round(float(cell.wlon / cell.n), 4),
                "n": int(cell.n),
                "box": [
                    [round(y * deg, 4), round(x * deg, 4)],
                    [round((y + 1) * deg, 4), round((x + 1) * deg, 4)],
                ],
                "type": counts[0][1],
                "counts": {t: n for n, t in counts},
                "popup": (
                    f'<div class="ev-pop ev-cell"><b>{int(cell.n)} events</b> in this {deg:g}° cell'
                    f'<ul>{lines}</ul><span class="ev-muted">{span}</span><br>'
                    "Narrow the filters to see single events.</div>"
                ),
            }
        )
    return out, round(deg, 4)


def cell_size(south: float, north: float, west: float, east: float) -> float:
    """The cell for Store.aggregate over this extent: 0.125° times a power of two, about 1/256 of its span.

    Divides 90 and 180 up to 4°, so the SQL cells nest in build_map's cells."""
    span = max(north - south, east - west, 0.0)
    deg = 0.125
    while deg < span / 256 and deg < 4:
        deg *= 2
    return deg


# -- styles, icons and the basemap ----------------------------------------------------------------------


def _type_styles() -> dict:
    return {
        t: {"label": row["label"], "colour": row["colour"], "svg": _icon_svg(t, 14)}
        for t, row in ontology().items()
    }


def _label(event_type: str) -> str:
    return ontology().get(event_type, {}).get("label", event_type)


@cache
def _icon_svg(event_type: str, size: int) -> str:
    """The type's Font Awesome icon (from the xstatic package, CC BY 4.0) as inline white SVG."""
    name = ontology().get(event_type, {}).get("icon", "circle")
    path = _fa_path(name) or _fa_path("circle")
    if path is None:
        return ""
    view_box, d = path
    return (
        f'<svg viewBox="{view_box}" width="{size}" height="{size}" aria-hidden="true">'
        f'<path fill="currentColor" d="{d}"/></svg>'
    )


@cache
def _fa_path(name: str) -> tuple[str, str] | None:
    base = assets._xstatic("font_awesome") / "svgs" / "solid"
    svg = base / f"{name}.svg"
    if not svg.exists():  # ontology icons may use Font Awesome 4 names or aliases: map them to FA 6 names
        svg = base / f"{_fa_aliases().get(name, name)}.svg"
    if not svg.exists():
        return None
    text = svg.read_text(encoding="utf-8")
    view_box = re.search(r'viewBox="([^"]+)"', text).group(1)
    return view_box, re.search(r' d="([^"]+)"', text).group(1)


@cache
def _fa_aliases() -> dict[str, str]:
    """Old or alias icon name -> current name, from Font Awesome's own metadata (shims and aliases)."""
    meta = assets._xstatic("font_awesome") / "metadata"
    found = {}
    for name, row in json.loads((meta / "icons.json").read_text(encoding="utf-8")).items():
        for alias in (row.get("aliases") or {}).get("names", []):
            found.setdefault(alias, name)
    for old, _style, new in json.loads((meta / "shims.json").read_text(encoding="utf-8")):
        if new:
            found.setdefault(old, new)
    return found


@cache
def _basemap() -> dict:
    return {
        name: json.loads((BASEMAP_DIR / f"{name}.geojson").read_text(encoding="utf-8"))
        for name in BASEMAP_LAYERS
    }


# -- small helpers --------------------------------------------------------------------------------------


def _mappable(events: pd.DataFrame) -> pd.DataFrame:
    if events.empty:
        return events
    return events[events["lat"].notna() & events["lon"].notna()]


def _centre(frame: pd.DataFrame) -> list[float]:
    if frame.empty:
        return [30.0, 20.0]
    return [float(frame["lat"].median()), float(frame["lon"].median())]


def _day(value) -> int | None:
    """Days since 1970-01-01 of a YYYY-MM-DD string, for the timeline slider."""
    value = _val(value)
    if not value:
        return None
    try:
        return date.fromisoformat(str(value)[:10]).toordinal() - date(1970, 1, 1).toordinal()
    except ValueError:
        return None


def _val(value):
    """None for missing values (None, NaN, NaT), the value otherwise."""
    if value is None:
        return None
    if isinstance(value, float) and math.isnan(value):
        return None
    if value is pd.NaT:
        return None
    return value


def _json_for_script(value) -> str:
    """JSON safe inside <script>: '</' and '<!--' cannot appear, so nothing in it can end the script."""
    text = json.dumps(value, ensure_ascii=False, separators=(",", ":"))
    return (
        text.replace("</", "<\\/")
        .replace("<!--", "<\\u0021--")
        .replace("\u2028", "\\u2028")
        .replace("\u2029", "\\u2029")
    )
