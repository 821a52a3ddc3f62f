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
from dataclasses import dataclass, field
from datetime import date
from functools import cache
from itertools import pairwise
from pathlib import Path
from types import SimpleNamespace

import folium
import pandas as pd
from branca.element import MacroElement
from folium.elements import JSCSSMixin
from folium.template import Template

from events import assets
from events import config as settings
from events.config import DATA_DIR
from events.errors import ConfigError
from events.geo.distance import great_circle_km
from events.grid import grid_cells
from events.models import ontology
from events.popups import plain, popup_html, story_html, type_label, when_text

HERE = Path(__file__).resolve().parent
BASEMAP_DIR = DATA_DIR / "basemap"
BASEMAP_LAYERS = ("countries", "korea_dmz_mdl")
MAX_POINTS = 3000  # beyond this many mappable events, draw grid cells instead of single markers
OSM_TILES = "https://tile.openstreetmap.org/{z}/{x}/{y}.png"
OSM_ATTRIBUTION = '&copy; <a href="https://www.openstreetmap.org/copyright">OpenStreetMap</a> contributors'


def tile_layer(setting: str) -> dict | None:
    """EVENTS_TILES -> the tile layer drawn over the offline basemap: none ('offline'), OpenStreetMap ('osm'),
    or a user's tile server ('https://tiles.example.org/{z}/{x}/{y}.png')."""
    if setting == "offline":
        return None
    if setting == "osm":
        return {"name": "OpenStreetMap", "url": OSM_TILES, "attribution": OSM_ATTRIBUTION}
    if setting.startswith(("http://", "https://")) and all(k in setting for k in ("{z}", "{x}", "{y}")):
        return {"name": "Tiles", "url": setting, "attribution": ""}
    raise ConfigError(
        f"EVENTS_TILES={setting!r}: not 'offline', 'osm' or a tile URL template with {{z}}, {{x}} and {{y}}"
    )


@dataclass(frozen=True)
class MapPlan:
    """What the map draws: the events one by one, or grid cells when there are too many (too_many)."""

    total: int  # events matching the filters
    mapped: int  # of them with coordinates
    aggregated: bool
    points: pd.DataFrame  # the mappable events, drawn one by one (empty when aggregated)
    grid: list = field(default_factory=list)  # grid cells to draw (aggregated only)
    cell_deg: float = 0.0
    centre: tuple[float, float] = (30.0, 20.0)  # where the map opens before it fits the points

    @property
    def cells(self) -> int:
        """How many grid cells the map draws."""
        return len(self.grid)

    @property
    def unit(self) -> str:
        """What a point is: an incident (incidents.group_incidents rows) or an event."""
        return "incidents" if "event_ids" in self.points.columns else "events"

    def line(self) -> str:
        """One sentence for the page."""
        text = f"{self.mapped} of {self.total} {self.unit} have coordinates"
        if self.aggregated:
            text += (
                f"; too many to draw one by one, so they are aggregated into {self.cells} grid cells of "
                f"{self.cell_deg:g}°. Narrow the filters to see single events"
            )
        return text + "."


def too_many(n_events: int, max_points: int | None = None) -> bool:
    """The one decision between single events and grid cells (the page asks it before loading rows)."""
    return n_events > (MAX_POINTS if max_points is None else max_points)


def plan_map(
    events: pd.DataFrame,
    *,
    cells: pd.DataFrame | None = None,
    cell_deg: float = 0.125,
    total: int | None = None,
    max_points: int | None = None,
) -> MapPlan:
    """What to draw for these events (rows as Store.query returns them), or for `cells` (Store.aggregate rows,
    `cell_deg` wide) when the page did not load every matching event; `total` counts the matching events."""
    max_points = MAX_POINTS if max_points is None else max_points  # read at run time (tests lower it)
    budget = max_points // 4  # a quarter of the point budget: readable cells, far under it
    if cells is not None:
        grid, deg = grid_cells(cells, budget, cell_deg)
        mapped = int(cells["count"].sum())
        n = mapped if total is None else total
        return MapPlan(n, mapped, True, _mappable(events.iloc[0:0]), grid, deg, _centre(cells))
    mapped = _mappable(events)
    n = len(events) if total is None else total
    if not too_many(len(mapped), max_points):
        return MapPlan(n, len(mapped), False, mapped, centre=_centre(mapped))
    grid, deg = grid_cells(mapped, budget)
    return MapPlan(n, len(mapped), True, mapped.iloc[0:0], grid, deg, _centre(mapped))


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
    what: pd.DataFrame | MapPlan,
    *,
    focus: str | None = None,
    story: bool = False,
    timeline: bool = True,
    routes: bool = True,
    heat: bool = False,
    title: str = "",
    inline_basemap: bool = False,
) -> folium.Map:
    """A Leaflet map of a plan (plan_map), or of events (rows as returned by Store.query); `focus` is an event
    id to open. The Natural Earth basemap is linked as static files unless `inline_basemap` (standalone
    files)."""
    plan = what if isinstance(what, MapPlan) else plan_map(what)
    m = folium.Map(
        location=list(plan.centre),
        zoom_start=3,
        tiles=None,
        prefer_canvas=False,
        control_scale=True,
        world_copy_jump=True,
    )
    m.options["maxZoom"] = 18  # MarkerCluster needs it when the map has no tile layer of its own
    m.options["minZoom"] = 1
    m.options["zoomSnap"] = 0.25  # the first view fits the events as closely as the controls allow
    # Only Leaflet itself: folium's defaults (jQuery, Bootstrap, awesome-markers, Font Awesome) come from CDNs
    # and nothing here uses them; icons are inline SVG.
    m.default_js = [("leaflet", assets.url("leaflet/leaflet.js"))]
    m.default_css = [("leaflet_css", assets.url("leaflet/leaflet.css"))]
    config = {
        "types": _type_styles(),
        "basemap": _basemap()
        if inline_basemap
        else {name: assets.url(f"basemap/{name}.geojson") for name in BASEMAP_LAYERS},
        "tiles": tile_layer(settings.get("EVENTS_TILES")),
        "options": {
            "timeline": timeline and not plan.aggregated,
            "story": story and not plan.aggregated,
            "heat": heat,
            "focus": focus,
            "unit": plan.unit,
            "title": html.escape(title),
        },  # JS puts it in innerHTML
        "events": [],
        "cells": plan.grid,
        "routes": [],
    }
    if plan.aggregated:
        config["options"]["note"] = (
            f"{sum(c['n'] for c in plan.grid)} events in {plan.cells} cells of {plan.cell_deg:g}°"
        )
    else:
        rows = plan.points.to_dict("records")
        config["events"] = [_event_record(SimpleNamespace(**row), story) for row in rows]
        if routes:
            config["routes"] = _routes(plan.points)
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
        "tip": html.escape(f"{type_label(row.type)} · {row.place or 'unknown place'} · {when_text(row)}"),
        "popup": popup_html(row),
        "story": story_html(row) if story else "",
    }


ROUTE_TYPES = {"defection", "border_crossing", "detention", "arrival", "repatriation"}  # people on the move
ROUTE_MAX_KM = 600  # longer legs are usually two stories in one article, not one journey


def _routes(frame: pd.DataFrame) -> list[dict]:
    """Per article, its movement events (precisely placed) in seq order joined by a line of legs, an arrow on
    each."""
    moving = frame[frame["type"].isin(ROUTE_TYPES) & frame["geo_precision"].isin(("exact", "near"))]
    by_article: dict[str, list[dict]] = {}
    for row in moving.sort_values(["article_id", "seq"]).to_dict("records"):
        by_article.setdefault(str(row["article_id"]), []).append(row)
    out = []
    for article_id, rows in by_article.items():
        points, ids = [], []  # ids: the event at each point, so a leg shows only while both its ends do
        for row in rows:
            point = (round(float(row["lat"]), 5), round(float(row["lon"]), 5))
            if points and point == points[-1]:
                continue
            if points and great_circle_km(*points[-1], *point) > ROUTE_MAX_KM:
                break
            points.append(point)
            ids.append(str(row["id"]))
        if len(points) < 2:
            continue
        arrows = [
            {"lat": (a[0] + b[0]) / 2, "lon": (a[1] + b[1]) / 2, "angle": _bearing(a, b)}
            for a, b in pairwise(points)
        ]
        title = plain(rows[0]["title"]) or article_id
        out.append(
            {
                "points": points,
                "ids": ids,
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


def _type_styles() -> dict:
    return {
        t: {"label": row["label"], "colour": row["colour"], "svg": _icon_svg(t, 14)}
        for t, row in ontology().items()
    }


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


def _centre(frame: pd.DataFrame) -> tuple[float, float]:
    if frame.empty:
        return (30.0, 20.0)
    return (float(frame["lat"].median()), float(frame["lon"].median()))


def _day(value) -> int | None:
    """Days since 1970-01-01 of a YYYY-MM-DD string, for the timeline slider."""
    value = plain(value)
    if not value:
        return None
    try:
        return date.fromisoformat(str(value)[:10]).toordinal() - date(1970, 1, 1).toordinal()
    except ValueError:
        return None


def _json_for_script(value) -> str:
    """JSON safe inside <script>: '</' and '<!--' cannot appear, so nothing in it can end the script."""
    text = json.dumps(value, ensure_ascii=False, separators=(",", ":"))
    return (
        text.replace("</", "<\\/")
        .replace("<!--", "<\\u0021--")
        .replace("\u2028", "\\u2028")
        .replace("\u2029", "\\u2029")
    )
