"""Grid cells for more events than the map can draw one by one: square cells of a size that follows the
extent, each with its count, its types and its date span."""

import html

import pandas as pd

from events.popups import plain, type_label


def grid_cells(frame: pd.DataFrame, max_cells: int, deg: float = 0.125) -> tuple[list[dict], float]:
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
        lines = "".join(f"<li>{n} {html.escape(type_label(t))}</li>" for n, t in counts[:6])
        span = f"{html.escape(str(plain(cell.lo) or '?'))} – {html.escape(str(plain(cell.hi) or '?'))}"
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
