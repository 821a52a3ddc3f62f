"""When an event happened: date expressions resolved against the publication date (rules first, then dateparser)."""

import calendar
import re
from dataclasses import dataclass
from datetime import date, timedelta
from functools import lru_cache

from spacy.tokens import Span

MONTHS = {m.lower(): i for i, m in enumerate(calendar.month_name) if m}
MONTHS.update({m.lower(): i for i, m in enumerate(calendar.month_abbr) if m})
MONTHS["sept"] = 9
WEEKDAYS = {d.lower(): i for i, d in enumerate(calendar.day_name)}
NUMBERS = {
    "a": 1,
    "an": 1,
    "one": 1,
    "two": 2,
    "three": 3,
    "four": 4,
    "five": 5,
    "six": 6,
    "seven": 7,
    "eight": 8,
    "nine": 9,
    "ten": 10,
    "several": None,
    "few": None,
}

_MON = (
    r"(?P<mon>jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?|sept?(?:ember)?"
    r"|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)\.?"
)
_WD = r"(?P<wd>monday|tuesday|wednesday|thursday|friday|saturday|sunday)"
_YEAR = r"(?P<year>(?:19|20)\d\d)"
# Own rules, tried in order on the lower-cased text; the first that matches at a place wins.
RULES = [
    ("week_earlier", r"\bearlier (?:this|in the) week\b|\bthis week\b"),
    ("week_last", r"\blast week\b|\bthe previous week\b|\ba week ago\b"),
    ("weekend", r"\b(?:last|this|over the|at the) weekend\b"),
    ("month_earlier", r"\bearlier (?:this|in the) month\b|\bthis month\b"),
    ("month_last", r"\blast month\b|\bthe previous month\b"),
    ("year_last", r"\blast year\b"),
    ("year_this", r"\b(?:earlier |so far )?this year\b"),
    (
        "ago",
        (
            r"\b(?P<n>\d+|an?|one|two|three|four|five|six|seven|eight|nine|ten|several|few) "
            r"(?P<unit>day|week|month|year)s? ago\b"
        ),
    ),
    ("today", r"\b(?:today|this (?:morning|afternoon|evening)|tonight|earlier today)\b"),
    ("yesterday", r"\b(?:yesterday|last night|overnight)\b"),
    ("md", rf"\b{_MON} (?P<day>\d{{1,2}})(?:st|nd|rd|th)?\b(?:,? {_YEAR})?"),
    ("dm", rf"\b(?P<day>\d{{1,2}})(?:st|nd|rd|th)? (?:of )?{_MON}(?:,? {_YEAR})?\b"),
    ("nth", r"\b(?:on|(?:night|morning|evening|hours) of) the (?P<day>\d{1,2})(?:st|nd|rd|th)\b"),
    ("weekday", rf"\b(?:last |this |on |early |late )?{_WD}\b"),
    ("month", rf"\b(?:in |early |late |mid-?|since )?{_MON}(?: {_YEAR})?\b"),
    ("iso", r"\b(?P<iso>(?:19|20)\d\d-\d\d-\d\d)\b"),
    ("year", rf"\b(?:in|since|during|of|by) (?:early |late |mid-)?{_YEAR}\b"),
]
_COMPILED = [(name, re.compile(rx)) for name, rx in RULES]


@dataclass(frozen=True)
class When:
    """A resolved date: a day (start == end, precision day) or a range with its precision."""

    start: date | None
    end: date | None
    precision: str  # day, week, month, year, unknown
    text: str = ""
    char_start: int = 0  # offsets of the expression in the text it was found in
    char_end: int = 0

    @property
    def day(self) -> date | None:
        return self.start if self.precision == "day" else None


UNKNOWN = When(None, None, "unknown")


def _month_range(year: int, month: int) -> tuple[date, date]:
    return date(year, month, 1), date(year, month, calendar.monthrange(year, month)[1])


AHEAD_DAYS = 2  # how far after publication a day without a year may lie


def _past_day(published: date, month: int, day: int, year: int | None) -> date | None:
    """The day `month/day` in `year`, or the latest such day not after publication."""
    try:
        if year:
            return date(year, month, day)
        found = date(published.year, month, day)
        # a page dated the evening before in another time zone may tell of the next day ("13 September, 00:05")
        return (
            found if found <= published + timedelta(days=AHEAD_DAYS) else date(published.year - 1, month, day)
        )
    except ValueError:
        return None


def _apply(name: str, m: re.Match, pub: date | None) -> When | None:
    """One rule match -> a When, or None when it cannot be resolved (no publication date, bad day)."""
    g = m.groupdict()
    year = int(g["year"]) if g.get("year") else None
    if name == "iso":
        return When(date.fromisoformat(g["iso"]), date.fromisoformat(g["iso"]), "day")
    if name == "year":
        return When(date(year, 1, 1), date(year, 12, 31), "year")
    if name in ("md", "dm") and (year or pub):
        d = _past_day(pub or date(year, 12, 31), MONTHS[g["mon"]], int(g["day"]), year)
        return When(d, d, "day") if d else None
    if name == "month" and (year or pub):
        month = MONTHS[g["mon"]]
        if (
            g["mon"] in ("may", "march")
            and not year
            and not m.group(0).startswith(("in ", "early", "late", "mid", "since"))
        ):
            return None  # "may" and "march" are usually not months
        if year is None:
            year = pub.year if month <= pub.month else pub.year - 1
        return When(*_month_range(year, month), "month")
    if pub is None:
        return None  # everything below is relative to the publication date
    monday = pub - timedelta(days=pub.weekday())
    if name == "week_earlier":
        return When(monday, max(monday, pub - timedelta(days=1)), "week")
    if name == "week_last":
        return When(monday - timedelta(days=7), monday - timedelta(days=1), "week")
    if name == "weekend":
        back = (pub.weekday() - 5) % 7  # days since the latest Saturday
        sat = pub - timedelta(days=back)
        return When(sat, min(sat + timedelta(days=1), pub), "week")
    if name == "month_earlier":
        return When(pub.replace(day=1), max(pub.replace(day=1), pub - timedelta(days=1)), "month")
    if name == "month_last":
        prev = pub.replace(day=1) - timedelta(days=1)
        return When(*_month_range(prev.year, prev.month), "month")
    if name == "year_last":
        return When(date(pub.year - 1, 1, 1), date(pub.year - 1, 12, 31), "year")
    if name == "year_this":
        return When(date(pub.year, 1, 1), pub, "year")
    if name == "today":
        return When(pub, pub, "day")
    if name == "yesterday":
        return When(pub - timedelta(days=1), pub - timedelta(days=1), "day")
    if name == "ago":
        n = NUMBERS.get(g["n"], None) if not g["n"].isdigit() else int(g["n"])
        unit = {"day": 1, "week": 7, "month": 30, "year": 365}[g["unit"]]
        if n is None:
            return When(pub - timedelta(days=unit * 9), pub - timedelta(days=unit * 2), _coarse(unit * 7))
        d = pub - timedelta(days=n * unit)
        if unit == 1:
            return When(d, d, "day")
        return When(d - timedelta(days=unit // 2), min(pub, d + timedelta(days=unit // 2)), _coarse(unit))
    if name == "nth":
        d = _past_day(pub, pub.month, int(g["day"]), None) if int(g["day"]) <= pub.day else None
        if d is None:  # "the 28th" in an article of the 3rd: last month
            prev = pub.replace(day=1) - timedelta(days=1)
            try:
                d = prev.replace(day=int(g["day"]))
            except ValueError:
                return None
        return When(d, d, "day")
    if name == "weekday":
        back = (pub.weekday() - WEEKDAYS[g["wd"]]) % 7
        if m.group(0).startswith("last ") and back == 0:
            back = 7
        d = pub - timedelta(days=back)
        return When(d, d, "day")
    return None


def _coarse(days: int) -> str:
    return "week" if days <= 7 else "month" if days <= 31 else "year"


def in_text(text: str, published: date | None, offset: int = 0) -> list[When]:
    """All date expressions the rules resolve in `text`, with offsets (plus `offset`), left to right."""
    low = text.lower()
    taken: list[tuple[int, int]] = []
    out = []
    for name, rx in _COMPILED:
        for m in rx.finditer(low):
            if any(m.start() < e and s < m.end() for s, e in taken):
                continue
            try:
                when = _apply(name, m, published)
            except (ValueError, OverflowError):  # "2026-13-45", or a day before year 1: no date, not a crash
                when = None
            taken.append((m.start(), m.end()))  # even unresolved: "this week" is not also a weekday
            if when:
                out.append(
                    When(
                        when.start,
                        when.end,
                        when.precision,
                        text[m.start() : m.end()],
                        offset + m.start(),
                        offset + m.end(),
                    )
                )
    return sorted(out, key=lambda w: w.char_start)


@lru_cache(maxsize=4096)
def _dateparser(expr: str, published: date) -> date | None:
    from datetime import datetime

    import dateparser  # slow to import; only needed for what the rules miss

    found = dateparser.parse(
        expr,
        languages=["en"],
        settings={
            "RELATIVE_BASE": datetime(published.year, published.month, published.day),
            "PREFER_DATES_FROM": "past",
            "REQUIRE_PARTS": ["day"],
        },
    )
    return found.date() if found else None


def in_sentence(sent: Span, published: date | None, ents: list[Span] | None = None) -> list[When]:
    """Date expressions of one sentence: the rules, then dateparser on DATE entities the rules left.

    `ents` may pass the sentence's DATE entities when the caller has them (Span.ents walks the whole doc)."""
    found = in_text(sent.text, published, sent.start_char)
    for ent in sent.ents if ents is None else ents:
        if ent.label_ != "DATE" or published is None:
            continue
        if any(ent.start_char < w.char_end and w.char_start < ent.end_char for w in found):
            continue
        day = _dateparser(ent.text, published)
        if day and day <= published + timedelta(days=1):
            found.append(When(day, day, "day", ent.text, ent.start_char, ent.end_char))
    return sorted(found, key=lambda w: w.char_start)


def default(published: date | None) -> When:
    """No date in the text: news reports the last few days, so the week up to publication; unknown without one."""
    if published is None:
        return UNKNOWN
    return When(published - timedelta(days=6), published, "week")
