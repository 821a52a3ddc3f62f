"""Write filtered events as CSV, GeoJSON (RFC 7946), JSONL (the extract contract), Parquet or a standalone HTML
map.

Each writer takes the frame returned by Store.query and a text file object; `export` picks one by name and adds
each event's CAMEO and PLOVER codes (`coded`); `to_bytes` gives a whole file, as the page offers it.
"""

import csv
import io
import json
import math
import re
from dataclasses import fields
from datetime import UTC, datetime
from typing import TextIO

import pandas as pd

from events import assets, mapview
from events.errors import InputError
from events.models import CONTRACT, ontology
from events.store import Filters

FORMATS = ("csv", "geojson", "jsonl", "html", "parquet")
CODES = ("cameo", "plover")  # each type's codes in the CAMEO and PLOVER event ontologies (data/ontology.json)
CSV_COLUMNS = [
    "id",
    "article_id",
    "seq",
    "type",
    "date",
    "date_start",
    "date_end",
    "date_precision",
    "place",
    "lat",
    "lon",
    "country",
    "geo_precision",
    "location_source",
    "actors",
    "confidence",
    "background",
    "cameo",
    "plover",
    "sentence",
    "start",
    "end",
    "trigger",
    "trigger_start",
    "trigger_end",
    "rule",
    "title",
    "url",
    "source",
    "published",
]
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
INT_FIELDS = (
    "seq",
    "start",
    "end",
    "trigger_start",
    "trigger_end",
)  # pandas turns them to float beside a null


def export(frame: pd.DataFrame, fmt: str, out: TextIO, filters: Filters | None = None) -> None:
    """Write `frame` to the text file `out` in format `fmt` (csv, geojson, jsonl, html), with the `filters` used."""
    writers = {"csv": to_csv, "geojson": to_geojson, "jsonl": to_jsonl, "html": to_html}
    if fmt not in writers:
        raise InputError(f"export format {fmt!r}: not a text format; text formats: {', '.join(writers)}")
    writers[fmt](coded(frame), out, filters)


def to_bytes(frame: pd.DataFrame, fmt: str, filters: Filters | None = None) -> bytes:
    """A whole file in any of FORMATS (Parquet is binary, the others UTF-8 text)."""
    if fmt == "parquet":
        buffer = io.BytesIO()
        to_parquet(frame, buffer, filters)
        return buffer.getvalue()
    out = io.StringIO()
    export(frame, fmt, out, filters)
    return out.getvalue().encode("utf-8")


def to_parquet(frame: pd.DataFrame, out, filters: Filters | None = None) -> int:
    """A Parquet file (path or binary stream) with each type's codes and the filters in its metadata."""
    from events.parquet import to_parquet as write  # pyarrow only when Parquet is asked for

    return write(coded(frame), out, describe(filters))


def coded(frame: pd.DataFrame) -> pd.DataFrame:
    """The frame with each event type's CAMEO and PLOVER codes as columns."""
    types = ontology()
    return frame.assign(
        **{code: frame["type"].map(lambda t, c=code: types.get(t, {}).get(c)) for code in CODES}
    )


def describe(filters: Filters | None) -> dict:
    """The filters as a plain dict (non-empty fields only), with the time of export."""
    used = {}
    if filters is not None:
        for f in fields(filters):
            value = getattr(filters, f.name)
            if value not in (None, "", (), 0.0, False):
                used[f.name] = list(value) if isinstance(value, tuple) else value
    return {"filter": used, "exported_at": datetime.now(UTC).isoformat(timespec="seconds")}


def to_csv(frame: pd.DataFrame, out: TextIO, filters: Filters | None = None) -> None:
    """One row per event with provenance columns and the filters used (a JSON column, so plain CSV readers
    still work); cells that a spreadsheet would run as a formula get a leading '."""
    used = json.dumps(describe(filters)["filter"], ensure_ascii=False, sort_keys=True)
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(CSV_COLUMNS + ["filter"])
    for row in frame.to_dict("records"):
        writer.writerow([_cell(_csv_value(row, c)) for c in CSV_COLUMNS] + [used])


def to_geojson(frame: pd.DataFrame, out: TextIO, filters: Filters | None = None) -> None:
    """An RFC 7946 FeatureCollection ([lon, lat] order); events without coordinates get a null geometry."""
    features = []
    for row in frame.to_dict("records"):
        lat, lon = _clean(row.get("lat")), _clean(row.get("lon"))
        geometry = (
            {"type": "Point", "coordinates": [lon, lat]} if lat is not None and lon is not None else None
        )
        props = {k: _output_value(row, k) for k in row if k not in ("lat", "lon", "place_id")}
        features.append({"type": "Feature", "id": str(row["id"]), "geometry": geometry, "properties": props})
    doc = {"type": "FeatureCollection", **describe(filters), "features": features}
    json.dump(doc, out, ensure_ascii=False)
    out.write("\n")


def to_jsonl(frame: pd.DataFrame, out: TextIO, filters: Filters | None = None) -> None:
    """One event per line with the keys of Event.to_contract(), in its order, then its codes and the filters
    used (as the CSV's filter column)."""
    used = describe(filters)["filter"]
    for row in frame.to_dict("records"):
        actors = row.get("actors") or []
        record = {k: _output_value(row, k) for k in CONTRACT}
        record["actors"] = [a.get("text", "") for a in actors]
        record["actors_detail"] = actors
        record["background"] = bool(record["background"])
        record.update({code: row.get(code) for code in CODES}, filter=used)
        out.write(json.dumps(record, ensure_ascii=False) + "\n")


def to_html(frame: pd.DataFrame, out: TextIO, filters: Filters | None = None, **map_options) -> None:
    """A standalone map file: Leaflet, plugins, basemap and events inlined, so it opens from disk offline."""
    title = "Border events" + (f" ({filters_line(filters)})" if describe(filters)["filter"] else "")
    m = mapview.build_map(frame, title=title, **{"inline_basemap": True, **map_options})
    out.write(inline_assets(m.get_root().render(), title))


def inline_assets(page: str, title: str = "Border events") -> str:
    """Replace links to /app/static/... with the files' text; a link to anything else is an error."""

    def script(match: re.Match) -> str:
        return "<script>" + _local(match.group(1)).replace("</script", "<\\/script") + "</script>"

    def style(match: re.Match) -> str:
        return "<style>" + _local(match.group(1)).replace("</style", "<\\/style") + "</style>"

    page = re.sub(r'<script src="([^"]+)"></script>', script, page)
    page = re.sub(r'<link rel="stylesheet" href="([^"]+)"/>', style, page)
    head = f"<head>\n<title>{_escape(title)}</title>"
    return page.replace("<head>", head, 1)


def _local(link: str) -> str:
    if not link.startswith(assets.URL_PREFIX):
        raise InputError(f"html export: asset {link!r} is not served by the project; cannot inline it")
    return assets.inline(link[len(assets.URL_PREFIX) :])


def filters_line(filters: Filters | None) -> str:
    return "; ".join(
        f"{k}={','.join(map(str, v)) if isinstance(v, list) else v}"
        for k, v in describe(filters)["filter"].items()
    )


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _csv_value(row: dict, column: str):
    value = _output_value(row, column)
    if column == "actors":
        return "; ".join(a.get("text", "") for a in (row.get("actors") or []))
    if column == "background":
        return bool(value)
    return value


def _cell(value) -> str:
    """A CSV cell; text starting like a formula gets a leading ' (OWASP CSV injection advice)."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return str(value)
    text = str(value)
    return "'" + text if text.startswith(FORMULA_START) else text


def _output_value(row: dict, column: str):
    """A row's value ready for output: cleaned, and whole numbers back to int where the contract says int."""
    value = _clean(row.get(column))
    return int(value) if column in INT_FIELDS and value is not None else value


def _clean(value):
    """JSON-ready values: NaN and NaT to None, numpy scalars to Python ones."""
    if value is None or value is pd.NaT:
        return None
    if isinstance(value, float) and math.isnan(value):
        return None
    if hasattr(value, "item") and not isinstance(value, (list, dict, str)):
        value = value.item()
        return None if isinstance(value, float) and math.isnan(value) else value
    return value
