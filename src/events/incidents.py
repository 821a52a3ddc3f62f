"""Incidents: event mentions from several reports of the same happening, merged as ACLED merges reports.

Two events are the same incident when they are of one type family, their places are within a radius that
grows with the places' imprecision, their date ranges overlap (give or take a few days), and their actors
are compatible (no two disjoint sets of affiliations). Incidents are the connected groups of such pairs.
Works on the frame `Store.query` returns; pure functions, no I/O.
"""

import hashlib

import numpy as np
import pandas as pd
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components

# Types that are one happening seen from two sides: a soldier's defection is also a border crossing.
FAMILIES = {"defection": "crossing", "border_crossing": "crossing"}
# How far apart two reports' places may be, by the coarser of the two geo precisions (km).
RADIUS_KM = {"exact": 50.0, "near": 50.0, "region": 150.0, "country": 600.0}
SLACK_DAYS = 3  # date ranges may miss each other by this much (a report a day or two late, time zones)
MAX_SPAN_DAYS = 31  # an event dated only to a year cannot be told apart from its neighbours: never merged
GEO_RANK = {"exact": 0, "near": 1, "region": 2, "country": 3, "unknown": 4}
DATE_RANK = {"day": 0, "week": 1, "month": 2, "year": 3, "unknown": 4}
_EARTH_KM = 6371.0088


def assign_incidents(frame: pd.DataFrame, slack_days: int = SLACK_DAYS,
                     radius_km: dict[str, float] | None = None) -> pd.DataFrame:
    """A copy of an events frame with an `incident` column: events of one incident share its id."""
    radius_km = radius_km or RADIUS_KM
    out = frame.copy()
    n = len(out)
    if n == 0:
        out["incident"] = pd.Series(dtype=str)
        return out
    out = out.reset_index(drop=True)
    start, end = _day_numbers(out)
    lat = pd.to_numeric(out["lat"], errors="coerce").to_numpy(float)
    lon = pd.to_numeric(out["lon"], errors="coerce").to_numpy(float)
    radius = out["geo_precision"].map(radius_km).fillna(0.0).to_numpy(float)
    mergeable = ~np.isnan(lat) & ~np.isnan(start) & (end - start <= MAX_SPAN_DAYS) & (radius > 0)
    masks = _affiliation_masks(out["actors"] if "actors" in out else pd.Series([[]] * n))
    family = out["type"].map(lambda t: FAMILIES.get(t, t)).to_numpy()
    left, right = [], []
    for fam in np.unique(family[mergeable]):
        idx = np.flatnonzero(mergeable & (family == fam))
        idx = idx[np.argsort(start[idx], kind="stable")]
        for a, b in _time_pairs(idx, start, end, slack_days):
            ok = _distance_km(lat[a], lon[a], lat[b], lon[b]) <= np.maximum(radius[a], radius[b])
            ok &= (masks[a] == 0) | (masks[b] == 0) | ((masks[a] & masks[b]) != 0)
            left.append(a[ok])
            right.append(b[ok])
    pairs = (np.concatenate(left), np.concatenate(right)) if left else (np.array([], int), np.array([], int))
    graph = coo_matrix((np.ones(len(pairs[0]), dtype=np.int8), pairs), shape=(n, n))
    _count, roots = connected_components(graph, directed=False)
    ids = out["id"].astype(str) if "id" in out else pd.Series(np.arange(n).astype(str))
    first = pd.Series(ids.to_numpy()).groupby(roots).transform("min")  # a stable name: its smallest event id
    out["incident"] = ["inc:" + hashlib.sha1(v.encode()).hexdigest()[:12] for v in first]
    return out


def group_incidents(frame: pd.DataFrame, **options) -> pd.DataFrame:
    """One row per incident: the best-placed report's columns (so it maps like an event), the best-dated
    report's date, and n_events, n_reports, n_sources, sources, first_report, last_report, event_ids."""
    events = frame if "incident" in frame else assign_incidents(frame, **options)
    if events.empty:
        return events.assign(n_events=[], n_reports=[], n_sources=[], sources=[], first_report=[],
                             last_report=[], event_ids=[])
    events = events.assign(
        _geo=events["geo_precision"].map(GEO_RANK).fillna(4),
        _date=events["date_precision"].map(DATE_RANK).fillna(4),
        _conf=-pd.to_numeric(events.get("confidence", 0.5), errors="coerce").fillna(0),
        _report=events["published"].fillna(events["date_start"]) if "published" in events else events["date_start"],
    )
    # The best-placed report of each incident stands for it; the best-dated one gives its date.
    placed = events.sort_values(["incident", "_geo", "_conf", "_date"], kind="stable").drop_duplicates("incident")
    dated = events.sort_values(["incident", "_date", "_conf", "_geo"], kind="stable").drop_duplicates("incident")
    summary = placed.set_index("incident", drop=False)
    for column in ("date", "date_start", "date_end", "date_precision"):
        summary[column] = dated.set_index("incident")[column]
    reports = events.sort_values(["incident", "_report"], kind="stable").drop_duplicates(["incident", "article_id"])
    outlets = reports["source"].where(reports["source"].astype(bool), reports["article_id"])
    by_incident = events.groupby("incident")
    summary["id"] = summary["incident"]
    summary["n_events"] = by_incident.size()
    summary["n_reports"] = reports.groupby("incident")["article_id"].size()
    summary["n_sources"] = outlets.groupby(reports["incident"]).nunique()
    summary["first_report"] = reports.groupby("incident")["_report"].min()
    summary["last_report"] = reports.groupby("incident")["_report"].max()
    summary["event_ids"] = by_incident["id"].agg(list) if "id" in events else [[]] * len(summary)
    summary["sources"] = _sources(reports)
    summary = summary.drop(columns=["_geo", "_date", "_conf", "_report"]).reset_index(drop=True)
    return summary.sort_values(["date_start", "incident"], na_position="last", kind="stable").reset_index(drop=True)


def _sources(reports: pd.DataFrame) -> pd.Series:
    """Each incident's reports (source, title, url, published, article_id), earliest first."""
    columns = [c for c in ("source", "title", "url", "published", "article_id") if c in reports]
    records = reports[columns].to_dict("records")
    lists: dict[str, list] = {}
    for incident, record in zip(reports["incident"], records):
        lists.setdefault(incident, []).append(record)
    return pd.Series(lists, dtype=object)


def _time_pairs(idx: np.ndarray, start: np.ndarray, end: np.ndarray, slack: int, chunk: int = 2_000_000):
    """Every pair of `idx` (sorted by start day) whose date ranges overlap within `slack` days, in chunks.

    Sorted by start, a pair (i, j), j after i, overlaps iff start[j] <= end[i] + slack: each event only
    looks forward through a window found by binary search, so the work is O(n * window), not O(n^2).
    """
    stop = np.searchsorted(start[idx], end[idx] + slack, side="right")
    counts = np.maximum(stop - np.arange(len(idx)) - 1, 0)
    bounds = np.searchsorted(np.cumsum(counts), np.arange(chunk, counts.sum() + chunk, chunk), side="right")
    lo = 0
    for hi in np.unique(np.append(bounds + 1, len(idx)).clip(1, len(idx))):
        if hi <= lo:
            continue
        c = counts[lo:hi]
        first = np.repeat(np.arange(lo, hi), c)
        step = np.arange(c.sum()) - np.repeat(np.cumsum(c) - c, c)  # 0, 1, ... within each event's window
        yield idx[first], idx[first + 1 + step]
        lo = hi


def _distance_km(lat1, lon1, lat2, lon2):
    lat1, lon1, lat2, lon2 = map(np.radians, (lat1, lon1, lat2, lon2))
    a = np.sin((lat2 - lat1) / 2) ** 2 + np.cos(lat1) * np.cos(lat2) * np.sin((lon2 - lon1) / 2) ** 2
    return 2 * _EARTH_KM * np.arcsin(np.sqrt(np.minimum(a, 1.0)))


def _day_numbers(frame: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    """Each event's date range as day numbers (NaN when undated); an undated event falls back to its
    article's publication day."""
    def days(column):
        values = frame[column] if column in frame else pd.Series([None] * len(frame))
        return pd.to_datetime(values, errors="coerce", format="mixed")

    start = days("date_start").fillna(days("date")).fillna(days("published"))
    end = days("date_end").fillna(days("date")).fillna(start)
    epoch = pd.Timestamp("1970-01-01")
    s = ((start - epoch).dt.days).to_numpy(float)
    e = ((end - epoch).dt.days).to_numpy(float)
    return s, np.fmax(e, s)


def _affiliation_masks(actors: pd.Series) -> np.ndarray:
    """A 64-bit set of each event's actor affiliations (hashed to bits: a rare collision only merges more)."""
    bits: dict[str, int] = {}

    def mask(value) -> int:
        m = 0
        for actor in value if isinstance(value, (list, tuple)) else []:
            aff = actor.get("affiliation", "") if isinstance(actor, dict) else getattr(actor, "affiliation", "")
            if aff:
                m |= 1 << bits.setdefault(str(aff).upper(), len(bits) % 64)
        return m

    return np.array([mask(v) for v in actors], dtype=np.uint64)
