"""border-events: news articles in, geolocated border events out.

The library's few entry points, as the command line uses them:

    import events

    article = events.Article(id="a1", text="PAJU, South Korea - A North Korean soldier defected ...",
                             published=datetime.date(2026, 11, 26))
    found = events.process(article)             # the article's events: type, place, date, actors, provenance
    places = events.geoparse(article.text)      # every place the text names, resolved offline
    events.geocode("Panmunjom")                 # gazetteer candidates for a name, best first
    events.resolve(text, [(0, 4)])              # toponyms for spans you give
    store = events.Store("sqlite:///events.sqlite")
    store.add(article, found)
    store.query(events.Filters(types=("defection",)))   # a pandas DataFrame

Names are loaded on first use, so `import events` stays cheap (spaCy loads with the first parse).
"""

from importlib import import_module

__version__ = "0.1.0"

_API = {
    "Article": "events.models",
    "Event": "events.models",
    "Actor": "events.models",
    "Toponym": "events.models",
    "process": "events.pipeline",
    "parse": "events.nlp",
    "geocode": "events.geo",
    "resolve": "events.geo",
    "Store": "events.store",
    "Filters": "events.filters",
    "EventsError": "events.errors",
}
__all__ = [  # noqa: RUF022 (in the order of the docstring)
    "Article",
    "Event",
    "Actor",
    "Toponym",
    "process",
    "parse",
    "geoparse",
    "geocode",
    "resolve",
    "Store",
    "Filters",
    "EventsError",
    "__version__",
]


def geoparse(text: str) -> list:
    """The toponyms of a text, recognised and resolved offline (events.geo.geoparse on a parse of it)."""
    from events import geo, nlp

    return geo.geoparse(nlp.parse(text))


def __getattr__(name: str):
    if name in _API:
        return getattr(import_module(_API[name]), name)
    raise AttributeError(f"module 'events' has no attribute {name!r}")
