"""Incidents: event mentions from several reports of the same happening, merged as ACLED merges reports.

Two events can be the same incident when they are of one type family, their places are within a radius
that grows with the places' imprecision, their date ranges overlap (give or take a few days), and their
actors are compatible (no two disjoint sets of affiliations). Incidents grow around an anchor: events are
taken in date order, precise places first, and each joins the nearest open incident whose anchor (its
first report) it matches, or starts one. Comparing with the anchor rather than with any member keeps daily
reports from a busy crossing from chaining into one incident months long; imprecise reports (region,
country) join a precise incident but never bridge two. Works on the frame `Store.query` returns; pure
functions, no I/O.
"""

import hashlib

import numpy as np
import pandas as pd

from events import models

# Types that are one happening seen from two sides: a soldier's defection is also a border crossing.
# How far apart two reports' places may be, by the coarser of the two geo precisions (km).
RADIUS_KM = {"exact": 50.0, "near": 50.0, "region": 150.0, "country": 600.0}
PRECISE = ("exact", "near")  # places good enough to anchor an incident
SLACK_DAYS = 3  # date ranges may miss each other by this much (a report a day or two late, time zones)
MAX_SPAN_DAYS = 31  # an event dated only to a year cannot be told apart from its neighbours: never merged
GEO_RANK = {"exact": 0, "near": 1, "region": 2, "country": 3, "unknown": 4}
DATE_RANK = {"day": 0, "week": 1, "month": 2, "year": 3, "unknown": 4}
_EARTH_KM = 6371.0088


def assign_incidents(
    frame: pd.DataFrame, slack_days: int = SLACK_DAYS, radius_km: dict[str, float] | None = None
) -> pd.DataFrame:
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
    family = out["type"].map(models.family).to_numpy()
    precise = out["geo_precision"].isin(PRECISE).to_numpy()
    ev = _Arrays(start, end, lat, lon, radius, masks, slack_days)
    roots = np.arange(n)  # every event its own incident until it joins one
    for fam in np.unique(family[mergeable]):
        in_family = mergeable & (family == fam)
        sharp = _by_start(np.flatnonzero(in_family & precise), start)
        vague = _by_start(np.flatnonzero(in_family & ~precise), start)
        _leaders(sharp, ev, roots)
        rest = _attach(vague, sharp[roots[sharp] == sharp], ev, roots)
        _leaders(rest, ev, roots)
    ids = out["id"].astype(str) if "id" in out else pd.Series(np.arange(n).astype(str))
    first = pd.Series(ids.to_numpy()).groupby(roots).transform("min")  # a stable name: its smallest event id
    out["incident"] = ["inc:" + hashlib.sha1(v.encode()).hexdigest()[:12] for v in first]
    return out


def group_incidents(frame: pd.DataFrame, **options) -> pd.DataFrame:
    """One row per incident: the best-placed report's columns (so it maps like an event), the best-dated
    report's date, and n_events, n_reports, n_sources, sources, first_report, last_report, event_ids."""
    events = frame if "incident" in frame else assign_incidents(frame, **options)
    if events.empty:
        return events.assign(
            n_events=[], n_reports=[], n_sources=[], sources=[], first_report=[], last_report=[], event_ids=[]
        )
    events = events.assign(
        _geo=events["geo_precision"].map(GEO_RANK).fillna(4),
        _date=events["date_precision"].map(DATE_RANK).fillna(4),
        _conf=-pd.to_numeric(events.get("confidence", 0.5), errors="coerce").fillna(0),
        _report=events["published"].fillna(events["date_start"])
        if "published" in events
        else events["date_start"],
    )
    # The best-placed report of each incident stands for it; the best-dated one gives its date.
    placed = events.sort_values(["incident", "_geo", "_conf", "_date"], kind="stable").drop_duplicates(
        "incident"
    )
    dated = events.sort_values(["incident", "_date", "_conf", "_geo"], kind="stable").drop_duplicates(
        "incident"
    )
    summary = placed.set_index("incident", drop=False)
    for column in ("date", "date_start", "date_end", "date_precision"):
        summary[column] = dated.set_index("incident")[column]
    reports = events.sort_values(["incident", "_report"], kind="stable").drop_duplicates(
        ["incident", "article_id"]
    )
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
    return summary.sort_values(["date_start", "incident"], na_position="last", kind="stable").reset_index(
        drop=True
    )


def _sources(reports: pd.DataFrame) -> pd.Series:
    """Each incident's reports (source, title, url, published, article_id), earliest first."""
    columns = [c for c in ("source", "title", "url", "published", "article_id") if c in reports]
    records = reports[columns].to_dict("records")
    lists: dict[str, list] = {}
    for incident, record in zip(reports["incident"], records):
        lists.setdefault(incident, []).append(record)
    return pd.Series(lists, dtype=object)


class _Arrays:
    """The per-event arrays the sweeps read."""

    def __init__(self, start, end, lat, lon, radius, masks, slack):
        self.start, self.end, self.lat, self.lon = start, end, lat, lon
        self.radius, self.masks, self.slack = radius, masks, slack

    def nearest(self, i: int, anchors: np.ndarray) -> int:
        """The anchor (an event index) nearest to event i among those it matches, or -1."""
        if not len(anchors):
            return -1
        d = _distance_km(self.lat[i], self.lon[i], self.lat[anchors], self.lon[anchors])
        ok = d <= np.maximum(self.radius[i], self.radius[anchors])
        ok &= self.end[anchors] + self.slack >= self.start[i]
        ok &= self.start[anchors] <= self.end[i] + self.slack
        mask = self.masks[i]
        if mask:
            ok &= (self.masks[anchors] == 0) | ((self.masks[anchors] & mask) != 0)
        if not ok.any():
            return -1
        return int(anchors[np.flatnonzero(ok)[np.argmin(d[ok])]])


def _by_start(idx: np.ndarray, start: np.ndarray) -> np.ndarray:
    return idx[np.argsort(start[idx], kind="stable")]


def _leaders(idx: np.ndarray, ev: _Arrays, roots: np.ndarray) -> None:
    """One sweep in date order: each event joins its nearest matching open anchor, or becomes one.

    An anchor closes once the sweep passes its end (plus slack), so each event is compared with the
    anchors of the last few days only: O(n * open anchors), not O(n^2).
    """
    open_ = np.empty(len(idx), dtype=np.int64)
    count = 0
    for i in idx:
        if count:
            live = open_[:count][ev.end[open_[:count]] + ev.slack >= ev.start[i]]
            count = len(live)
            open_[:count] = live
        anchor = ev.nearest(i, open_[:count])
        if anchor < 0:
            open_[count] = i
            count += 1
            anchor = i
        roots[i] = anchor


def _attach(idx: np.ndarray, anchors: np.ndarray, ev: _Arrays, roots: np.ndarray) -> np.ndarray:
    """Join imprecise events to the precise incidents they match; returns those that matched none."""
    first = ev.start[anchors]  # anchors are in start order
    reach = MAX_SPAN_DAYS + ev.slack  # an anchor starting earlier than this cannot still be open
    left = []
    for i in idx:
        lo = np.searchsorted(first, ev.start[i] - reach, side="left")
        hi = np.searchsorted(first, ev.end[i] + ev.slack, side="right")
        anchor = ev.nearest(i, anchors[lo:hi])
        if anchor < 0:
            left.append(i)
        else:
            roots[i] = anchor
    return np.array(left, dtype=np.int64)


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
            aff = (
                actor.get("affiliation", "") if isinstance(actor, dict) else getattr(actor, "affiliation", "")
            )
            if aff:
                m |= 1 << bits.setdefault(str(aff).upper(), len(bits) % 64)
        return m

    return np.array([mask(v) for v in actors], dtype=np.uint64)
